/**
 * svcflow's HTTP endpoints (fastify), for the systems outside Temporal that talk to processes:
 *
 *   POST /sms/inbound                 an SMS reply from the gateway; recorded, then delivered to
 *                                     the instance waiting for that phone number, or answered
 *   POST /work-orders/:id/ack         the technician took the order     → signal technicianAck
 *   POST /work-orders/:id/on-site     the technician arrived            → signal technicianOnSite
 *   POST /work-orders/:id/report      the technician's report           → signal technicianReport
 *                                     (an Idempotency-Key header makes a retried POST signal once)
 *   GET  /healthz
 *
 * Bodies are JSON of at most 16 KiB by default. A malformed, oversize or invalid body is a 4xx
 * with `{ error, message }` and writes nothing. With a token (SVCFLOW_HTTP_TOKEN), every request
 * but /healthz needs `Authorization: Bearer <token>`.
 */
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import { z } from 'zod';
import { describeIssues, Phone, Time } from '../activities/catalog/index.js';
import { receiveSms, type NotificationDeps } from '../activities/systems/notification.js';
import type { Engine } from './engine.js';
import { InstanceNotRunningError, InvalidInputError, SvcflowError, UnknownInstanceError, UnknownSignalError } from './errors.js';

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
  return r.data;
}

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
      if (req.headers.authorization !== `Bearer ${token}`) throw new HttpError(401, 'http/unauthorized', 'missing or wrong Authorization: Bearer token');
    });
  }

  app.get('/healthz', async () => ({ ok: true }));

  app.post('/sms/inbound', async (req, reply) => {
    const sms = parse(InboundSms, req.body);
    const payload = { from: sms.from, text: sms.text, receivedAt: sms.receivedAt ?? clock().toISOString(), channel: 'sms' };
    const result = await receiveSms(notification, payload, () => engine.deliver('smsReply', { from: sms.from }, payload));
    return reply.status(202).send({ ...result, matched: result.routedTo.length > 0 });
  });

  app.post<{ Params: { id: string; kind: string } }>('/work-orders/:id/:kind', async (req, reply) => {
    const kind = req.params.kind as Kind;
    if (!Object.hasOwn(TECHNICIAN_SIGNALS, kind)) throw new HttpError(404, 'http/not-found', `no endpoint /work-orders/:id/${req.params.kind}; use ack, on-site or report`);
    const body = parse(z.record(z.string(), z.unknown()), req.body);
    const payload = kind === 'on-site' ? { at: clock().toISOString(), ...body } : body;
    const { rows } = await pool.query<{ workflow_id: string | null; state: string }>('SELECT workflow_id, state FROM dispatch_work_orders WHERE work_order_id = $1', [req.params.id]);
    const order = rows[0];
    if (!order) throw new HttpError(404, 'dispatch/work-order-not-found', `no work order has the id ${req.params.id}`);
    if (!order.workflow_id) throw new HttpError(409, 'dispatch/no-process', `work order ${req.params.id} was not created by a process; nothing waits for its reports`);
    const requestId = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
    const sent = { workOrderId: req.params.id, deliveredTo: order.workflow_id, signal: TECHNICIAN_SIGNALS[kind] };
    if (requestId) {
      const { rowCount } = await pool.query('SELECT 1 FROM dispatch_technician_reports WHERE work_order_id = $1 AND request_id = $2', [req.params.id, requestId]);
      if (rowCount) return reply.status(200).send({ ...sent, duplicate: true }); // a retry of a report that arrived
    }
    // The engine checks the payload against what the process declared before signalling.
    await engine.signal(order.workflow_id, TECHNICIAN_SIGNALS[kind], payload);
    await pool.query(
      'INSERT INTO dispatch_technician_reports (work_order_id, kind, payload, workflow_id, received_at, request_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
      [req.params.id, kind, JSON.stringify(payload), order.workflow_id, clock(), requestId],
    );
    return reply.status(202).send(sent);
  });

  return app;
}
