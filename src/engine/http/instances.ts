/**
 * Signals and updates to an instance, by its id or by a business key of its process:
 *
 *   POST /instances/:id/signals/:name                                   → 202, the signal is in its history
 *   POST /instances/:id/updates/:name                                   → 200 { result }, the update was accepted
 *   POST /processes/:process/instances/by/:key/:value/signals/:name     the same, to the one running instance
 *   POST /processes/:process/instances/by/:key/:value/updates/:name     of :process whose `index` field :key is :value
 *
 * The body is the payload (none: null), checked as the engine checks it (the instance runs, waits
 * for that name, and would take that payload) before anything is sent. Exactly once: with an
 * Idempotency-Key, a signal carries a request id made from it and an update an update id, and
 * Temporal takes each once per execution, so a retried or concurrent POST is one signal (one
 * update, answered with the first one's result). By business key, the instance is the one
 * running when the request arrives: none is a 404, more than one a 409.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../engine.js';
import { HttpError, idempotencyKey } from './errors.js';

type Kind = 'signals' | 'updates';

/** The one running instance of `process` with the business key `key=value`. */
async function byKey(engine: Engine, process: string, key: string, value: string): Promise<string> {
  const found = await engine.list({ process, key: { [key]: value }, status: 'Running', limit: 2 });
  if (found.length === 0) throw new HttpError(404, 'http/no-instance', `no running instance of ${process} has ${key}=${value}`);
  if (found.length > 1) throw new HttpError(409, 'http/ambiguous-key', `more than one running instance of ${process} has ${key}=${value}: address one by its id`);
  return found[0]!.id;
}

async function send(engine: Engine, id: string, kind: Kind, name: string, req: FastifyRequest) {
  const key = idempotencyKey(req.headers['idempotency-key']);
  const payload = req.body ?? null;
  if (kind === 'signals') {
    await engine.signal(id, name, payload, key === null ? undefined : { requestId: `svcflow-http-${name}-${key}` });
    return { status: 202, body: { instance: id, signal: name, delivered: true } };
  }
  const result = await engine.update(id, name, payload, key === null ? undefined : { updateId: `svcflow-http-${name}-${key}` });
  return { status: 200, body: { instance: id, update: name, result: result ?? null } };
}

export function instanceRoutes(app: FastifyInstance, engine: Engine): void {
  for (const kind of ['signals', 'updates'] as const) {
    app.post<{ Params: { id: string; name: string } }>(`/instances/:id/${kind}/:name`, async (req, reply) => {
      const { status, body } = await send(engine, req.params.id, kind, req.params.name, req);
      return reply.status(status).send(body);
    });
    app.post<{ Params: { process: string; key: string; value: string; name: string } }>(`/processes/:process/instances/by/:key/:value/${kind}/:name`, async (req, reply) => {
      const id = await byKey(engine, req.params.process, req.params.key, req.params.value);
      const { status, body } = await send(engine, id, kind, req.params.name, req);
      return reply.status(status).send(body);
    });
  }
}
