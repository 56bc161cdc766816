/**
 * svcflow's HTTP endpoints (fastify), for the systems outside Temporal that talk to processes:
 *
 *   POST /sms/inbound                 an SMS reply from the gateway; recorded, then delivered to
 *                                     the instance waiting for that phone number, or answered
 *   POST /work-orders/:id/ack         the technician took the order     → signal technicianAck
 *   POST /work-orders/:id/on-site     the technician arrived            → signal technicianOnSite
 *   POST /work-orders/:id/report      the technician's report           → signal technicianReport
 *                                     (one Idempotency-Key is one report and one signal, whatever
 *                                     the concurrency)
 *   GET  /healthz
 *
 * Recorded, then delivered: a 202 means the SMS or the report is a row in PostgreSQL. Its
 * delivery is a claim on that row; one that a crash or an outage interrupted is finished by the
 * relay this server runs (every 15 s by default), and its signal carries a request id made from
 * the row (`engine.signal` / `engine.deliver` with `{ requestId }`), which Temporal deduplicates,
 * so a retried delivery signals nothing again.
 *
 * Bodies are JSON of at most 16 KiB by default. A malformed, oversize or invalid body (texts
 * with NUL or other control characters included) is a 4xx with `{ error, message }` and writes
 * nothing. With a token (SVCFLOW_HTTP_TOKEN), every request but /healthz needs
 * `Authorization: Bearer <token>`, compared in constant time.
 */
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import { z } from 'zod';
import { describeIssues, invalidText, Phone, Time } from '../catalog/index.js';
import { receiveSms, redeliverInbound, type InboundSms as Sms, type NotificationDeps } from '../systems/notification.js';
import type { Engine } from '../../../../src/engine/engine.js';
import { sameSecret } from '../../../../src/engine/token.js';
import { deliverReport, recordReport, redeliverReports } from './work-order-reports.js';
import { InstanceNotRunningError, InvalidInputError, SvcflowError, UnknownInstanceError, UnknownSignalError } from '../../../../src/engine/errors.js';

export interface HttpOptions {
  engine: Engine;
  /** The notification system's database, sender and clock (for recording and answering SMS). */
  notification: NotificationDeps;
  /** Largest accepted body in bytes; 16 KiB by default. */
  bodyLimit?: number;
  /**
   * A shared secret the SMS gateway and the technicians' app send as `Authorization: Bearer …`;
   * SVCFLOW_HTTP_TOKEN by default. Without one, anyone who reaches the port could confirm a
   * subscription by SMS: set it before listening anywhere but 127.0.0.1.
   */
  token?: string;
  /** How often the relay delivers what was recorded and not delivered; 15 s by default, 0: never. */
  relayEveryMs?: number;
}

const InboundSms = z.object({
  from: Phone,
  text: z.string().min(1).max(1000),
  receivedAt: Time.optional().describe('when the gateway received it; now when omitted'),
});

const TECHNICIAN_SIGNALS = { ack: 'technicianAck', 'on-site': 'technicianOnSite', report: 'technicianReport' } as const;
type Kind = keyof typeof TECHNICIAN_SIGNALS;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new HttpError(400, 'http/invalid-body', describeIssues(r.error, 'body'));
  const bad = invalidText(r.data, 'body');
  if (bad) throw new HttpError(400, 'http/invalid-body', bad);
  return r.data;
}

/** Compares the Authorization header with the token in constant time (equal-length digests). */
const authorised = (header: string | undefined, token: string): boolean => sameSecret(header, `Bearer ${token}`);

/** Maps engine errors to the status an HTTP client can act on. */
function statusOf(err: unknown): { status: number; error: string; message: string } {
  if (err instanceof HttpError) return { status: err.status, error: err.error, message: err.message };
  if (err instanceof InvalidInputError) return { status: 422, error: err.code, message: err.message };
  if (err instanceof UnknownInstanceError) return { status: 404, error: err.code, message: err.message };
  if (err instanceof InstanceNotRunningError || err instanceof UnknownSignalError) return { status: 409, error: err.code, message: err.message };
  if (err instanceof SvcflowError) return { status: 400, error: err.code, message: err.message };
  const f = err as FastifyError;
  if (f.statusCode && f.statusCode < 500) return { status: f.statusCode, error: `http/${f.code ?? 'bad-request'}`, message: f.message };
  return { status: 500, error: 'http/internal', message: 'internal error; see the server log' };
}

export async function createHttpServer(options: HttpOptions): Promise<FastifyInstance> {
  const { engine, notification } = options;
  const { pool, clock } = notification;
  const app = Fastify({ bodyLimit: options.bodyLimit ?? 16 * 1024, logger: false });

  app.setErrorHandler((err, req, reply) => {
    const { status, error, message } = statusOf(err);
    if (status >= 500) process.stderr.write(`[svcflow http] ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}\n`);
    void reply.status(status).send({ error, message });
  });

  const token = options.token ?? process.env.SVCFLOW_HTTP_TOKEN;
  if (token) {
    app.addHook('onRequest', async (req) => {
      if (req.url === '/healthz') return;
      if (!authorised(req.headers.authorization, token)) throw new HttpError(401, 'http/unauthorized', 'missing or wrong Authorization: Bearer token');
    });
  }

  app.get('/healthz', async () => ({ ok: true }));

  // The engine routes a reply to the instance waiting for that phone number.
  const route = (sms: Sms, inboundId: string) =>
    engine.deliver('smsReply', { from: sms.from }, { from: sms.from, text: sms.text, receivedAt: sms.receivedAt, channel: 'sms' }, { requestId: `svcflow-sms-${inboundId}` });
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
    const header = req.headers['idempotency-key'];
    const requestId = typeof header === 'string' ? header : null;
    if (requestId !== null && (requestId.length === 0 || requestId.length > 200 || invalidText(requestId))) {
      throw new HttpError(400, 'http/invalid-idempotency-key', 'the Idempotency-Key header must be 1 to 200 characters of text');
    }
    const payload = kind === 'on-site' ? { at: clock().toISOString(), ...body } : body;
    const { rows } = await pool.query<{ workflow_id: string | null; state: string }>('SELECT workflow_id, state FROM dispatch_work_orders WHERE work_order_id = $1', [req.params.id]);
    const order = rows[0];
    if (!order) throw new HttpError(404, 'dispatch/work-order-not-found', `no work order has the id ${req.params.id}`);
    if (!order.workflow_id) throw new HttpError(409, 'dispatch/no-process', `work order ${req.params.id} was not created by a process; nothing waits for its reports`);
    const signal = TECHNICIAN_SIGNALS[kind];
    const sent = { workOrderId: req.params.id, deliveredTo: order.workflow_id, signal };
    // Checked as the engine checks a signal (running, waits for it, payload of the declared type)
    // before anything is recorded: a report the process cannot take writes nothing.
    await engine.checkSignal(order.workflow_id, signal, payload);
    const recorded = await recordReport(pool, { workOrderId: req.params.id, kind, signal, payload, workflowId: order.workflow_id, requestId, at: clock() });
    // A duplicate helps finish a delivery a crashed attempt left (the claim keeps it to one attempt at a time).
    const status = await deliverReport(reports, recorded.id);
    if (status.state === 'rejected') throw new HttpError(409, 'engine/not-running', status.error ?? `instance ${order.workflow_id} takes no more reports`);
    return reply.status(recorded.duplicate ? 200 : 202).send({ ...sent, reportId: recorded.id, delivered: status.state === 'delivered', ...(recorded.duplicate ? { duplicate: true } : {}) });
  });

  const everyMs = options.relayEveryMs ?? 15_000;
  if (everyMs > 0) {
    const relay = async () => {
      await redeliverReports(reports).catch(() => 0);
      await redeliverInbound(notification, route).catch(() => 0);
    };
    const timer = setInterval(() => void relay(), everyMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }

  return app;
}
