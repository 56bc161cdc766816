/**
 * Billing (计费/账务) on PostgreSQL: accounts, services, charges, refunds and double refunds,
 * SP subscriptions and their charges, advance compensation of mis-charges, plan changes and
 * same-city moves. Every money movement is one row written once per idempotency key; balances
 * move in the same transaction. A subscription charge without a confirmed subscription is
 * refused by a trigger in the database (see migrations/…_systems.sql), not only here.
 */
import type pg from 'pg';
import type { CatalogInputs } from '../catalog/index.js';
import { iso, mayUndo, once, one, reject, type Clock } from './effects.js';
import type { BillingSystem } from './types.js';

export interface BillingDeps {
  pool: pg.Pool;
  clock: Clock;
  /** The most that may be credited before an investigation ends (短信差错,先行赔付); ¥200 by default. */
  compensationLimitFen?: number;
  /** Time zone of billing months (YYYY-MM) and cycles; Asia/Shanghai by default. */
  timeZone?: string;
}

type Money = CatalogInputs['billing.charge']['amount'];
const money = (fen: string | number, currency: string): Money => ({ fen: Number(fen), currency });

interface AccountRow {
  account_id: string;
  msisdn: string;
  holder_name: string;
  city: string;
  status: 'active' | 'suspended' | 'closed';
  plan_code: string;
  plan_since: Date;
  currency: string;
  balance_fen: string;
}

const ACCOUNT_NOT_FOUND = 'billing/account-not-found';

async function lockAccount(c: pg.ClientBase, accountId: string, open = true): Promise<AccountRow> {
  const a = await one<AccountRow>(c, ACCOUNT_NOT_FOUND, `no account has the id ${accountId}`, 'SELECT * FROM billing_accounts WHERE account_id = $1 FOR UPDATE', [accountId]);
  if (open && a.status === 'closed') reject('billing/account-closed', `account ${accountId} is closed`);
  return a;
}

function checkAmount(amount: Money, currency: string, what = 'the amount'): void {
  if (amount.fen <= 0) reject('billing/invalid-amount', `${what} must be more than zero (got ${amount.fen} fen)`);
  if (amount.currency !== currency) reject('billing/invalid-amount', `${what} is in ${amount.currency}, the account is in ${currency}`);
}

async function moveBalance(c: pg.ClientBase, accountId: string, deltaFen: number): Promise<void> {
  await c.query('UPDATE billing_accounts SET balance_fen = balance_fen + $2 WHERE account_id = $1', [accountId, deltaFen]);
}

/** `YYYY-MM` of an instant in the billing time zone. */
export function billingMonth(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(at);
  return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`;
}

interface ChargeRow { charge_id: string; account_id: string; amount_fen: string; currency: string; subscription_id: string | null; charged_by: string | null }

async function lockCharge(c: pg.ClientBase, chargeId: string): Promise<ChargeRow> {
  return one<ChargeRow>(
    c,
    'billing/charge-not-found',
    `no charge has the id ${chargeId}`,
    'SELECT charge_id, account_id, amount_fen, currency, subscription_id, charged_by FROM billing_charges WHERE charge_id = $1 FOR UPDATE',
    [chargeId],
  );
}

/**
 * How much of a charge has been given back: plain refunds, for a double refund the wrongly
 * charged part it corrected (the second half is the compensation), and advance compensations
 * credited against it (先行赔付). No kind may take the charge below zero, whichever came first.
 */
async function refundedPart(c: pg.ClientBase, chargeId: string): Promise<number> {
  const { rows } = await c.query<{ part: string | null }>(
    `SELECT (SELECT coalesce(sum(CASE WHEN kind = 'double' THEN wrongly_charged_fen ELSE amount_fen END), 0) FROM billing_refunds WHERE charge_id = $1)
          + (SELECT coalesce(sum(amount_fen), 0) FROM billing_compensations WHERE charge_id = $1) AS part`,
    [chargeId],
  );
  return Number(rows[0]!.part ?? 0);
}

interface SubscriptionRow {
  subscription_id: string;
  account_id: string;
  state: 'pending' | 'confirmed' | 'active' | 'cancelled';
  monthly_fee_fen: string;
  currency: string;
  confirmed_at: Date | null;
  started_at: Date | null;
  cancelled_at: Date | null;
  created_by: string | null;
  requested_by: string | null;
  started_by: string | null;
}

async function lockSubscription(c: pg.ClientBase, id: string): Promise<SubscriptionRow> {
  return one<SubscriptionRow>(c, 'billing/subscription-not-found', `no subscription has the id ${id}`, 'SELECT * FROM billing_subscriptions WHERE subscription_id = $1 FOR UPDATE', [id]);
}

function notCancelled(s: SubscriptionRow): void {
  if (s.state === 'cancelled') reject('billing/subscription-cancelled', `subscription ${s.subscription_id} was cancelled`);
}

export function createPgBilling(deps: BillingDeps): BillingSystem {
  const { pool, clock } = deps;
  const limitFen = deps.compensationLimitFen ?? 20_000;
  const timeZone = deps.timeZone ?? 'Asia/Shanghai';

  return {
    async getAccount(input) {
      const { rows } = await pool.query<AccountRow>('SELECT * FROM billing_accounts WHERE account_id = $1 OR msisdn = $2 ORDER BY account_id = $1 DESC LIMIT 1', [
        input.accountId ?? null,
        input.msisdn ?? null,
      ]);
      const a = rows[0] ?? reject(ACCOUNT_NOT_FOUND, `no account has ${input.accountId ? `the id ${input.accountId}` : `the number ${input.msisdn}`}`);
      const services = await pool.query<{ service_id: string; product: string; number: string | null; status: 'active' | 'suspended' }>(
        `SELECT service_id, product, number, status FROM billing_services WHERE account_id = $1 AND status <> 'closed' ORDER BY service_id`,
        [a.account_id],
      );
      return {
        accountId: a.account_id,
        msisdn: a.msisdn,
        holderName: a.holder_name,
        city: a.city,
        status: a.status,
        planCode: a.plan_code,
        balance: money(a.balance_fen, a.currency),
        services: services.rows.map((s) => ({ serviceId: s.service_id, product: s.product, status: s.status, ...(s.number ? { number: s.number } : {}) })),
      };
    },

    activateService: (input, ctx) =>
      once(pool, 'billing.activateService', ctx, async (c) => {
        await lockAccount(c, input.accountId);
        await one(c, 'billing/unknown-product', `the product ${input.product} is not sold`, 'SELECT code FROM billing_products WHERE code = $1', [input.product]);
        const now = clock();
        const { rows } = await c.query<{ service_id: string }>(
          'INSERT INTO billing_services (account_id, product, number, work_order_id, activated_at) VALUES ($1, $2, $3, $4, $5) RETURNING service_id',
          [input.accountId, input.product, input.number ?? null, input.workOrderId ?? null, now],
        );
        return { serviceId: rows[0]!.service_id, activatedAt: iso(now) };
      }),

    suspendService: (input, ctx) =>
      once(pool, 'billing.suspendService', ctx, async (c) => {
        await lockAccount(c, input.accountId);
        const now = clock();
        const { rowCount } = await c.query(
          `UPDATE billing_services SET status = 'suspended', suspended_at = $3, suspend_reason = $4, suspended_until = $5
           WHERE account_id = $1 AND service_id = $2 AND status <> 'closed'`,
          [input.accountId, input.serviceId, now, input.reason, input.until ?? null],
        );
        if (!rowCount) reject('billing/service-not-found', `account ${input.accountId} has no service ${input.serviceId}`);
        return { suspendedAt: iso(now) };
      }),

    charge: (input, ctx) =>
      once(pool, 'billing.charge', ctx, async (c) => {
        const a = await lockAccount(c, input.accountId);
        checkAmount(input.amount, a.currency);
        const now = clock();
        const { rows } = await c.query<{ charge_id: string }>(
          'INSERT INTO billing_charges (account_id, amount_fen, currency, reason, reference, charged_at, charged_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING charge_id',
          [a.account_id, input.amount.fen, input.amount.currency, input.reason, input.reference ?? null, now, ctx.idempotencyKey],
        );
        await moveBalance(c, a.account_id, -input.amount.fen);
        return { chargeId: rows[0]!.charge_id, chargedAt: iso(now) };
      }),

    refund: (input, ctx) =>
      once(pool, 'billing.refund', ctx, async (c) => {
        const ch = await lockCharge(c, input.chargeId);
        // As a compensation, a refund gives back only a charge its own step made.
        if (!mayUndo(ctx, ch.charged_by)) return {};
        checkAmount(input.amount, ch.currency, 'the refund');
        const remaining = Number(ch.amount_fen) - (await refundedPart(c, ch.charge_id));
        if (input.amount.fen > remaining) reject('billing/refund-exceeds-charge', `only ${remaining} fen of charge ${ch.charge_id} remain refundable, not ${input.amount.fen}`);
        const now = clock();
        const { rows } = await c.query<{ refund_id: string }>(
          `INSERT INTO billing_refunds (charge_id, kind, amount_fen, currency, reason, refunded_at) VALUES ($1, 'refund', $2, $3, $4, $5) RETURNING refund_id`,
          [ch.charge_id, input.amount.fen, input.amount.currency, input.reason, now],
        );
        await moveBalance(c, ch.account_id, input.amount.fen);
        return { refundId: rows[0]!.refund_id, refundedAt: iso(now) };
      }),

    doubleRefund: (input, ctx) =>
      once(pool, 'billing.doubleRefund', ctx, async (c) => {
        const ch = await lockCharge(c, input.chargeId);
        checkAmount(input.wronglyCharged, ch.currency, 'the wrongly charged amount');
        const refundable = Number(ch.amount_fen) - (await refundedPart(c, ch.charge_id));
        if (input.wronglyCharged.fen > refundable) {
          reject('billing/refund-exceeds-charge', `the wrongly charged ${input.wronglyCharged.fen} fen is more than what remains of charge ${ch.charge_id} after refunds (${refundable} fen)`);
        }
        const prior = await c.query(`SELECT refund_id FROM billing_refunds WHERE charge_id = $1 AND kind = 'double'`, [ch.charge_id]);
        if (prior.rowCount) reject('billing/already-refunded', `charge ${ch.charge_id} already had a double refund (${prior.rows[0].refund_id})`);
        const refunded = money(2 * input.wronglyCharged.fen, ch.currency);
        const now = clock();
        const { rows } = await c.query<{ refund_id: string }>(
          `INSERT INTO billing_refunds (charge_id, kind, amount_fen, currency, wrongly_charged_fen, complaint_id, reason, refunded_at)
           VALUES ($1, 'double', $2, $3, $4, $5, $6, $7) RETURNING refund_id`,
          [ch.charge_id, refunded.fen, refunded.currency, input.wronglyCharged.fen, input.complaintId ?? null, input.reason, now],
        );
        await moveBalance(c, ch.account_id, refunded.fen);
        return { refundId: rows[0]!.refund_id, refunded, refundedAt: iso(now) };
      }),

    createSubscription: (input, ctx) =>
      once(pool, 'billing.createSubscription', ctx, async (c) => {
        const a = await lockAccount(c, input.accountId);
        checkAmount(input.monthlyFee, a.currency, 'the monthly fee');
        await one(c, 'billing/unknown-sp', `SP ${input.spCode} has no product ${input.product}`, 'SELECT 1 FROM billing_sp_products WHERE sp_code = $1 AND product = $2', [input.spCode, input.product]);
        const live = await c.query(
          `SELECT subscription_id FROM billing_subscriptions WHERE msisdn = $1 AND sp_code = $2 AND product = $3 AND state <> 'cancelled' FOR UPDATE`,
          [input.msisdn, input.spCode, input.product],
        );
        if (live.rowCount) reject('billing/already-subscribed', `${input.msisdn} already has subscription ${live.rows[0].subscription_id} to ${input.product}`);
        const { rows } = await c.query<{ subscription_id: string }>(
          `INSERT INTO billing_subscriptions (account_id, msisdn, sp_code, product, monthly_fee_fen, currency, created_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING subscription_id`,
          [a.account_id, input.msisdn, input.spCode, input.product, input.monthlyFee.fen, input.monthlyFee.currency, clock(), ctx.idempotencyKey],
        );
        return { subscriptionId: rows[0]!.subscription_id, state: 'pending' as const };
      }),

    requestConfirmation: (input, ctx) =>
      once(pool, 'billing.requestConfirmation', ctx, async (c) => {
        const s = await lockSubscription(c, input.subscriptionId);
        if (s.state !== 'pending') reject('billing/subscription-not-pending', `subscription ${s.subscription_id} is ${s.state}; it does not wait for a confirmation`);
        if (s.requested_by !== null && s.requested_by !== ctx.idempotencyKey) {
          reject('billing/confirmation-requested', `another process (${s.requested_by.split('/')[0]}) already asked for the confirmation of subscription ${s.subscription_id}`);
        }
        await c.query('UPDATE billing_subscriptions SET requested_by = $2 WHERE subscription_id = $1', [s.subscription_id, ctx.idempotencyKey]);
        return { subscriptionId: s.subscription_id, state: 'pending' as const };
      }),

    confirmSubscription: (input, ctx) =>
      once(pool, 'billing.confirmSubscription', ctx, async (c) => {
        const s = await lockSubscription(c, input.subscriptionId);
        notCancelled(s);
        if (s.state !== 'pending') return { state: s.state, confirmedAt: iso(s.confirmed_at!) };
        await c.query(
          `UPDATE billing_subscriptions SET state = 'confirmed', confirmed_at = $2, confirmed_via = $3, reply_text = $4 WHERE subscription_id = $1`,
          [s.subscription_id, input.confirmedAt, input.via, input.replyText ?? null],
        );
        return { state: 'confirmed' as const, confirmedAt: iso(input.confirmedAt) };
      }),

    startSubscription: (input, ctx) =>
      once(pool, 'billing.startSubscription', ctx, async (c) => {
        const s = await lockSubscription(c, input.subscriptionId);
        notCancelled(s);
        if (s.state === 'pending') reject('billing/subscription-not-confirmed', `subscription ${s.subscription_id} has not been confirmed a second time`);
        // Already active (another call started it): a recorded no-op. This call owns nothing, so
        // its compensation (cancelSubscription for this key) cancels nothing.
        if (s.state === 'active') return { state: 'active' as const, startedAt: iso(s.started_at!) };
        const now = clock();
        await c.query(`UPDATE billing_subscriptions SET state = 'active', started_at = $2, started_by = $3 WHERE subscription_id = $1`, [s.subscription_id, now, ctx.idempotencyKey]);
        return { state: 'active' as const, startedAt: iso(now) };
      }),

    cancelSubscription: (input, ctx) =>
      once(pool, 'billing.cancelSubscription', ctx, async (c) => {
        const s = await lockSubscription(c, input.subscriptionId);
        if (s.state === 'cancelled') return { state: 'cancelled' as const, cancelledAt: iso(s.cancelled_at!) };
        // As a compensation, only a subscription its own step created or started, or one its step
        // asked to confirm while that confirmation is all that happened (pending, or confirmed).
        const requested = ['pending', 'confirmed'].includes(s.state) && mayUndo(ctx, s.requested_by);
        if (!mayUndo(ctx, s.started_by) && !mayUndo(ctx, s.created_by) && !requested) return { state: s.state };
        const now = clock();
        await c.query(`UPDATE billing_subscriptions SET state = 'cancelled', cancelled_at = $2, cancel_reason = $3 WHERE subscription_id = $1`, [
          s.subscription_id,
          now,
          input.reason,
        ]);
        return { state: 'cancelled' as const, cancelledAt: iso(now) };
      }),

    chargeSubscription: (input, ctx) =>
      once(pool, 'billing.chargeSubscription', ctx, async (c) => {
        const s = await lockSubscription(c, input.subscriptionId);
        const now = clock();
        const period = input.period ?? billingMonth(now, timeZone);
        const prior = await c.query('SELECT charge_id FROM billing_charges WHERE subscription_id = $1 AND period = $2', [s.subscription_id, period]);
        if (prior.rowCount) reject('billing/already-charged', `subscription ${s.subscription_id} was already charged for ${period} (${prior.rows[0].charge_id})`);
        // The confirmation is checked by the database trigger on billing_charges (SVC01).
        const { rows } = await c.query<{ charge_id: string }>(
          `INSERT INTO billing_charges (account_id, amount_fen, currency, reason, subscription_id, period, charged_at, charged_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING charge_id`,
          [s.account_id, s.monthly_fee_fen, s.currency, `subscription ${s.subscription_id} ${period}`, s.subscription_id, period, now, ctx.idempotencyKey],
        );
        await moveBalance(c, s.account_id, -Number(s.monthly_fee_fen));
        return { chargeId: rows[0]!.charge_id, amount: money(s.monthly_fee_fen, s.currency), period, chargedAt: iso(now) };
      }),

    compensateMischarge: (input, ctx) =>
      once(pool, 'billing.compensateMischarge', ctx, async (c) => {
        const a = await lockAccount(c, input.accountId, false);
        checkAmount(input.amount, a.currency, 'the compensation');
        // Every credit is tied to a charge of the same account and bounded by it: what remains of
        // the charge after refunds and earlier credits, and at most the limit before investigation.
        const ch = await lockCharge(c, input.chargeId);
        if (ch.account_id !== a.account_id) reject('billing/charge-not-on-account', `charge ${ch.charge_id} is not a charge of account ${a.account_id}`);
        if (input.subscriptionId) {
          const s = await lockSubscription(c, input.subscriptionId);
          if (s.account_id !== a.account_id || (ch.subscription_id !== null && ch.subscription_id !== s.subscription_id)) {
            reject('billing/charge-not-on-account', `subscription ${s.subscription_id} is not the subscription of charge ${ch.charge_id} on account ${a.account_id}`);
          }
        }
        const remaining = Number(ch.amount_fen) - (await refundedPart(c, ch.charge_id));
        if (input.amount.fen > remaining) {
          reject('billing/compensation-exceeds-charge', `only ${remaining} fen of charge ${ch.charge_id} remain after refunds and credits, not ${input.amount.fen}`);
        }
        const { rows: before } = await c.query<{ sum: string | null }>('SELECT sum(amount_fen) FROM billing_compensations WHERE charge_id = $1', [ch.charge_id]);
        const already = Number(before[0]!.sum ?? 0);
        if (already + input.amount.fen > limitFen) {
          reject('billing/compensation-limit-exceeded', `${already + input.amount.fen} fen in all would be above the ${limitFen} fen that may be credited before the investigation ends`);
        }
        const now = clock();
        const { rows } = await c.query<{ compensation_id: string }>(
          `INSERT INTO billing_compensations (account_id, amount_fen, currency, charge_id, subscription_id, sp_code, complaint_id, reason, credited_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING compensation_id`,
          [a.account_id, input.amount.fen, input.amount.currency, ch.charge_id, input.subscriptionId ?? null, input.spCode ?? null, input.complaintId ?? null, input.reason, now],
        );
        await moveBalance(c, a.account_id, input.amount.fen);
        return { compensationId: rows[0]!.compensation_id, credited: input.amount, creditedAt: iso(now) };
      }),

    changePlan: (input, ctx) =>
      once(pool, 'billing.changePlan', ctx, async (c) => {
        const a = await lockAccount(c, input.accountId);
        await one(c, 'billing/unknown-plan', `no plan ${input.planCode} is on sale`, 'SELECT code FROM billing_plans WHERE code = $1 AND on_sale', [input.planCode]);
        const now = clock();
        const { rows: lock } = await c.query<{ until: Date }>(
          `SELECT plan_since + make_interval(months => min_term_months) AS until FROM billing_accounts JOIN billing_plans ON code = plan_code WHERE account_id = $1`,
          [a.account_id],
        );
        if (lock[0] && lock[0].until > now) reject('billing/plan-locked', `plan ${a.plan_code} has a minimum term until ${iso(lock[0].until)}`);
        const { rows } = await c.query<{ at: Date }>(
          input.effective === 'now' ? 'SELECT $1::timestamptz AS at' : `SELECT (date_trunc('month', $1::timestamptz AT TIME ZONE $2) + interval '1 month') AT TIME ZONE $2 AS at`,
          input.effective === 'now' ? [now] : [now, timeZone],
        );
        const effectiveAt = rows[0]!.at;
        await c.query('INSERT INTO billing_plan_changes (account_id, from_plan, to_plan, effective_at) VALUES ($1, $2, $3, $4)', [a.account_id, a.plan_code, input.planCode, effectiveAt]);
        if (input.effective === 'now') await c.query('UPDATE billing_accounts SET plan_code = $2, plan_since = $3 WHERE account_id = $1', [a.account_id, input.planCode, now]);
        return { previousPlan: a.plan_code, planCode: input.planCode, effectiveAt: iso(effectiveAt) };
      }),

    moveService: (input, ctx) =>
      once(pool, 'billing.moveService', ctx, async (c) => {
        const a = await lockAccount(c, input.accountId);
        const s = await one<{ number: string | null }>(
          c,
          'billing/service-not-found',
          `account ${input.accountId} has no service ${input.serviceId}`,
          `SELECT number FROM billing_services WHERE account_id = $1 AND service_id = $2 AND status <> 'closed' FOR UPDATE`,
          [input.accountId, input.serviceId],
        );
        if (input.newAddress.city !== a.city) reject('billing/different-city', `the new address is in ${input.newAddress.city}; the number stays in ${a.city} (同城移机不改号)`);
        const now = clock();
        await c.query('UPDATE billing_services SET address = $2, work_order_id = coalesce($3, work_order_id) WHERE service_id = $1', [
          input.serviceId,
          JSON.stringify(input.newAddress),
          input.workOrderId ?? null,
        ]);
        return { serviceId: input.serviceId, number: s.number ?? a.msisdn, movedAt: iso(now) };
      }),
  };
}
