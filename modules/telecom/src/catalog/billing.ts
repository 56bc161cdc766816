/**
 * Billing (计费/账务): accounts, plans, service activation and suspension, charges, refunds
 * (double refunds for confirmed billing errors), SP subscriptions and their charges. Every
 * money movement is recorded once and only once (the idempotency key is unique per movement).
 */
import { z } from 'zod';
import { defineActivity, DEFAULT_RETRY, Money, Phone, SignedMoney, Time } from './contract.js';
import { Address } from './dispatch.js';

export const AccountStatus = z.enum(['active', 'suspended', 'closed']);
export const SubscriptionState = z.enum(['pending', 'confirmed', 'active', 'cancelled']);
export const CancelReason = z.enum(['unconfirmed', 'declined', 'rollback', 'customer-request']);

const WRITE = { ...DEFAULT_RETRY };
const READ = { ...DEFAULT_RETRY, maximumAttempts: 5 };

const ACCOUNT_NOT_FOUND = { 'billing/account-not-found': 'no account has this id (or number)' };
const ACCOUNT_CLOSED = { 'billing/account-closed': 'the account is closed' };
const INVALID_AMOUNT = { 'billing/invalid-amount': 'the amount is zero, negative, or not in the account currency' };
const CHARGE_NOT_FOUND = { 'billing/charge-not-found': 'no charge has this id' };
const SUBSCRIPTION_NOT_FOUND = { 'billing/subscription-not-found': 'no subscription has this id' };
const SUBSCRIPTION_CANCELLED = { 'billing/subscription-cancelled': 'the subscription was cancelled (e.g. not confirmed in time)' };
const SERVICE_NOT_FOUND = { 'billing/service-not-found': 'the account has no service with this id' };

export const billing = {
  getAccount: defineActivity({
    name: 'billing.getAccount',
    system: 'billing',
    description: 'Look up a customer account by account id or by phone number: holder, city, plan, status, balance.',
    input: z
      .object({
        accountId: z.string().optional().describe('give this or msisdn'),
        msisdn: Phone.optional().describe('give this or accountId'),
      })
      .refine((a) => a.accountId !== undefined || a.msisdn !== undefined, 'give accountId or msisdn'),
    output: z.object({
      accountId: z.string(),
      msisdn: Phone.describe("the account's main number"),
      holderName: z.string(),
      city: z.string(),
      status: AccountStatus,
      planCode: z.string(),
      balance: SignedMoney.describe('prepaid balance, or negative amount owed'),
      services: z.array(
        z.object({ serviceId: z.string(), product: z.string(), number: Phone.optional(), status: AccountStatus.exclude(['closed']) }),
      ),
    }),
    idempotent: true, startToCloseMs: 5_000, retry: READ,
    errors: { ...ACCOUNT_NOT_FOUND },
  }),

  activateService: defineActivity({
    name: 'billing.activateService',
    system: 'billing',
    description: 'Start billing a product on the account (a new line, broadband…) once it has been installed.',
    input: z.object({
      accountId: z.string(),
      product: z.string().describe('product code, e.g. fixed-line, broadband-100m'),
      number: Phone.optional().describe('the number of the line, e.g. the one reserved at the counter'),
      workOrderId: z.string().optional().describe('the install order that delivered it'),
    }),
    output: z.object({ serviceId: z.string(), activatedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { ...ACCOUNT_NOT_FOUND, ...ACCOUNT_CLOSED, 'billing/unknown-product': 'the product code is not sold' },
  }),

  suspendService: defineActivity({
    name: 'billing.suspendService',
    system: 'billing',
    description: 'Suspend a service on the account (stop service and its monthly fee) for the given reason.',
    input: z.object({
      accountId: z.string(),
      serviceId: z.string(),
      reason: z.enum(['customer-request', 'arrears', 'lost-phone', 'relocation', 'fraud']),
      until: Time.optional().describe('automatic resumption; indefinite when omitted'),
    }),
    output: z.object({ suspendedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { ...ACCOUNT_NOT_FOUND, ...SERVICE_NOT_FOUND, ...ACCOUNT_CLOSED },
  }),

  charge: defineActivity({
    name: 'billing.charge',
    system: 'billing',
    description: 'Charge an amount to the account, with the reason shown on the bill.',
    input: z.object({
      accountId: z.string(),
      amount: Money,
      reason: z.string().describe('shown on the bill, e.g. "installation fee"'),
      reference: z.string().optional().describe('the work order or order it is for'),
    }),
    output: z.object({ chargeId: z.string(), chargedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { ...ACCOUNT_NOT_FOUND, ...ACCOUNT_CLOSED, ...INVALID_AMOUNT },
  }),

  refund: defineActivity({
    name: 'billing.refund',
    system: 'billing',
    description:
      'Refund all or part of an earlier charge to the account it was charged to. As a compensation (`compensate with`), it refunds only a charge made by the step it compensates; otherwise it refunds nothing and returns no refundId.',
    input: z.object({ chargeId: z.string(), amount: Money, reason: z.string() }),
    output: z.object({
      refundId: z.string().optional().describe('absent when a compensation had no charge of its own step to refund'),
      refundedAt: Time.optional(),
    }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { ...CHARGE_NOT_FOUND, ...INVALID_AMOUNT, 'billing/refund-exceeds-charge': 'more than remains refundable on the charge' },
  }),

  doubleRefund: defineActivity({
    name: 'billing.doubleRefund',
    system: 'billing',
    description: 'Refund twice the wrongly charged amount of a charge confirmed as a billing error (话费差错,双倍返还).',
    input: z.object({
      chargeId: z.string().describe('the charge confirmed as wrong'),
      wronglyCharged: Money.describe('the part of the charge that was wrong; the refund is twice this'),
      complaintId: z.string().optional().describe('the complaint that established the error'),
      reason: z.string(),
    }),
    output: z.object({ refundId: z.string(), refunded: Money.describe('twice the wrongly charged amount'), refundedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      ...CHARGE_NOT_FOUND,
      ...INVALID_AMOUNT,
      'billing/refund-exceeds-charge': 'the wrongly charged amount is more than the charge',
      'billing/already-refunded': 'the charge has already had a double refund',
    },
  }),

  createSubscription: defineActivity({
    name: 'billing.createSubscription',
    system: 'billing',
    description: 'Record a monthly SP subscription as pending: it starts and is charged only after the second confirmation.',
    input: z.object({
      accountId: z.string(),
      msisdn: Phone,
      spCode: z.string().describe('code of the value-added service provider (SP)'),
      product: z.string(),
      monthlyFee: Money,
    }),
    output: z.object({ subscriptionId: z.string(), state: SubscriptionState }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      ...ACCOUNT_NOT_FOUND,
      ...ACCOUNT_CLOSED,
      ...INVALID_AMOUNT,
      'billing/unknown-sp': 'the SP code or product is not registered',
      'billing/already-subscribed': 'the number already has an active subscription to this product',
    },
  }),

  requestConfirmation: defineActivity({
    name: 'billing.requestConfirmation',
    system: 'billing',
    description:
      "Record that this process asks the customer to confirm a pending subscription (二次确认), before asking. Refused when the subscription does not wait for a confirmation, or another process already asked. Its compensation, cancelSubscription, cancels the subscription while only this request and its confirmation happened (pending or confirmed).",
    input: z.object({ subscriptionId: z.string() }),
    output: z.object({ subscriptionId: z.string(), state: SubscriptionState }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      ...SUBSCRIPTION_NOT_FOUND,
      'billing/subscription-not-pending': 'the subscription is already confirmed, active or cancelled: nothing to confirm',
      'billing/confirmation-requested': 'another process already asked the customer to confirm it',
    },
  }),

  confirmSubscription: defineActivity({
    name: 'billing.confirmSubscription',
    system: 'billing',
    description: "Record the customer's second confirmation of a pending subscription (e.g. their SMS reply).",
    input: z.object({
      subscriptionId: z.string(),
      via: z.enum(['sms-reply', 'ivr', 'web', 'counter']),
      confirmedAt: Time,
      replyText: z.string().optional().describe('the confirming reply as received'),
    }),
    output: z.object({ state: SubscriptionState, confirmedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { ...SUBSCRIPTION_NOT_FOUND, ...SUBSCRIPTION_CANCELLED },
  }),

  startSubscription: defineActivity({
    name: 'billing.startSubscription',
    system: 'billing',
    description:
      'Start a confirmed subscription so that the service is delivered and can be charged. On a subscription already active it changes nothing (and its compensation cancels nothing).',
    input: z.object({ subscriptionId: z.string() }),
    output: z.object({ state: SubscriptionState, startedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      ...SUBSCRIPTION_NOT_FOUND,
      'billing/subscription-not-confirmed': 'the customer has not confirmed the subscription a second time',
      ...SUBSCRIPTION_CANCELLED,
    },
  }),

  cancelSubscription: defineActivity({
    name: 'billing.cancelSubscription',
    system: 'billing',
    description:
      "Cancel a subscription (unconfirmed, declined, rolled back or at the customer's request); no further charges. As a compensation, it cancels only a subscription that the step it compensates created or started, or asked to confirm (billing.requestConfirmation) while it is pending or confirmed; otherwise it changes nothing.",
    input: z.object({ subscriptionId: z.string(), reason: CancelReason }),
    output: z.object({ state: SubscriptionState, cancelledAt: Time.optional().describe('when it was cancelled; absent when it is not') }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { ...SUBSCRIPTION_NOT_FOUND },
  }),

  chargeSubscription: defineActivity({
    name: 'billing.chargeSubscription',
    system: 'billing',
    description: "Charge a subscription's monthly fee for one month; refused unless the subscription was confirmed.",
    input: z.object({
      subscriptionId: z.string(),
      period: z
        .string()
        .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM')
        .optional()
        .describe('billing month as YYYY-MM; the current month when omitted'),
    }),
    output: z.object({ chargeId: z.string(), amount: Money, period: z.string(), chargedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      ...SUBSCRIPTION_NOT_FOUND,
      'billing/subscription-not-confirmed': 'the subscription has no second confirmation (charging it would be a mis-charge)',
      ...SUBSCRIPTION_CANCELLED,
      'billing/already-charged': 'the month has already been charged for this subscription',
    },
  }),

  compensateMischarge: defineActivity({
    name: 'billing.compensateMischarge',
    system: 'billing',
    description:
      'Credit the customer for a claimed SMS/SP mis-charge at once, before the investigation ends (短信差错,先行赔付). Every credit is against a disputed charge of the same account: all credits and refunds of that charge together never exceed it, and the credits at most the limit before investigation (¥200 by default). A call without a charge is refused.',
    input: z.object({
      accountId: z.string(),
      amount: Money.describe('the amount the customer says was wrongly charged'),
      chargeId: z.string().describe('the disputed charge, on this account: the credit is bounded by it'),
      subscriptionId: z.string().optional().describe("the charge's subscription, when it has one"),
      spCode: z.string().optional(),
      complaintId: z.string().optional(),
      reason: z.string(),
    }),
    output: z.object({ compensationId: z.string(), credited: Money, creditedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      ...ACCOUNT_NOT_FOUND,
      ...INVALID_AMOUNT,
      ...CHARGE_NOT_FOUND,
      ...SUBSCRIPTION_NOT_FOUND,
      'billing/charge-not-on-account': 'the charge (or the subscription) is not one of this account',
      'billing/compensation-exceeds-charge': 'more than remains of the charge after its refunds and earlier credits',
      'billing/compensation-limit-exceeded': 'the amount is above what may be paid before investigation (needs approval)',
    },
  }),

  changePlan: defineActivity({
    name: 'billing.changePlan',
    system: 'billing',
    description: 'Move the account to another tariff plan, now or from the next billing cycle.',
    input: z.object({ accountId: z.string(), planCode: z.string(), effective: z.enum(['now', 'next-cycle']) }),
    output: z.object({ previousPlan: z.string(), planCode: z.string(), effectiveAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      ...ACCOUNT_NOT_FOUND,
      ...ACCOUNT_CLOSED,
      'billing/unknown-plan': 'no plan has this code, or it is no longer sold',
      'billing/plan-locked': 'the current plan has a minimum term that has not ended',
    },
  }),

  moveService: defineActivity({
    name: 'billing.moveService',
    system: 'billing',
    description: 'Move a service to a new address in the same city, keeping its number (同城移机不改号).',
    input: z.object({
      accountId: z.string(),
      serviceId: z.string(),
      newAddress: Address,
      workOrderId: z.string().optional().describe('the move order that did the work'),
    }),
    output: z.object({ serviceId: z.string(), number: Phone, movedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      ...ACCOUNT_NOT_FOUND,
      ...SERVICE_NOT_FOUND,
      'billing/different-city': 'the new address is not in the city of the service (a number cannot move across cities)',
    },
  }),
} as const;
