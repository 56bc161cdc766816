/**
 * svcflow's HTTP server (fastify), for the systems outside Temporal that talk to processes:
 *
 *   POST /channels/:channel/messages        a message on a declared channel (channels.ts)
 *   POST /instances/:id/{signals,updates}/:name, and the same by business key (instances.ts)
 *   GET  /healthz
 *   …and each module's adapters (its `routes`), on the same server.
 *
 * Bodies are JSON of at most 16 KiB by default. A malformed, oversize or invalid body (texts with
 * NUL or other control characters included) is a 4xx with `{ error, message }` and writes
 * nothing. With a token (SVCFLOW_HTTP_TOKEN), every request but /healthz needs
 * `Authorization: Bearer <token>`, compared in constant time. Messages recorded and not delivered
 * (a crash, an outage) are delivered by the relay this server runs (every 15 s by default).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Engine } from '../engine.js';
import type { SvcflowModule } from '../module.js';
import { sameSecret } from '../token.js';
import { redeliverMessages, type InboundDeps } from '../inbound.js';
import { channelRoutes, channelsOf, type ChannelCatalog } from './channels.js';
import { channelPayloadType } from '../../dsl/catalog.js';
import { instanceRoutes } from './instances.js';
import { HttpError, statusOf } from './errors.js';

export interface HttpOptions {
  engine: Engine;
  /** The declared channels (the catalog); none: every channel is unknown. */
  catalog?: ChannelCatalog;
  /** Modules whose HTTP adapters the server adds (their `routes`). */
  modules?: SvcflowModule[];
  /** Largest accepted body in bytes; 16 KiB by default. */
  bodyLimit?: number;
  /**
   * A shared secret the callers send as `Authorization: Bearer …`; SVCFLOW_HTTP_TOKEN by default.
   * Without one, anyone who reaches the port could steer a process: set it before listening
   * anywhere but 127.0.0.1.
   */
  token?: string;
  /** How often the relay delivers what was recorded and not delivered; 15 s by default, 0: never. */
  relayEveryMs?: number;
  /** The database the modules' adapters record in; the engine's by default. */
  pool?: pg.Pool;
  clock?: () => Date;
}

export async function createHttpServer(options: HttpOptions): Promise<FastifyInstance> {
  const { engine } = options;
  const clock = options.clock ?? (() => new Date());
  const app = Fastify({ bodyLimit: options.bodyLimit ?? 16 * 1024, logger: false });

  app.setErrorHandler((err, req, reply) => {
    const { status, error, message } = statusOf(err);
    if (status >= 500) process.stderr.write(`[svcflow http] ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}\n`);
    void reply.status(status).send({ error, message });
  });

  const token = options.token ?? process.env.SVCFLOW_HTTP_TOKEN;
  if (token) {
    const expected = `Bearer ${token}`;
    app.addHook('onRequest', async (req) => {
      if (req.url === '/healthz') return;
      if (!sameSecret(req.headers.authorization, expected)) throw new HttpError(401, 'http/unauthorized', 'missing or wrong Authorization: Bearer token');
    });
  }

  app.get('/healthz', async () => ({ ok: true }));

  const channels = channelsOf(options.catalog);
  const payloadOf = (name: string) => {
    const c = channels.get(name);
    return c && channelPayloadType(c);
  };
  const inbound: InboundDeps = { engine, pool: engine.pool, clock, payloadOf };
  channelRoutes(app, inbound, channels);
  instanceRoutes(app, engine);
  for (const m of options.modules ?? []) await m.routes?.(app, { engine, pool: options.pool ?? engine.pool, clock, channels });

  const everyMs = options.relayEveryMs ?? 15_000;
  if (everyMs > 0) {
    const timer = setInterval(() => void redeliverMessages(inbound).catch(() => 0), everyMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }
  return app;
}
