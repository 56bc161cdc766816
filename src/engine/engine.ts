/**
 * The embedding API: deploy definitions, start, signal, update, query, cancel, list and await
 * process instances. Input and payloads are validated against the process's declared types
 * before anything is sent to Temporal; every failure is a typed SvcflowError.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Client, Connection, isGrpcServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowIdReusePolicy, type TypedSearchAttributes } from '@temporalio/common';
import { encodeToPayloadsWithContext } from '@temporalio/common/lib/internal-non-workflow/index.js';

import { compileSources, type SourceFile } from '../dsl/compile.js';
import type { ProcessView } from '../dsl/check.js';
import { KeyedHasher } from './keyed-hash.js';
import { piiTexts } from '../workflows/pii.js';
import { channelPayloadType, EMPTY_CATALOG, indexCatalog, type Catalog, type CatalogIndex } from '../dsl/catalog.js';
import type { ProcessIR, Step, TypeRef } from '../ir/schema.js';
import { channelPayloads } from '../workflows/payloads.js';
import { validateFields } from '../ir/validate.js';
import { allSteps, childProcessNames } from '../ir/walk.js';
import { BusinessKeys, businessKeys, CurrentStep, EscalationLevel, NextDeadline, Owner, ownerOf, ProcessHash, ProcessVersion, startAttributes, WaitingFor } from '../workflows/search-attributes.js';
import { BASELINE } from '../workflows/patches.js';
import { messageSignal, stateQuery, waitKey, type ProcessArgs, type ProcessState } from '../workflows/run-process.js';
import type { Outcome } from '../workflows/interpret.js';
import type { Value } from '../workflows/evaluate.js';
import { connectionOptions, type TemporalConfig } from './connection.js';
import { Registry } from './registry.js';
import { migrate } from './migrate.js';
import {
  DeployError,
  InstanceExistsError,
  InstanceNotRunningError,
  InvalidInputError,
  InvalidQueryError,
  UnknownInstanceError,
  UnknownProcessError,
  UnknownSignalError,
  UpdateRejectedError,
} from './errors.js';
import { DEFAULT_TASK_QUEUE } from './worker.js';
import type { KeyRing } from './codec.js';
import { clientDataConverter } from './data-converter.js';
import { DEFINITION_CACHE_SIZE, DefinitionCodec, refOf, type DefinitionRef } from './definitions.js';
import { checkIndexedSize, checkOwnerSize, checkPayloadSize, DEFAULT_LIMITS, summaryOf, type Limits } from './limits.js';
import { checkId, checkKeys, checkLimit, checkMessage, checkPayload, checkRequestId, isPlainRecord, undeliverableKeys } from './inputs.js';
import { checkName, checkStatus, checkValue, equals, textOf, UNSEARCHABLE, unsearchableKeys } from './visibility.js';

/** The highest version a definition can have (check/invalid-version: at most nine digits). */
const MAX_VERSION = 999_999_999;

export interface EngineConfig {
  temporal: TemporalConfig;
  databaseUrl: string;
  taskQueue?: string;
  /** Temporal's size limits, when the cluster's differ from the defaults (2 MiB payloads, 2 KiB search attributes). */
  limits?: Partial<Limits>;
  /** Encrypts every payload and failure message in history (src/engine/codec.ts); workers need the same keys. */
  codec?: KeyRing;
  /** The systems deployed processes may call and wait on (src/dsl/catalog.ts); none by default. */
  catalog?: Catalog;
}

export interface InstanceSummary {
  id: string;
  process: string;
  version?: number;
  status: string;
  currentStep?: string;
  /** Its business keys (`index` fields) as `field=value`. */
  businessKeys: string[];
  /** When the instance's next time limit falls (its NextDeadline search attribute). */
  nextDeadline?: Date;
  /** Who owns it (the process's `owner` declaration). */
  owner?: string;
  /** The level it stands at (`escalate to`, escalation timers). */
  escalationLevel?: string;
  startTime: Date;
  closeTime?: Date;
}

export interface ListFilter {
  process?: string;
  status?: 'Running' | 'Completed' | 'Failed' | 'Canceled' | 'Terminated' | 'TimedOut' | 'ContinuedAsNew';
  /** Business key, such as { subscriptionId: 'SUB-1' } (an `index` field of the process). */
  key?: Record<string, string>;
  limit?: number;
}

/** An instance found running that closed before the request reached it is not running: a typed error. */
const closedSince = (id: string, err: unknown): unknown => (err instanceof WorkflowNotFoundError ? new InstanceNotRunningError(id, 'closed') : err);

/** gRPC NOT_FOUND: no such execution, or it has closed since it was described. */
const GRPC_NOT_FOUND = 5;

/** The business keys of `ir` that are not @pii (those are stored as keyed hashes). */
const plainKeys = (ir: ProcessIR, keys: string[]): string[] => keys.filter((kv) => !ir.input.some((f) => f.pii && kv.startsWith(`${f.name}=`)));

/** The most correlation keys of a message searched for in every mix of plain and hashed values (2^n forms). */
const MAX_HASHED_KEYS = 3;

/** The most business keys one list filter names. */
const MAX_KEYS = 32;

type WaitStep = Extract<Step, { kind: 'wait' }>;
const waitsOf = (steps: Step[]): WaitStep[] => [...allSteps(steps)].filter((s): s is WaitStep => s.kind === 'wait');

export class Engine {
  readonly registry: Registry;
  readonly taskQueue: string;

  private constructor(
    readonly client: Client,
    private readonly connection: Connection,
    readonly pool: pg.Pool,
    registry: Registry,
    /** Deployed definitions by hash, cached: what starts send instead of the IR, and what signals check against. */
    private readonly definitions: DefinitionCodec,
    taskQueue: string,
    private readonly limits: Limits,
    private readonly catalog?: Catalog,
    /** Hashes the @pii texts that must stay searchable (keyed-hash.ts); none without a key ring. */
    private readonly hasher?: KeyedHasher,
  ) {
    this.registry = registry;
    this.taskQueue = taskQueue;
    this.channels = indexCatalog(catalog ?? EMPTY_CATALOG);
  }

  /** The catalog's channels: a declared channel's payload is checked on every delivery, whoever waits. */
  private readonly channels: CatalogIndex;
  /** `<version> <type>` → hash, for instances that carry no ProcessHash (bounded; never stale). */
  private readonly versionHashes = new Map<string, string>();

  static async create(config: EngineConfig): Promise<Engine> {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 5 });
    // An idle connection that PostgreSQL ends (a restart) is dropped from the pool, not a crash of the embedding process.
    pool.on('error', () => {});
    await migrate(config.databaseUrl);
    const registry = new Registry(pool);
    const definitions = new DefinitionCodec(registry);
    const connection = await Connection.connect(connectionOptions(config.temporal));
    const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: clientDataConverter(config.codec, definitions) });
    return new Engine(client, connection, pool, registry, definitions, config.taskQueue ?? DEFAULT_TASK_QUEUE, { ...DEFAULT_LIMITS, ...config.limits }, config.catalog, config.codec && new KeyedHasher(config.codec));
  }

  /** Compiles and stores definitions; refuses all of them if any has an error. */
  async deploy(sources: SourceFile[]) {
    const known = new Map<string, ProcessView>();
    for (const name of await this.registry.names()) {
      const v = await this.registry.get(name);
      if (v) known.set(name, { input: v.ir.input, output: v.ir.output });
    }
    const { processes, diagnostics } = compileSources(sources, { catalog: this.catalog, known });
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new DeployError(errors);
    const text = new Map(sources.map((s) => [s.file, s.text]));
    return this.registry.deploy(processes.map((ir) => ({ ir, source: text.get(ir.source.file) ?? '' })));
  }

  private async definition(name: string, version?: number): Promise<ProcessIR> {
    if (version !== undefined && !(Number.isSafeInteger(version) && version >= 1)) throw new InvalidInputError(`version of ${String(name)}`, [{ path: 'version', message: 'must be a whole number of at least 1' }]);
    // A name with a control character (NUL among them) was never deployed, and PostgreSQL could not even look it up.
    if (typeof name !== 'string' || UNSEARCHABLE.test(name)) throw new UnknownProcessError(JSON.stringify(name) ?? String(name), await this.registry.names());
    const hash = await this.registry.hashOf(name, version);
    const found = hash && (await this.definitions.resolve(hash));
    if (!found) throw new UnknownProcessError(version ? `${name} version ${version}` : name, await this.registry.names());
    return found;
  }

  /** The IR of every process `ir` may call, transitively, at their newest deployed version. */
  private async children(ir: ProcessIR): Promise<Record<string, ProcessIR>> {
    const out: Record<string, ProcessIR> = {};
    const todo = [...childProcessNames(ir.steps)];
    while (todo.length) {
      const name = todo.pop()!;
      if (out[name]) continue;
      out[name] = await this.definition(name);
      todo.push(...childProcessNames(out[name].steps));
    }
    return out;
  }

  /**
   * Starts an instance after validating its input; `id` is the business-level workflow id. An id
   * names one instance, once: starting it again while that instance runs, or after it has closed,
   * is an InstanceExistsError (a second run would repeat the first one's effects, and its
   * compensations would undo what the first one did).
   */
  async start(name: string, input: unknown, options: { id: string; version?: number }): Promise<{ id: string; runId: string; hash: string }> {
    if (!isPlainRecord(options)) throw new InvalidInputError(`start of ${String(name)}`, [{ path: '(options)', message: 'must be a record { id, version? }' }]);
    checkId(options.id);
    const ir = await this.definition(name, options.version);
    const what = `input for ${name}`;
    const problems = validateFields(ir.input, input);
    if (problems.length) throw new InvalidInputError(what, problems);
    const record = input as Record<string, Value>;
    // The keyed hash of each @pii text, which the workflow stores in place of the text where a
    // key must stay searchable (WaitingFor), as a @pii business key is stored here (BusinessKeys).
    const keyHashes = this.hasher ? [...piiTexts(ir.input, record)].map((text): [string, string] => [text, this.hasher!.hash(text)]) : [];
    const hashes = new Map(keyHashes);
    const keys = businessKeys(ir, record, hashes);
    checkIndexedSize(what, ir.index, keys, this.limits);
    checkOwnerSize(what, ir.owner ?? [], ownerOf(ir, record), this.limits);
    const unsearchable = [...unsearchableKeys(ir.index, keys), ...undeliverableKeys(ir, record)];
    if (unsearchable.length) throw new InvalidInputError(what, unsearchable);
    const children = await this.children(ir);
    // The definitions travel by reference (definitions.ts): history holds their hashes and the input.
    const refs: Record<string, DefinitionRef> = {};
    for (const [child, cir] of Object.entries(children)) refs[child] = refOf(cir);
    const reference = { definition: refOf(ir), ...(Object.keys(refs).length ? { children: refs } : {}) };
    checkPayloadSize(what, record, this.limits, Buffer.byteLength(JSON.stringify(reference)));
    // Given whenever there is a key ring, even empty: the workflow then never stores a @pii channel key in plain.
    // On the patch baseline by argument: no patch marker in its history (src/workflows/patches.ts).
    const args = { ...reference, input: record, ...(this.hasher ? { keyHashes } : {}), baseline: BASELINE } as unknown as ProcessArgs;
    const shown = plainKeys(ir, keys);
    try {
      const handle = await this.client.workflow.start(ir.name, {
        taskQueue: this.taskQueue,
        workflowId: options.id,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [args],
        typedSearchAttributes: startAttributes(ir, record, hashes),
        // The summary names the business keys an operator reads: a @pii one's hash says nothing to them.
        staticSummary: summaryOf(`${ir.name} v${ir.version}${shown.length ? ` — ${shown.join(', ')}` : ''}`),
        // The description; the definition is the input's hash, its file in `svcflow definitions`.
        staticDetails: ir.description,
      });
      return { id: handle.workflowId, runId: handle.firstExecutionRunId, hash: ir.hash };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const status = await this.client.workflow
        .getHandle(options.id)
        .describe()
        .then((d) => d.status.name as string)
        .catch(() => 'CLOSED');
      throw new InstanceExistsError(options.id, status);
    }
  }

  private async running(id: string): Promise<{ description: WorkflowExecutionDescription; ir: ProcessIR }> {
    checkId(id);
    let description: WorkflowExecutionDescription;
    try {
      description = await this.client.workflow.getHandle(id).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new UnknownInstanceError(id);
      throw err;
    }
    if (description.status.name !== 'RUNNING') throw new InstanceNotRunningError(id, description.status.name);
    const ir = await this.definitionOf(description.type, description.typedSearchAttributes);
    if (!ir) throw new UnknownProcessError(description.type, await this.registry.names());
    return { description, ir };
  }

  /**
   * Refuses what the instance would not take: a name it never waits for, a payload over
   * Temporal's limit, or one the workflow's own check (src/workflows/payloads.ts) would drop.
   */
  private payloadCheck(ir: ProcessIR, type: 'signal' | 'update', name: string, payload: unknown): void {
    const waits = waitsOf(ir.steps).filter((w) => w.trigger.type === type);
    const wait = waits.find((w) => w.trigger.type === type && w.trigger.name === name);
    if (!wait || wait.trigger.type === 'message') throw new UnknownSignalError(ir.name, String(name), waits.map((w) => (w.trigger.type === 'message' ? '' : w.trigger.name)));
    checkPayloadSize(`'${name}' payload`, payload, this.limits);
    checkPayload(`'${name}' payload`, wait.trigger.payload, payload);
  }

  /**
   * Checks, as `signal` does, that the instance runs and takes this signal and payload, and
   * sends nothing: for a caller that records the signal before it sends it (the inbound HTTP routes, src/engine/http/).
   */
  async checkSignal(id: string, name: string, payload: unknown = null): Promise<void> {
    const { ir } = await this.running(id);
    this.payloadCheck(ir, 'signal', name, payload);
  }

  /**
   * Signals a running instance after checking the signal and its payload. With a `requestId`,
   * the same request id sent again (a retry after a crash, a relay) is one signal in the
   * instance's history: Temporal drops a signal whose request id it has taken for the execution.
   */
  async signal(id: string, name: string, payload: unknown = null, options?: { requestId?: string }): Promise<void> {
    const requestId = checkRequestId(options);
    await this.checkSignal(id, name, payload);
    if (!(await this.send(id, name, payload, requestId))) throw new InstanceNotRunningError(id, 'closed');
  }

  /** Signals through the service, with a request id of the caller's or a new one; false: the execution is gone (closed since it was listed). */
  private async send(workflowId: string, signalName: string, payload: unknown, requestId: string = randomUUID()): Promise<boolean> {
    const { options } = this.client;
    const context = { type: 'workflow' as const, namespace: options.namespace, workflowId };
    try {
      await this.client.workflowService.signalWorkflowExecution({
        namespace: options.namespace,
        workflowExecution: { workflowId },
        signalName,
        input: { payloads: await encodeToPayloadsWithContext(options.loadedDataConverter, context, [payload]) },
        identity: options.identity,
        requestId,
      });
      return true;
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) return false;
      throw err;
    }
  }

  /**
   * Sends an update and waits for the instance to accept it; a rejection writes nothing. With an
   * `updateId`, the same id sent again (a retried request) is the same update: Temporal answers
   * it with the first one's outcome instead of running it twice.
   */
  async update(id: string, name: string, payload: unknown = null, options?: { updateId?: string }): Promise<unknown> {
    const updateId = options?.updateId === undefined ? undefined : checkId(options.updateId, 'update id');
    const { ir } = await this.running(id);
    this.payloadCheck(ir, 'update', name, payload);
    try {
      return await this.client.workflow.getHandle(id).executeUpdate(name, { args: [payload], ...(updateId ? { updateId } : {}) });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new UpdateRejectedError(id, name, (err.cause as Error | undefined)?.message ?? err.message);
      throw closedSince(id, err);
    }
  }

  /**
   * Delivers an inbound message on a channel (an e-mail, a reply to a message) to the instance waiting for it, found by the
   * `WaitingFor` search attribute. One message reaches one instance: when several wait for the
   * same key (two processes about one customer), the one that started first takes it.
   * Returns the id that took it (empty: nobody waits for it). With a `requestId`, delivering
   * the same message again to the instance that took it adds nothing to its history. The
   * payload must be what the waiting instance's definition declares for the channel (the legacy message
   * record where it declares none), or it is refused with an InvalidInputError and nothing is
   * sent; with nobody waiting, only the bounds every payload has are checked.
   */
  async deliver(channel: string, keys: Record<string, string>, payload: Value, options?: { requestId?: string; type?: TypeRef }): Promise<string[]> {
    const requestId = checkRequestId(options);
    checkName(channel, 'message channel');
    keys = checkKeys(channel, keys);
    checkValue(waitKey(channel, keys), 'correlation key');
    // As a waiting instance stores it: each value in plain, or (a @pii text of its input) as its keyed hash.
    const stored = this.searchKeys(channel, keys);
    const what = `message on ${channel}`;
    checkPayloadSize(what, payload, this.limits);
    // The channel's declared type (the caller's, or the engine's catalog's), at once, whoever waits
    // and whether or not visibility lists them yet; else the bounds every payload has. Below, each
    // waiting definition's own type.
    const found = this.channels.channel(channel)?.channel;
    const declared = options?.type ?? (found && channelPayloadType(found));
    if (declared) checkMessage(what, payload, declared);
    else checkPayload(what, undefined, payload);
    const query = `(${stored.map((k) => equals('WaitingFor', k, 'correlation key')).join(' OR ')}) AND ExecutionStatus = 'Running'`;
    const waiting: Array<{ id: string; started: number; type: string; attributes: TypedSearchAttributes }> = [];
    for await (const wf of this.client.workflow.list({ query })) {
      // Trusted only when it holds the exact key: visibility stores may match loosely.
      if (wf.typedSearchAttributes.get(WaitingFor)?.some((k) => stored.includes(k))) waiting.push({ id: wf.workflowId, started: wf.startTime.getTime(), type: wf.type, attributes: wf.typedSearchAttributes });
    }
    // Each instance takes the payload its own definition declares for the channel (none
    // declared, or a definition this registry does not hold: the legacy message record): the first that
    // would take it gets it; when none would, it is refused, and nothing is sent.
    let refused: InvalidInputError | undefined;
    for (const { id, type, attributes } of waiting.sort((a, b) => a.started - b.started)) {
      try {
        const ir = await this.definitionOf(type, attributes);
        checkMessage(what, payload, ir && channelPayloads(ir.steps).get(channel));
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        refused ??= err;
        continue;
      }
      // Visibility lags: an instance that closed since it was listed does not take the message.
      if (await this.send(id, messageSignal.name, { channel, keys, payload }, requestId)) return [id];
    }
    if (refused) throw refused;
    return [];
  }

  /**
   * Every form a waiting instance may have stored `channel`'s keys in: each value plain or hashed
   * (under each key of the ring), for up to MAX_HASHED_KEYS keys; beyond, all plain or all hashed.
   */
  private searchKeys(channel: string, keys: Record<string, string>): string[] {
    const out = new Set([waitKey(channel, keys)]);
    const names = Object.keys(keys);
    if (!this.hasher || !names.length) return [...out];
    const hashed = new Map(names.map((k) => [k, this.hasher!.hashes(keys[k]!)]));
    const subsets = names.length <= MAX_HASHED_KEYS ? 2 ** names.length : 2;
    for (let ring = 0; ring < hashed.get(names[0]!)!.length; ring++) {
      for (let subset = 1; subset < subsets; subset++) {
        const all = subsets === 2;
        out.add(waitKey(channel, Object.fromEntries(names.map((k, i) => [k, all || subset & (1 << i) ? hashed.get(k)![ring]! : keys[k]!]))));
      }
    }
    return [...out];
  }

  /**
   * The definition an instance runs: the one of the ProcessHash it carries (instances started
   * before 2026-12, and children, which a raw start may have given an IR of its own), else the
   * registry's for its workflow type and ProcessVersion (a deployed version's hash never changes,
   * so it is remembered). What visibility says is anyone's to set: a version or a type the
   * registry could not hold names no definition.
   */
  private async definitionOf(type: string, attributes: TypedSearchAttributes): Promise<ProcessIR | undefined> {
    const version = attributes.get(ProcessVersion);
    let hash = attributes.get(ProcessHash);
    if (hash === undefined && Number.isSafeInteger(version) && version! >= 1 && version! <= MAX_VERSION && !UNSEARCHABLE.test(type)) {
      const key = `${version} ${type}`;
      hash = this.versionHashes.get(key) ?? (await this.registry.hashOf(type, version));
      if (hash !== undefined && !this.versionHashes.has(key)) {
        if (this.versionHashes.size >= DEFINITION_CACHE_SIZE) this.versionHashes.delete(this.versionHashes.keys().next().value!);
        this.versionHashes.set(key, hash);
      }
    }
    return hash ? this.definitions.resolve(hash) : undefined;
  }

  async query(id: string): Promise<ProcessState> {
    checkId(id);
    try {
      return await this.client.workflow.getHandle(id).query(stateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new UnknownInstanceError(id);
      throw err;
    }
  }

  async cancel(id: string): Promise<void> {
    await this.running(id);
    try {
      await this.client.workflow.getHandle(id).cancel();
    } catch (err) {
      throw closedSince(id, err);
    }
  }

  /** Waits for the instance's outcome; a failed instance's failure is thrown as Temporal reports it (WorkflowFailedError). */
  async result(id: string): Promise<Outcome> {
    checkId(id);
    try {
      return (await this.client.workflow.getHandle(id).result()) as Outcome;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new UnknownInstanceError(id);
      throw err;
    }
  }

  async list(filter: ListFilter = {}): Promise<InstanceSummary[]> {
    if (!isPlainRecord(filter)) throw new InvalidQueryError('list filter', 'must be a record { process?, status?, key?, limit? }');
    const limit = checkLimit(filter.limit);
    if (filter.key !== undefined && !(isPlainRecord(filter.key) && Object.keys(filter.key).length <= MAX_KEYS)) {
      throw new InvalidQueryError('business key filter', `must be a record of at most ${MAX_KEYS} texts, such as { subscriptionId: "SUB-1" }`);
    }
    // svcflow's instances carry ProcessVersion; a process's name is its workflow type.
    const clauses = ['ProcessVersion IS NOT NULL'];
    if (filter.process !== undefined) clauses.push(equals('WorkflowType', checkName(filter.process, 'process name'), 'process name'));
    if (filter.status !== undefined) clauses.push(`ExecutionStatus = '${checkStatus(filter.status)}'`);
    // A business key is searched for as the one keyword `field=value` it is stored as.
    // A @pii one is stored as its keyed hash (under whichever key of the ring was current): each form is looked for.
    // The plain form is asked for only where some deployed process indexes the name in plain:
    // a name every one declares @pii is never sent to Temporal's visibility (and its logs) in plain.
    // (Of the process asked for, when one is.) Without a key ring such a key is never stored: nothing is sent, nothing found.
    const entries = Object.entries(filter.key ?? {}).map(([k, v]) => [checkName(k, 'business key name'), textOf(v, `business key ${k}`)] as const);
    const indexed = entries.length ? await this.registry.indexedAs(entries.map(([name]) => name), filter.process as string | undefined) : undefined;
    const wanted = entries.map(([name, text]) => {
      const plain = checkValue(`${name}=${text}`, `business key ${name}`);
      const hashed = this.hasher?.hashes(text).map((h) => `${name}=${h}`) ?? [];
      return [...(indexed?.pii.has(name) && !indexed.plain.has(name) ? [] : [plain]), ...hashed];
    });
    if (wanted.some((forms) => forms.length === 0)) return [];
    for (const forms of wanted) clauses.push(`(${forms.map((kv) => equals('BusinessKeys', kv, 'business key')).join(' OR ')})`);
    const out: InstanceSummary[] = [];
    for await (const wf of this.client.workflow.list({ query: clauses.join(' AND ') })) {
      // Each row is checked against the exact filter: visibility stores may match loosely.
      const keys = wf.typedSearchAttributes.get(BusinessKeys) ?? [];
      if (!wanted.every((forms) => forms.some((kv) => keys.includes(kv))) || (filter.process !== undefined && wf.type !== filter.process)) continue;
      out.push({
        id: wf.workflowId,
        process: wf.type,
        version: wf.typedSearchAttributes.get(ProcessVersion),
        status: wf.status.name,
        currentStep: wf.typedSearchAttributes.get(CurrentStep),
        businessKeys: keys,
        nextDeadline: wf.status.name === 'RUNNING' ? wf.typedSearchAttributes.get(NextDeadline) : undefined,
        owner: wf.typedSearchAttributes.get(Owner),
        escalationLevel: wf.typedSearchAttributes.get(EscalationLevel),
        startTime: wf.startTime,
        closeTime: wf.closeTime,
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.connection.close();
    await this.pool.end();
  }
}

export const createEngine = (config: EngineConfig) => Engine.create(config);
