/**
 * svcflow's public API, for engineers who embed it: the engine (deploy, start, signal, update,
 * query, list, cancel, result), the worker, the PostgreSQL systems and their interfaces, the
 * HTTP endpoints, the DSL compiler, and the typed errors.
 */
export { createEngine, Engine, type EngineConfig, type InstanceSummary, type ListFilter } from './engine/engine.js';
export { createWorker, DEFAULT_TASK_QUEUE, workflowsPath, type WorkerConfig, type CreatedWorker } from './engine/worker.js';
export { ImplementationError, type Implementation, type Implementations, type ActivityMeta } from './engine/implementations.js';
export { renderTypes, TypesError } from './engine/typescript.js';
export { createHttpServer, type HttpOptions } from './activities/http/routes.js';
export { migrate } from './engine/migrate.js';
export { temporalConfigFromEnv, type TemporalConfig } from './engine/connection.js';
export * from './engine/errors.js';
export {
  createSystemActivities,
  createSystems,
  consoleSender,
  receiveSms,
  Rejection,
  reject,
  type SystemDeps,
  type Systems,
  type BillingSystem,
  type DispatchSystem,
  type NotificationSystem,
  type ComplaintSystem,
  type MessageSender,
  type OutgoingMessage,
  type CallContext,
} from './activities/systems/index.js';
export { ACTIVITIES, CATALOG, lookupActivity, type ActivityName, type CatalogInputs, type CatalogOutputs } from './activities/catalog/index.js';
export { compileSources, compileSource, type SourceFile, type CompileResult } from './dsl/compile.js';
export { formatDiagnostic, type Diagnostic } from './dsl/diagnostics.js';
export type { ProcessIR } from './ir/schema.js';
export type { ProcessState } from './workflows/run-process.js';
export type { Outcome } from './workflows/interpret.js';
