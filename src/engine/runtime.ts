/**
 * One runtime assembly: the engine, a worker hosting the interpreter and the modules' (and the
 * embedder's own) activities, the modules' relays, and the HTTP server with the generic inbound
 * routes and the modules' adapters — built, started and stopped as one. `svcflow dev` and
 * `svcflow worker` use it; so can an embedder:
 *
 *   const rt = await createRuntime({ temporal, databaseUrl, modules: [telecom], http: { port: 8088 } });
 *   await rt.start();  …  await rt.stop();
 *
 * It registers svcflow's search attributes on whatever Temporal it connects to (without them
 * every start fails with the server's bare "Failed to start Workflow"), applies the engine's
 * migrations and the modules' (their demo data only when asked), and on stop shuts the worker
 * down (tasks in flight finish), then closes the server, the relays and the connections.
 */
import pg from 'pg';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { createEngine, type Engine } from './engine.js';
import { createWorker, DEFAULT_TASK_QUEUE, type CreatedWorker, type WorkerConfig } from './worker.js';
import type { Implementations } from './implementations.js';
import { describeRegistration, ensureSearchAttributes } from './attributes.js';
import { migrate, migrateModule } from './migrate.js';
import { createHttpServer } from './http/server.js';
import { channelsOf } from './http/channels.js';
import type { Catalog } from '../dsl/catalog.js';
import { runtimeCatalog } from './module-catalog.js';
import type { ActivityFunction, ModuleServices, SvcflowModule } from './module.js';
import type { TemporalConfig } from './connection.js';
import type { KeyRing } from './codec.js';
import type { Limits } from './limits.js';

export interface RuntimeConfig {
  temporal: TemporalConfig;
  /** The svcflow database: the registry, and the modules' tables. */
  databaseUrl: string;
  /** The pool the modules' activities, adapters and relays use; one on `databaseUrl` by default (closed on stop). */
  pool?: pg.Pool;
  /** Declared systems and channels besides the modules' own (the channels the HTTP server delivers messages on). */
  catalog?: Catalog;
  /** The modules to load: their migrations are applied, their activities hosted, their routes served. */
  modules?: SvcflowModule[];
  /** Activity implementations of the embedder's own, keyed by activity type, besides the modules'. */
  implementations?: Record<string, ActivityFunction>;
  /**
   * Implementations of declared systems, by system and operation (createWorker's
   * `implementations`): each served on the task queue its declaration in `catalog` gives.
   */
  systems?: Implementations;
  /** The HTTP server: where it listens (127.0.0.1 by default), its token and body limit; absent: none. */
  http?: { port: number; host?: string; token?: string; bodyLimit?: number };
  /** Run a worker (default true); false: an engine, relays and HTTP only (a front end). */
  worker?: boolean;
  /** Also load the modules' demo data (`npm start`); false by default. */
  demo?: boolean;
  taskQueue?: string;
  /** The worker's Prometheus metrics and tracing (createWorker's `telemetry`; off by default). */
  telemetry?: WorkerConfig['telemetry'];
  codec?: KeyRing;
  limits?: Partial<Limits>;
  clock?: () => Date;
  log?: (message: string) => void;
}

export interface Runtime {
  readonly engine: Engine;
  readonly worker?: Worker;
  readonly http?: FastifyInstance;
  /** The migrations applied while it was built: the engine's, then the modules'. */
  readonly applied: string[];
  /** The activity types the worker hosts. */
  readonly activities: string[];
  readonly taskQueue: string;
  /** Starts the relays, the HTTP server and the worker; resolves once they are up. */
  start(): Promise<void>;
  /** Shuts the worker down (tasks in flight finish), then closes everything; safe to call twice. */
  stop(): Promise<void>;
  /** Resolves once the runtime has stopped (by stop(), or the worker's own shutdown on SIGINT/SIGTERM); rejects if the worker failed. */
  readonly finished: Promise<void>;
}

/** Every module's activities and the embedder's, by type; a type defined twice is refused. */
function activitiesOf(modules: SvcflowModule[], implementations: Record<string, ActivityFunction>, ctx: { pool: pg.Pool; clock: () => Date }): Record<string, ActivityFunction> {
  const out = new Map<string, { fn: ActivityFunction; from: string }>();
  const add = (from: string, fns: Record<string, ActivityFunction>) => {
    for (const [type, fn] of Object.entries(fns)) {
      const prior = out.get(type);
      if (prior) throw new Error(`activity ${type} is implemented twice (by ${prior.from} and by ${from})`);
      out.set(type, { fn, from });
    }
  };
  for (const m of modules) if (m.activities) add(`module ${m.name}`, m.activities(ctx));
  add('the implementations given', implementations);
  return Object.fromEntries([...out].map(([type, { fn }]) => [type, fn]));
}

export async function createRuntime(config: RuntimeConfig): Promise<Runtime> {
  const log = config.log ?? ((m: string) => process.stderr.write(`[svcflow] ${m}\n`));
  const clock = config.clock ?? (() => new Date());
  const modules = config.modules ?? [];
  const taskQueue = config.taskQueue ?? DEFAULT_TASK_QUEUE;
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  const closeAll = async () => {
    for (const step of cleanup.splice(0).reverse()) await Promise.resolve(step()).catch((err: unknown) => log(`while stopping: ${(err as Error).message}`));
  };
  try {
    // What processes are checked against and messages delivered on: the modules' systems and the embedder's.
    const catalog = await runtimeCatalog(modules, config.catalog);
    const applied = await migrate(config.databaseUrl);
    const engine = await createEngine({ temporal: config.temporal, databaseUrl: config.databaseUrl, taskQueue, codec: config.codec, limits: config.limits, catalog });
    cleanup.push(() => engine.close());
    for (const m of modules) applied.push(...(await migrateModule(config.databaseUrl, m, { demo: config.demo })));
    // Any Temporal, worker or not: without svcflow's attributes every start fails.
    const said = describeRegistration(await ensureSearchAttributes(engine.client.connection.operatorService, config.temporal.namespace), config.temporal.namespace);
    if (said) log(said);

    const pool = config.pool ?? new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
    if (!config.pool) cleanup.push(() => pool.end());
    const activities = activitiesOf(modules, config.implementations ?? {}, { pool, clock });
    let created: CreatedWorker | undefined;
    if (config.worker !== false) {
      created = await createWorker({
        temporal: config.temporal,
        taskQueue,
        activities,
        codec: config.codec,
        databaseUrl: config.databaseUrl,
        log,
        catalog,
        ...(config.telemetry ? { telemetry: config.telemetry } : {}),
        ...(config.systems ? { implementations: config.systems } : {}),
      });
      const c = created.connection;
      cleanup.push(() => c.close());
    }
    const worker = created?.worker;
    const services: ModuleServices = { engine, pool, clock, channels: channelsOf(catalog) };
    const http = config.http ? await createHttpServer({ engine, catalog, modules, pool, clock, token: config.http.token, bodyLimit: config.http.bodyLimit }) : undefined;

    let resolveStopped!: () => void;
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    let running: Promise<void> | undefined;
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        if (created && running) created.shutdown();
        await running?.catch(() => {});
        await closeAll();
        resolveStopped();
      })());
    const finished = stopped.then(() => running);
    // Awaiting it still rejects on a failed worker; nobody awaiting it is no unhandled rejection.
    finished.catch(() => {});

    return {
      engine,
      worker,
      http,
      applied,
      activities: Object.keys(activities),
      taskQueue,
      async start() {
        for (const m of modules) {
          const halt = m.start?.(services);
          if (halt) cleanup.push(halt);
        }
        if (http && config.http) {
          await http.listen({ host: config.http.host ?? '127.0.0.1', port: config.http.port });
          cleanup.push(() => http.close());
        }
        // The worker's own end (its SDK shuts it down on SIGINT/SIGTERM, or it fails) stops the rest.
        running = created?.run();
        running?.then(stop, stop);
      },
      stop,
      finished,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
