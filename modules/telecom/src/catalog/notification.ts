/**
 * Notification (短信/通知): SMS and email from templates (Chinese and English), recorded in an
 * outbox with their delivery state; satisfaction surveys and revisit calls. Inbound SMS replies
 * are not activities: they reach the waiting process as messages.
 */
import { z } from 'zod';
import { defineActivity, DEFAULT_RETRY, Phone, Time } from './contract.js';

export const Locale = z.enum(['zh-CN', 'en']).describe('language of the message; zh-CN when omitted');
export const DeliveryStatus = z.enum(['queued', 'sent', 'delivered', 'failed']);

const Vars = z
  .record(z.string(), z.union([z.string(), z.number()]))
  .describe('values for the placeholders of the template');
const Template = z.string().describe('template id, e.g. sp.confirm.request');
const Email = z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an email address').describe('an email address');

/** Gateways throttle and have outages: keep trying for longer, with wider spacing. */
const GATEWAY = { ...DEFAULT_RETRY, maximumAttempts: 20, initialIntervalMs: 2_000, maximumIntervalMs: 300_000 };
const WRITE = { ...DEFAULT_RETRY };

const TEMPLATE_ERRORS = {
  'notification/unknown-template': 'no template has this id in the requested language',
  'notification/missing-var': 'the template has a placeholder that vars does not give',
};

export const notification = {
  sendSms: defineActivity({
    name: 'notification.sendSms',
    system: 'notification',
    description: 'Send the customer a text message from a template, recorded in the outbox with its delivery state.',
    input: z.object({ to: Phone, template: Template, vars: Vars.optional(), locale: Locale.optional() }),
    output: z.object({ messageId: z.string(), status: DeliveryStatus }),
    idempotent: true, startToCloseMs: 30_000, retry: GATEWAY,
    errors: {
      ...TEMPLATE_ERRORS,
      'notification/invalid-recipient': 'the number is not assigned or cannot receive SMS',
    },
  }),

  sendEmail: defineActivity({
    name: 'notification.sendEmail',
    system: 'notification',
    description: 'Send an email from a template, recorded in the outbox with its delivery state.',
    input: z.object({ to: Email, template: Template, vars: Vars.optional(), locale: Locale.optional() }),
    output: z.object({ messageId: z.string(), status: DeliveryStatus }),
    idempotent: true, startToCloseMs: 30_000, retry: GATEWAY,
    errors: {
      ...TEMPLATE_ERRORS,
      'notification/invalid-recipient': 'the address is rejected by the mail server as non-existent',
    },
  }),

  recordSurvey: defineActivity({
    name: 'notification.recordSurvey',
    system: 'notification',
    description: "Record the customer's satisfaction answer at the end of a process (or that they did not answer).",
    input: z.object({
      msisdn: Phone,
      subject: z.enum(['install', 'move', 'repair', 'complaint', 'subscription', 'billing']).describe('what was rated'),
      referenceId: z.string().describe('the work order, complaint or order rated'),
      channel: z.enum(['sms', 'ivr', 'call', 'web']),
      score: z.number().int().min(1).max(5).optional().describe('1 (very dissatisfied) to 5 (very satisfied); omitted if no answer'),
      comment: z.string().optional(),
    }),
    output: z.object({ surveyId: z.string(), recordedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {},
  }),

  callBack: defineActivity({
    name: 'notification.callBack',
    system: 'notification',
    description: "Queue an outbound revisit call to the customer for an agent to make before a deadline (e.g. N hours after a repair).",
    input: z.object({
      msisdn: Phone,
      purpose: z.enum(['repair-revisit', 'install-revisit', 'complaint-revisit']),
      referenceId: z.string().describe('the work order or complaint the call is about'),
      dueBy: Time.describe('when the call must have been made'),
      locale: Locale.optional(),
      note: z.string().optional().describe('what the agent should check'),
    }),
    output: z.object({ callbackId: z.string(), scheduledFor: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      'notification/invalid-recipient': 'the number is not assigned',
    },
  }),
} as const;
