/**
 * The telecom module's HTTP adapters, added to svcflow's server (src/engine/http/server.ts, whose
 * body limit, 4xx rules and token they share):
 *
 *   POST /sms/inbound                 an SMS reply from the gateway: recorded in the notification
 *                                     system's inbound log, then delivered as a message on the
 *                                     declared `smsReply` channel (correlated by its `from`), or
 *                                     answered with the `sms.unmatched` template
 *   POST /work-orders/:id/ack         the technician took the order     → signal technicianAck
 *   POST /work-orders/:id/on-site     the technician arrived            → signal technicianOnSite
 *   POST /work-orders/:id/report      the technician's report           → signal technicianReport
 *                                     to the instance that created the work order (one
 *                                     Idempotency-Key is one report and one signal, whatever the
 *                                     concurrency)
 *
 * Recorded, then delivered: a 202 means the SMS or the report is a row in PostgreSQL. Its
 * delivery is a claim on that row; one that a crash or an outage interrupted is finished by the
 * module's relay (started with the worker, every 15 s by default), and its signal carries a
 * request id made from the row, which Temporal deduplicates.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Engine } from '../../../../src/engine/engine.js';
import type { ModuleServices, SvcflowModule } from '../../../../src/engine/module.js';
import { HttpError, idempotencyKey } from '../../../../src/engine/http/errors.js';
import { channelsOf, checkedMessage, type ChannelSpec } from '../../../../src/engine/http/channels.js';
import { createHttpServer as createCoreHttpServer, type HttpOptions as CoreHttpOptions } from '../../../../src/engine/http/server.js';
import { describeIssues, invalidText, Phone, Time } from '../catalog/index.js';
import { receiveSms, redeliverInbound, type InboundSms as Sms, type NotificationDeps } from '../systems/notification.js';
import { deliverReport, recordReport, redeliverReports } from './work-order-reports.js';

/** The channel SMS replies arrive on, as modules/telecom/systems/notification.flow declares it. */
export const SMS_REPLY: ChannelSpec = {
  name: 'smsReply',
  description: 'A reply the customer sent by SMS.',
  payload: [
    { name: 'from', type: { t: 'phone' }, optional: false, pii: true },
    { name: 'text', type: { t: 'string' }, optional: false, pii: false },
    { name: 'receivedAt', type: { t: 'time' }, optional: false, pii: false },
    { name: 'channel', type: { t: 'string' }, optional: false, pii: false },
  ],
  correlate: ['from'],
};

const InboundSms = z.object({
  from: Phone,
  text: z.string().min(1).max(1000),
  receivedAt: Time.optional().describe('when the gateway received it; now when omitted'),
});

const TECHNICIAN_SIGNALS = { ack: 'technicianAck', 'on-site': 'technicianOnSite', report: 'technicianReport' } as const;
type Kind = keyof typeof TECHNICIAN_SIGNALS;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new HttpError(400, 'http/invalid-body', describeIssues(r.error, 'body'));
  const bad = invalidText(r.data, 'body');
  if (bad) throw new HttpError(400, 'http/invalid-body', bad);
  return r.data;
}

/** Delivers a recorded SMS as a message on the smsReply channel, keyed by the channel's declaration. */
function smsRoute(engine: Engine, channel: ChannelSpec) {
  return (sms: Sms, inboundId: string) => {
    const { keys, payload } = checkedMessage(channel, { from: sms.from, text: sms.text, receivedAt: sms.receivedAt, channel: 'sms' });
    return engine.deliver(channel.name, keys, payload as never, { requestId: `svcflow-sms-${inboundId}`, type: { t: 'record', fields: channel.payload } });
  };
}

/** The telecom routes, on a server that has svcflow's (error handling, token, body limit). */
export function telecomRoutes(app: FastifyInstance, services: ModuleServices & { notification: NotificationDeps }): void {
  const { engine, notification } = services;
  const { pool, clock } = notification;
  const route = smsRoute(engine, services.channels.get(SMS_REPLY.name) ?? SMS_REPLY);
  const reports = { engine, pool, clock };

  app.post('/sms/inbound', async (req, reply) => {
    const sms = parse(InboundSms, req.body);
    const result = await receiveSms(notification, { from: sms.from, text: sms.text, receivedAt: sms.receivedAt ?? clock().toISOString() }, route);
    return reply.status(202).send({ ...result, matched: result.routedTo.length > 0 });
  });

  app.post<{ Params: { id: string; kind: string } }>('/work-orders/:id/:kind', async (req, reply) => {
    const kind = req.params.kind as Kind;
    if (!Object.hasOwn(TECHNICIAN_SIGNALS, kind)) throw new HttpError(404, 'http/not-found', `no endpoint /work-orders/:id/${req.params.kind}; use ack, on-site or report`);
    const body = parse(z.record(z.string(), z.unknown()), req.body);
    const requestId = idempotencyKey(req.headers['idempotency-key']);
    const payload = kind === 'on-site' ? { at: clock().toISOString(), ...body } : body;
    const { rows } = await pool.query<{ workflow_id: string | null }>('SELECT workflow_id FROM dispatch_work_orders WHERE work_order_id = $1', [req.params.id]);
    const order = rows[0];
    if (!order) throw new HttpError(404, 'dispatch/work-order-not-found', `no work order has the id ${req.params.id}`);
    if (!order.workflow_id) throw new HttpError(409, 'dispatch/no-process', `work order ${req.params.id} was not created by a process; nothing waits for its reports`);
    const signal = TECHNICIAN_SIGNALS[kind];
    // Checked as the engine checks a signal (running, waits for it, payload of the declared type)
    // before anything is recorded: a report the process cannot take writes nothing.
    await engine.checkSignal(order.workflow_id, signal, payload);
    const recorded = await recordReport(pool, { workOrderId: req.params.id, kind, signal, payload, workflowId: order.workflow_id, requestId, at: clock() });
    // A duplicate helps finish a delivery a crashed attempt left (the claim keeps it to one attempt at a time).
    const status = await deliverReport(reports, recorded.id);
    if (status.state === 'rejected') throw new HttpError(409, 'engine/not-running', status.error ?? `instance ${order.workflow_id} takes no more reports`);
    const sent = { workOrderId: req.params.id, deliveredTo: order.workflow_id, signal };
    return reply.status(recorded.duplicate ? 200 : 202).send({ ...sent, reportId: recorded.id, delivered: status.state === 'delivered', ...(recorded.duplicate ? { duplicate: true } : {}) });
  });
}

/** The relays of what the routes recorded and could not deliver (reports, SMS replies); the returned function stops them. */
export function startTelecomRelays(services: ModuleServices & { notification: NotificationDeps }, everyMs = 15_000): () => void {
  const { engine, notification } = services;
  const route = smsRoute(engine, services.channels.get(SMS_REPLY.name) ?? SMS_REPLY);
  const reports = { engine, pool: notification.pool, clock: notification.clock };
  const relay = async () => {
    await redeliverReports(reports).catch(() => 0);
    await redeliverInbound(notification, route).catch(() => 0);
  };
  const timer = setInterval(() => void relay(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export interface TelecomHttpOptions extends Omit<CoreHttpOptions, 'modules'> {
  /** The notification system's database, sender and clock (for recording and answering SMS). */
  notification: NotificationDeps;
}

/**
 * svcflow's HTTP server with the telecom adapters and their relays, on the notification
 * system's database: what `createRuntime` assembles from the telecom module, for a caller who
 * wants only the server.
 */
export async function createHttpServer(options: TelecomHttpOptions): Promise<FastifyInstance> {
  const { notification } = options;
  const telecomHttp: SvcflowModule = { name: 'telecom', routes: (app, services) => telecomRoutes(app, { ...services, notification }) };
  const app = await createCoreHttpServer({ ...options, clock: options.clock ?? notification.clock, modules: [telecomHttp] });
  const everyMs = options.relayEveryMs ?? 15_000;
  if (everyMs > 0) {
    const stop = startTelecomRelays({ engine: options.engine, pool: notification.pool, clock: notification.clock, channels: channelsOf(options.catalog), notification }, everyMs);
    app.addHook('onClose', async () => stop());
  }
  return app;
}
