/**
 * Notification (短信/通知) on PostgreSQL: messages rendered from templates (zh-CN and en) into an
 * outbox with a delivery state, handed to a pluggable sender; inbound SMS replies recorded and
 * answered when nothing waits for them; satisfaction surveys and revisit calls.
 *
 * Exactly once: the outbox row is written with the idempotency key's ledger row; delivery is a
 * claim on that row (queued → sending → sent), so a retried activity never sends twice. A send
 * that fails leaves the row queued and the activity fails retryably: Temporal's retry delivers it.
 */
import type pg from 'pg';
import { iso, once, one, reject, Rejection, transaction, type CallContext, type Clock } from './effects.js';
import type { NotificationSystem } from './types.js';

export interface OutgoingMessage {
  messageId: string;
  channel: 'sms' | 'email';
  to: string;
  body: string;
}

/**
 * Hands a message to the SMS gateway or mail server. Throw a `Rejection` with type
 * `notification/invalid-recipient` when the recipient can never be reached; any other error is
 * an outage and the send is retried.
 */
export interface MessageSender {
  send(message: OutgoingMessage): Promise<void>;
}

/** Development sender: prints each message on stderr. */
export const consoleSender: MessageSender = {
  async send(m) {
    process.stderr.write(`[svcflow] ${m.channel} to ${m.to} (${m.messageId}): ${m.body}\n`);
  },
};

export interface NotificationDeps {
  pool: pg.Pool;
  clock: Clock;
  /** Where messages go; `null`: they stay queued in the outbox for the operator's own gateway relay. */
  sender: MessageSender | null;
}

type Vars = Record<string, string | number> | undefined;

/** Fills `{name}` placeholders; a placeholder without a value is a rejection naming it. */
export function render(template: string, body: string, vars: Vars): string {
  const missing: string[] = [];
  const text = body.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = vars?.[name];
    if (v === undefined) missing.push(name);
    return String(v ?? '');
  });
  if (missing.length) reject('notification/missing-var', `template ${template} needs ${missing.map((m) => `'${m}'`).join(', ')} in vars`);
  return text;
}

/**
 * A sending attempt that crashed is taken over after this long: longer than an attempt may run
 * (sendSms/sendEmail time out after 30 s), so a slow send that is still alive is never repeated.
 */
const CLAIM_TIMEOUT_MS = 45_000;

/** Delivers one outbox message if it is still to be sent; returns its delivery state. */
export async function deliver(deps: NotificationDeps, messageId: string): Promise<'queued' | 'sending' | 'sent' | 'delivered' | 'failed'> {
  const { pool, clock, sender } = deps;
  if (!sender) return 'queued';
  const now = clock();
  const { rows } = await pool.query<{ channel: 'sms' | 'email'; recipient: string; body: string }>(
    `UPDATE notification_outbox SET status = 'sending', attempts = attempts + 1, claimed_at = $2
     WHERE message_id = $1 AND (status = 'queued' OR (status = 'sending' AND claimed_at < $3))
     RETURNING channel, recipient, body`,
    [messageId, now, new Date(now.getTime() - CLAIM_TIMEOUT_MS)],
  );
  const m = rows[0];
  if (!m) {
    const { rows: current } = await pool.query<{ status: 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' }>('SELECT status FROM notification_outbox WHERE message_id = $1', [messageId]);
    return current[0]!.status;
  }
  try {
    await sender.send({ messageId, channel: m.channel, to: m.recipient, body: m.body });
  } catch (err) {
    const permanent = err instanceof Rejection;
    await pool.query('UPDATE notification_outbox SET status = $2, last_error = $3 WHERE message_id = $1', [messageId, permanent ? 'failed' : 'queued', String((err as Error).message)]);
    throw err;
  }
  await pool.query(`UPDATE notification_outbox SET status = 'sent', sent_at = $2, last_error = NULL WHERE message_id = $1`, [messageId, clock()]);
  return 'sent';
}

export function createPgNotification(deps: NotificationDeps): NotificationSystem {
  const { pool, clock } = deps;

  async function enqueue(activity: string, channel: 'sms' | 'email', input: { to: string; template: string; vars?: Vars; locale?: 'zh-CN' | 'en' }, ctx: CallContext) {
    const { messageId } = await once(pool, activity, ctx, async (c) => {
      const locale = input.locale ?? 'zh-CN';
      const t = await one<{ body: string }>(c, 'notification/unknown-template', `no template ${input.template} in ${locale}`, 'SELECT body FROM notification_templates WHERE template_id = $1 AND locale = $2', [
        input.template,
        locale,
      ]);
      const body = render(input.template, t.body, input.vars);
      const { rows } = await c.query<{ message_id: string }>(
        'INSERT INTO notification_outbox (channel, recipient, template_id, locale, body, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING message_id',
        [channel, input.to, input.template, locale, body, clock()],
      );
      return { messageId: rows[0]!.message_id };
    });
    const status = await deliver(deps, messageId);
    // Another attempt (or the relay) holds the claim: its outcome is not known yet, so this
    // attempt fails retryably; a later one sees `sent`, or takes over a crashed claim.
    if (status === 'sending') throw new Error(`message ${messageId} is being sent by another attempt; retrying`);
    return { messageId, status };
  }

  return {
    sendSms: (input, ctx) => enqueue('notification.sendSms', 'sms', input, ctx),
    sendEmail: (input, ctx) => enqueue('notification.sendEmail', 'email', input, ctx),

    recordSurvey: (input, ctx) =>
      once(pool, 'notification.recordSurvey', ctx, async (c) => {
        const now = clock();
        const { rows } = await c.query<{ survey_id: string }>(
          'INSERT INTO notification_surveys (msisdn, subject, reference_id, channel, score, comment, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING survey_id',
          [input.msisdn, input.subject, input.referenceId, input.channel, input.score ?? null, input.comment ?? null, now],
        );
        return { surveyId: rows[0]!.survey_id, recordedAt: iso(now) };
      }),

    callBack: (input, ctx) =>
      once(pool, 'notification.callBack', ctx, async (c) => {
        const now = clock();
        const { rows } = await c.query<{ callback_id: string }>(
          `INSERT INTO notification_callbacks (msisdn, purpose, reference_id, due_by, locale, note, scheduled_for) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING callback_id`,
          [input.msisdn, input.purpose, input.referenceId, input.dueBy, input.locale ?? 'zh-CN', input.note ?? null, now],
        );
        return { callbackId: rows[0]!.callback_id, scheduledFor: iso(now) };
      }),
  };
}

export interface InboundSms {
  from: string;
  text: string;
  receivedAt: string;
}

export interface ReceivedSms {
  inboundId: string;
  /** `received`: recorded, not delivered yet (the relay delivers it); else where it went. */
  status: 'received' | 'routed' | 'unmatched';
  routedTo: string[];
  replyId?: string;
}

/**
 * A delivery attempt that crashed is taken over after this long: longer than a delivery may
 * take (a visibility list and one signal), so a slow attempt that is still alive is not repeated.
 */
const INBOUND_CLAIM_MS = 30_000;

/**
 * Records an inbound SMS, then routes it with `route` (which returns the process instances that
 * took it). Recorded first: the row exists (`received`) before any instance can take the reply,
 * so a crash or an outage between the two leaves a row the relay (`redeliverInbound`) delivers,
 * never a reply taken and not recorded. A reply that reaches nobody is recorded as unmatched and
 * answered with the `sms.unmatched` template, never dropped. `route` is given the row's id too,
 * to make a request id of, so that a route repeated after a crash is one delivery.
 */
export async function receiveSms(deps: NotificationDeps, sms: InboundSms, route: (sms: InboundSms, inboundId: string) => Promise<string[]>): Promise<ReceivedSms> {
  const { rows } = await deps.pool.query<{ inbound_id: string }>(
    `INSERT INTO notification_inbound (from_number, body, received_at, status) VALUES ($1, $2, $3, 'received') RETURNING inbound_id`,
    [sms.from, sms.text, sms.receivedAt],
  );
  return routeInbound(deps, rows[0]!.inbound_id, route);
}

/**
 * Delivers one recorded SMS if it is still to be delivered: a claim on its row (one attempt at a
 * time), the route, then its fate in one transaction. A route that fails leaves it `received`.
 */
export async function routeInbound(deps: NotificationDeps, inboundId: string, route: (sms: InboundSms, inboundId: string) => Promise<string[]>): Promise<ReceivedSms> {
  const now = deps.clock();
  const { rows } = await deps.pool.query<{ from_number: string; body: string; received_at: Date }>(
    `UPDATE notification_inbound SET attempts = attempts + 1, claimed_at = $2
     WHERE inbound_id = $1 AND status = 'received' AND (claimed_at IS NULL OR claimed_at < $3)
     RETURNING from_number, body, received_at`,
    [inboundId, now, new Date(now.getTime() - INBOUND_CLAIM_MS)],
  );
  const claimed = rows[0];
  if (!claimed) {
    const { rows: current } = await deps.pool.query<{ status: ReceivedSms['status']; routed_to: string[]; reply_id: string | null }>(
      'SELECT status, routed_to, reply_id FROM notification_inbound WHERE inbound_id = $1',
      [inboundId],
    );
    const c = current[0]!;
    return { inboundId, status: c.status, routedTo: c.routed_to, ...(c.reply_id ? { replyId: c.reply_id } : {}) };
  }
  let routedTo: string[];
  try {
    routedTo = await route({ from: claimed.from_number, text: claimed.body, receivedAt: iso(claimed.received_at) }, inboundId);
  } catch (err) {
    // The claim is given up: the relay (or the next attempt) takes it at once.
    await deps.pool.query('UPDATE notification_inbound SET last_error = $2, claimed_at = NULL WHERE inbound_id = $1', [inboundId, String((err as Error).message)]);
    return { inboundId, status: 'received', routedTo: [] };
  }
  const replyId = await transaction(deps.pool, async (c) => {
    let reply: string | undefined;
    if (!routedTo.length) {
      const t = await one<{ body: string }>(c, 'notification/unknown-template', 'no template sms.unmatched in zh-CN', `SELECT body FROM notification_templates WHERE template_id = 'sms.unmatched' AND locale = 'zh-CN'`, []);
      const { rows } = await c.query<{ message_id: string }>(
        `INSERT INTO notification_outbox (channel, recipient, template_id, locale, body, created_at) VALUES ('sms', $1, 'sms.unmatched', 'zh-CN', $2, $3) RETURNING message_id`,
        [claimed.from_number, t.body, deps.clock()],
      );
      reply = rows[0]!.message_id;
    }
    await c.query('UPDATE notification_inbound SET status = $2, routed_to = $3, reply_id = $4, last_error = NULL WHERE inbound_id = $1', [
      inboundId,
      routedTo.length ? 'routed' : 'unmatched',
      routedTo,
      reply ?? null,
    ]);
    return reply;
  });
  if (replyId) await deliver(deps, replyId).catch(() => {}); // stays queued: the relay (drainOutbox) sends it later
  return { inboundId, status: routedTo.length ? 'routed' : 'unmatched', routedTo, ...(replyId ? { replyId } : {}) };
}

/** The inbound relay: delivers recorded SMS replies that a crash or an outage left undelivered. */
export async function redeliverInbound(deps: NotificationDeps, route: (sms: InboundSms, inboundId: string) => Promise<string[]>, limit = 50): Promise<number> {
  const cutoff = new Date(deps.clock().getTime() - INBOUND_CLAIM_MS);
  const { rows } = await deps.pool.query<{ inbound_id: string }>(
    `SELECT inbound_id FROM notification_inbound WHERE status = 'received' AND (claimed_at IS NULL OR claimed_at < $1) ORDER BY received_at LIMIT $2`,
    [cutoff, limit],
  );
  let routed = 0;
  for (const { inbound_id } of rows) {
    if ((await routeInbound(deps, inbound_id, route)).status !== 'received') routed++;
  }
  return routed;
}

/**
 * The outbox relay: sends what is still queued (a reply whose first send failed, a message whose
 * activity gave up) and takes over crashed claims. Run it every few seconds next to a worker.
 */
export async function drainOutbox(deps: NotificationDeps, limit = 50): Promise<number> {
  const cutoff = new Date(deps.clock().getTime() - CLAIM_TIMEOUT_MS);
  const { rows } = await deps.pool.query<{ message_id: string }>(
    `SELECT message_id FROM notification_outbox WHERE status = 'queued' OR (status = 'sending' AND claimed_at < $1) ORDER BY created_at LIMIT $2`,
    [cutoff, limit],
  );
  let sent = 0;
  for (const { message_id } of rows) {
    if ((await deliver(deps, message_id).catch(() => 'failed')) === 'sent') sent++;
  }
  return sent;
}

/** Runs the relay every `everyMs` until the returned function is called. */
export function startOutboxRelay(deps: NotificationDeps, everyMs = 15_000): () => void {
  if (!deps.sender) return () => {};
  const timer = setInterval(() => void drainOutbox(deps).catch(() => {}), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
