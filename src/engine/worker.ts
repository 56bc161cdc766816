/**
 * The svcflow worker: hosts the process interpreter (workflows) and the system activities
 * on one task queue. Run as many as you like against the same task queue to scale out.
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
  'workflows/evaluate', 'workflows/interpret', 'workflows/search-attributes', 'workflows/run-process',
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
  taskQueue?: string;
  activities?: WorkerOptions['activities'];
  /** Decrypts and encrypts payloads with these keys, as the engine does (src/engine/codec.ts). */
  codec?: KeyRing;
  /**
   * The registry's database (the engine's `databaseUrl`): instances the engine starts carry their
   * definitions by reference (src/engine/definitions.ts), which the worker resolves from it.
   */
  databaseUrl?: string;
  /** Extra options passed to Temporal's Worker.create (tuning, interceptors, …). */
  options?: Partial<WorkerOptions>;
  /** Told what happened to svcflow's search attributes on the namespace (registered, or what to add); stderr by default. */
  log?: (message: string) => void;
}

export async function createWorker(config: WorkerConfig): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(connectionOptions(config.temporal));
  // Any Temporal, not only the dev server svcflow starts: without the attributes every start fails.
  const said = describeRegistration(await ensureSearchAttributes(connection.operatorService, config.temporal.namespace), config.temporal.namespace);
  if (said) (config.log ?? ((m: string) => process.stderr.write(`[svcflow] ${m}\n`)))(said);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...workflowCode,
    activities: config.activities ?? {},
    ...dataConverterOption(config),
    ...config.options,
  });
  return { worker, connection };
}

/** Definitions by reference from the registry when there is one, encryption when there are keys. */
export function dataConverterOption(config: { codec?: KeyRing; databaseUrl?: string }): Pick<WorkerOptions, 'dataConverter'> {
  let definitions: DefinitionCodec | undefined;
  if (config.databaseUrl) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2, allowExitOnIdle: true });
    // An idle connection that PostgreSQL ends (a restart) is dropped from the pool; the next lookup opens another.
    pool.on('error', () => {});
    definitions = new DefinitionCodec(new Registry(pool));
  }
  const dataConverter = workerDataConverter(config.codec, definitions);
  return dataConverter ? { dataConverter } : {};
}
