/**
 * svcflow's public API, for engineers who embed it: the engine (deploy, start, signal, update,
 * query, list, cancel, result), the worker, the runtime assembly (engine, worker, relays, HTTP),
 * modules and their migrations, the generic inbound HTTP interfaces, the telecom module (its
 * PostgreSQL systems and their interfaces), the DSL compiler, and the typed errors.
 */
export { createEngine, Engine, type EngineConfig, type InstanceSummary, type ListFilter } from './engine/engine.js';
export { createWorker, DEFAULT_TASK_QUEUE, workflowsPath, type WorkerConfig, type CreatedWorker } from './engine/worker.js';
export { ImplementationError, type Implementation, type Implementations, type ActivityMeta } from './engine/implementations.js';
export { renderTypes, TypesError } from './engine/typescript.js';
export { createHttpServer, type HttpOptions } from './engine/http/server.js';
export { createRuntime, type Runtime, type RuntimeConfig } from './engine/runtime.js';
export { recordMessage, deliverMessage, redeliverMessages } from './engine/inbound.js';
export type { ChannelCatalog } from './engine/http/channels.js';
export { telecomModule, telecom, telecomRoutes, SMS_REPLY, type TelecomOptions } from '../modules/telecom/index.js';
export { migrate, migrateModule, type MigrateModuleOptions } from './engine/migrate.js';
export type { SvcflowModule, ModuleContext, ModuleServices, ActivityFunction } from './engine/module.js';
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
} from '../modules/telecom/src/systems/index.js';
export { ACTIVITIES, CATALOG, lookupActivity, type ActivityName, type CatalogInputs, type CatalogOutputs } from '../modules/telecom/src/catalog/index.js';
export { compileSources, compileSource, type SourceFile, type CompileResult, type CompileOptions } from './dsl/compile.js';
export {
  compileCatalog,
  mergeCatalogs,
  indexCatalog,
  EMPTY_CATALOG,
  CatalogError,
  type Catalog,
  type CatalogIndex,
  type SystemSpec,
  type OperationSpec,
  type ChannelSpec,
  type TemplateSpec,
} from './dsl/catalog.js';
export { loadProject, loadProjectCatalog, ProjectError, type Project, type ProjectConfig } from './engine/project.js';
export { formatDiagnostic, type Diagnostic } from './dsl/diagnostics.js';
export type { ProcessIR } from './ir/schema.js';
export type { ProcessState } from './workflows/run-process.js';
export type { Outcome } from './workflows/interpret.js';
