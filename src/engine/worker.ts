/**
 * The svcflow worker: hosts the process interpreter (workflows) and the system activities on
 * the main task queue, and each implemented system whose declaration names a queue of its own
 * on that queue. Run as many as you like against the same task queues to scale out.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type BundleOptions, type WorkerOptions } from '@temporalio/worker';
import { connectionOptions, type TemporalConfig } from './connection.js';
import type { KeyRing } from './codec.js';
import { workerDataConverter } from './data-converter.js';
import { describeRegistration, ensureSearchAttributes } from './attributes.js';
import { DefinitionCodec } from './definitions.js';
import { Registry } from './registry.js';
import pg from 'pg';
import type { Catalog } from '../dsl/catalog.js';
import { activitiesByQueue, type Implementations } from './implementations.js';
import { installTelemetry, type MetricsOptions } from './telemetry.js';
import { checkOtlpUrl, workerTracing, type TracingOptions, type WorkerTracing } from './tracing.js';

export const DEFAULT_TASK_QUEUE = 'svcflow';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.js', import.meta.url));

/**
 * The interpreter's modules, loaded once per worker and shared by every workflow instead of once
 * per instance (the SDK's reusable V8 context): 131 → 102 KiB per cached waiting instance,
 * measured (hand-written: 80). None keeps per-workflow state at module level — everything of an
 * instance lives inside runProcess() — and run-process.ts calls the workflow API only from
 * there (the SDK finds the current workflow at call time). Keep it so: a module-level variable
 * in these files would be shared by every workflow of the worker (lint refuses `let`/`var` and
 * `new Map()`-style collections at module level there; a mutable object literal it cannot see).
 */
export const PRELOADED_MODULES = [
  'ir/version', 'ir/shape', 'ir/types', 'ir/functions', 'ir/calendar', 'ir/validate', 'ir/walk',
  'workflows/evaluate', 'workflows/interpret', 'workflows/search-attributes', 'workflows/metrics', 'workflows/run-process',
].map((m) => fileURLToPath(new URL(`../${m}.js`, import.meta.url)));

/**
 * Source paths in the bundle's source map relative to the project (`src/workflows/interpret.ts`,
 * `@temporalio/workflow/src/workflow.ts`), not absolute: the SDK keeps a source-mapped stack trace
 * for every pending promise of every cached instance, so each character of a path is paid for
 * many times over (3.5 KiB per waiting instance here, more under a longer install path).
 */
const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const webpackConfigHook: NonNullable<BundleOptions['webpackConfigHook']> = (config) => ({
  ...config,
  output: {
    ...config.output,
    devtoolModuleFilenameTemplate: (info: { absoluteResourcePath: string }) =>
      info.absoluteResourcePath.replace(/^.*[\\/]node_modules[\\/]/, '').replace(projectRoot, ''),
  },
});

/** How svcflow's workflow bundle is built: for bundleWorkflowCode (benchmarks)… */
export const bundleOptions = { workflowsPath, preloadModules: PRELOADED_MODULES, webpackConfigHook };
/** …and for Worker.create / Worker.runReplayHistories (workers, tests, replays). */
export const workflowCode = { workflowsPath, bundlerOptions: { preloadModules: PRELOADED_MODULES, webpackConfigHook } };

export interface WorkerConfig {
  temporal: TemporalConfig;
  /** The queue of the instances (workflows) and of the activities that name no queue of their own. */
  taskQueue?: string;
  /** Raw activities by name (`crm.lookupCustomer`), served on `taskQueue` as they are. */
  activities?: WorkerOptions['activities'];
  /** The declared systems: the operations `implementations` must give, and the task queue that serves each. */
  catalog?: Catalog;
  /**
   * Implementations of declared systems, by system and operation (typed from the declaration by
   * `svcflow types`): each is served as the activity `<system>.<operation>` on its system's
   * declared queue. Checked at start against `catalog`: an operation left out or not declared
   * is refused with an ImplementationError that names it.
   */
  implementations?: Implementations;
  /** Decrypts and encrypts payloads with these keys, as the engine does (src/engine/codec.ts). */
  codec?: KeyRing;
  /**
   * The registry's database (the engine's `databaseUrl`): instances the engine starts carry their
   * definitions by reference (src/engine/definitions.ts), which the worker resolves from it.
   */
  databaseUrl?: string;
  /**
   * Prometheus metrics at `http://<metrics.bindAddress>/metrics` (src/engine/telemetry.ts):
   * Temporal's Runtime is installed with them before the worker connects, once per process.
   * `tracing`: OpenTelemetry spans through Temporal's interceptors (src/engine/tracing.ts).
   */
  telemetry?: { metrics?: MetricsOptions; tracing?: TracingOptions };
  /** Extra options passed to Temporal's Worker.create (tuning, interceptors, …). */
  options?: Partial<WorkerOptions>;
  /** Told what happened to svcflow's search attributes on the namespace (registered, or what to add); stderr by default. */
  log?: (message: string) => void;
}

export interface CreatedWorker {
  /** The worker of the main queue: workflows, and the activities served there. */
  worker: Worker;
  /** Every worker, the main one first, then one per other task queue a served system declares. */
  workers: Worker[];
  connection: NativeConnection;
  /** Runs every worker until `shutdown()` (or one fails: then the others are shut down too). */
  run(): Promise<void>;
  shutdown(): void;
}

export async function createWorker(config: WorkerConfig): Promise<CreatedWorker> {
  const mainQueue = config.taskQueue ?? DEFAULT_TASK_QUEUE;
  // Before connecting: a mismatch between the implementations and the catalog is the caller's to fix.
  const queues = config.implementations
    ? activitiesByQueue(config.catalog ?? { systems: [] }, config.implementations, mainQueue, config.activities ?? {})
    : new Map([[mainQueue, config.activities ?? {}]]);
  if (config.telemetry?.metrics) installTelemetry({ metrics: config.telemetry.metrics });
  if (config.telemetry?.tracing?.otlp?.url !== undefined) checkOtlpUrl(config.telemetry.tracing.otlp.url);
  const connection = await NativeConnection.connect(connectionOptions(config.temporal));
  let tracing: WorkerTracing | undefined;
  let closeRegistry = (): Promise<void> => Promise.resolve();
  try {
    if (config.telemetry?.tracing) tracing = workerTracing(config.telemetry.tracing);
    // Any Temporal, not only the dev server svcflow starts: without the attributes every start fails.
    const said = describeRegistration(await ensureSearchAttributes(connection.operatorService, config.temporal.namespace), config.temporal.namespace);
    if (said) (config.log ?? ((m: string) => process.stderr.write(`[svcflow] ${m}\n`)))(said);
    const registry = config.databaseUrl ? registryPool(config.databaseUrl) : undefined;
    let ended: Promise<void> | undefined;
    closeRegistry = () => (ended ??= registry?.end() ?? Promise.resolve());
    const common = { connection, namespace: config.temporal.namespace, ...dataConverterOption(config, registry) };
    const workers: Worker[] = [];
    for (const [taskQueue, activities] of queues) {
      // Workflows only on the main queue; a system's own queue serves its activities alone.
      const code = taskQueue === mainQueue ? workflowCode : {};
      const options = tracing ? tracing.workerOptions(config.options ?? {}, taskQueue === mainQueue) : config.options;
      workers.push(await Worker.create({ ...common, taskQueue, ...code, activities, ...options }));
    }
    const shutdown = () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    };
    const run = async () => {
      const running = workers.map((w) =>
        w.run().catch((err: unknown) => {
          shutdown();
          throw err;
        }),
      );
      await Promise.all(running.map((p) => p.catch(() => undefined)));
      await tracing?.close();
      // The workers are done decoding: the registry's connections go with them (a failure to
      // close them hides no worker's own error).
      await closeRegistry().catch(() => undefined);
      await Promise.all(running);
    };
    return { worker: workers[0]!, workers, connection, run, shutdown };
  } catch (err) {
    await tracing?.close();
    await closeRegistry().catch(() => undefined);
    await connection.close();
    throw err;
  }
}

/** The pool a worker's definition codec reads the registry through (two connections). */
function registryPool(databaseUrl: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, allowExitOnIdle: true });
  // An idle connection that PostgreSQL ends (a restart) is dropped from the pool; the next lookup opens another.
  pool.on('error', () => {});
  return pool;
}

/**
 * Definitions by reference from the registry when there is one, encryption when there are keys.
 * `pool`: the registry's, which the caller ends (createWorker does when its workers stop);
 * without it, one of its own that lets the process exit once idle.
 */
export function dataConverterOption(config: { codec?: KeyRing; databaseUrl?: string }, pool?: pg.Pool): Pick<WorkerOptions, 'dataConverter'> {
  let definitions: DefinitionCodec | undefined;
  if (config.databaseUrl) definitions = new DefinitionCodec(new Registry(pool ?? registryPool(config.databaseUrl)));
  const dataConverter = workerDataConverter(config.codec, definitions);
  return dataConverter ? { dataConverter } : {};
}
