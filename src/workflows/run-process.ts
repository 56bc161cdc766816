/**
 * The thin Temporal layer: one workflow per process instance, whose workflow type is the
 * process name (a dynamic workflow: the bundle's default export handles every type). It maps
 * the interpreter's ports onto proxyActivities, timers, conditions, handlers and child workflows.
 *
 * The definition travels as workflow input (the process IR plus the IR of every process it may
 * call), so the history pins it: a replay on any worker runs exactly the definition it started with.
 */
import * as wf from '@temporalio/workflow';
import { ActivityCancellationType, ApplicationFailure, type SearchAttributePair } from '@temporalio/common';
import type { ProcessIR } from '../ir/schema.js';
import { irShapeProblem } from '../ir/shape.js';
import { allSteps } from '../ir/walk.js';
import { ContinueAsNew, Interpreter, ProcessFailed, type Checkpoint, type Outcome, type Ports, type ProgressState, type ResolvedTrigger } from './interpret.js';
import type { Value } from './evaluate.js';
import { CurrentStep, EscalationLevel, NextDeadline, ownerOf, ProcessHash, startAttributes, WaitingFor } from './search-attributes.js';
import { Inbox, type Rejected } from './inbox.js';
import { registerHandlers, waitKey } from './handlers.js';
import { BASELINE, baselineProblem, instancePatches } from './patches.js';
import { markdownText } from './markdown.js';
import { keyHashesProblem, maskPii, piiTexts, searchKey, type KeyHashes } from './pii.js';
import { concurrently } from './concurrently.js';
import { CARRY_LIMIT_BYTES, channelPayloads, jsonBytes, startProblem, utf8Bytes } from './payloads.js';
import { escalated, limitMissed } from './metrics.js';

export { messageSignal, waitKey, PAYLOADS_CHECKED_PATCH, type InboundMessage } from './handlers.js';
export { BRANCHES_SETTLE_PATCH } from './concurrently.js';
export type { Rejected } from './inbox.js';

export interface ProcessArgs {
  ir: unknown;
  /** IR of the processes this one calls, by name (pinned with the parent). */
  children?: Record<string, unknown>;
  input: Value;
  /** Where the previous run of a long loop stopped (continue-as-new), and the events it had not used. */
  resume?: Checkpoint;
  inbox?: Array<[string, Value[]]>;
  /** The events the previous runs dropped (continue-as-new), for the state query. */
  rejected?: Rejected;
  /** Continue as new once the history has this many events (or when the server suggests it). */
  continueAsNewAfterEvents?: number;
  /** The keyed hash of each @pii text of the input (src/workflows/pii.ts), given by the engine when it has a key ring. */
  keyHashes?: Array<[string, string]>;
  /** The patch baseline the instance starts on (patches.ts), given by the engine: with it, no patch marker is recorded. */
  baseline?: string;
}

/** Temporal suggests continuing as new well before its hard limits; this is the fallback bound. */
export const CONTINUE_AS_NEW_AFTER_EVENTS = 10_000;
/** Temporal's default limit for one search attribute value: a child's Owner over it is left out. */
const CHILD_OWNER_BYTES = 2048;
/** Guards clearing WaitingFor and NextDeadline when a wait ends. */
export const WAITING_FOR_CLEARED_PATCH = 'svcflow-waiting-for-cleared';
/** Guards child workflow ids per loop iteration, with their search attributes. */
export const CHILD_PER_ITERATION_PATCH = 'svcflow-child-per-iteration';
/** Guards the continue-as-new of long loops: histories recorded before it replay without it. */
export const CONTINUE_AS_NEW_PATCH = 'svcflow-continue-as-new';
/** Guards failing the process when an escalation fails (`fail`, `end`, an activity's failure): histories from before it ignored them. */
export const ESCALATION_FAILS_PATCH = 'svcflow-escalation-fails';
/**
 * Guards waiting for a cancelled activity to finish (or acknowledge) before going on, so that
 * what it did is compensated and nothing runs beside the compensations; before, a cancelled
 * activity was abandoned (TRY_CANCEL).
 */
export const CANCEL_WAITS_PATCH = 'svcflow-cancel-waits';
/** Guards a cancelled wait leaving WaitingFor and NextDeadline, as one that ends does, and awaiting its escalations. */
export const CANCELLED_WAIT_PATCH = 'svcflow-cancelled-wait';
/** Guards refusing start arguments that are not the declared input (or a resume point on a first run). */
export const START_CHECKED_PATCH = 'svcflow-start-checked';
/**
 * Guards what happens when a continue-as-new would carry more than CARRY_LIMIT_BYTES: the
 * largest events kept are dropped (and counted) until it fits, and if even the rest is too
 * large the process fails, with its compensations, instead of being terminated by the server.
 */
export const CARRY_CHECKED_PATCH = 'svcflow-carry-checked';
/** Guards CurrentStep saying how an instance ended once it has closed (before, it stayed on the last step). */
export const CLOSED_STEP_PATCH = 'svcflow-closed-step';

/**
 * The second argument of every activity, plain JSON in any language (see the README, "Serving a
 * system from any worker"): the idempotency key (`<workflowId>/<firstRunId>/<step>` and the loop
 * iteration; the same on every attempt and replay), the step id (`<step>:compensate` for a
 * compensation), and the process and version that called it. No patch: an activity's arguments
 * are not part of the commands a replay compares (test/replay.test.ts replays histories recorded
 * with `{ idempotencyKey }` alone), and an implementation that reads only the key reads it as before.
 */
export interface ActivityMeta {
  idempotencyKey: string;
  step: string;
  process: string;
  version: number;
}

export const stateQuery = wf.defineQuery<ProcessState>('state');

export type PendingWait = ResolvedTrigger & { step: string; deadline?: string };

export interface ProcessState {
  process: string;
  version: number;
  hash: string;
  currentStep: string;
  status: 'running' | 'compensating';
  /** The wait the instance entered last (of `waits`), with its deadline. */
  waiting?: PendingWait;
  /** Every wait in progress: more than one inside `parallel` branches. */
  waits: PendingWait[];
  escalationLevel?: string;
  /** Who owns the instance (the process's `owner` declaration), as the Owner search attribute says. */
  owner?: string;
  variables: Record<string, Value>;
  pendingCompensations: string[];
  /** Signals and messages dropped because they did not match what the process declared (no values in it). */
  rejected?: Rejected;
}

export async function runProcess(args: ProcessArgs): Promise<Outcome> {
  // Definitions by reference that no codec resolved: the worker is not pointed at the registry.
  // An Error, not a failure: the workflow task is retried, and goes on once a worker that can resolve it polls.
  if (args.ir === undefined && typeof (args as { definition?: unknown }).definition === 'object') {
    throw new Error('this worker cannot resolve definitions by reference: give createWorker the registry (databaseUrl)');
  }
  // The outline only: the engine parsed the definition with the IR's zod schema before starting
  // it, and zod in the workflow bundle costs every cached instance a megabyte (see src/ir/shape.ts).
  const problem = irShapeProblem(args.ir);
  if (problem) throw ApplicationFailure.nonRetryable(`invalid process definition: ${problem}`, 'svcflow/invalid-definition');
  const ir = args.ir as ProcessIR;
  // Before any command: whether this instance started on svcflow's patch baseline (patches.ts).
  const patched = instancePatches(args.baseline);
  const pii = piiTexts(ir.input, args.input);
  const owner = ownerOf(ir, args.input);
  const info = wf.workflowInfo();
  if (info.workflowType !== ir.name) {
    throw ApplicationFailure.nonRetryable(`workflow type ${info.workflowType} was started with the definition of ${ir.name}`, 'svcflow/definition-mismatch');
  }
  // A raw client's start is checked as the engine checks its own (a marker only when one is refused).
  const badStart = startProblem(ir.input, args, info.continuedFromExecutionRunId !== undefined) ?? keyHashesProblem(args.keyHashes, pii) ?? baselineProblem(args.baseline);
  if (badStart && patched(START_CHECKED_PATCH)) throw ApplicationFailure.nonRetryable(`invalid start of ${ir.name}: ${badStart}`, 'svcflow/invalid-start');
  // Given by an engine with a key ring (even none: a ring is in use); absent: nothing is hashed.
  const hashes: KeyHashes | undefined = badStart || args.keyHashes === undefined ? undefined : new Map(args.keyHashes);
  // The payload fields each channel declares @pii: a key on one is never stored in plain (pii.ts).
  // Walked once, at the first message wait (a process without one never pays for it).
  let piiByChannel: Map<string, Set<string>> | undefined;
  const piiFields = (channel: string): Set<string> => {
    piiByChannel ??= new Map([...channelPayloads(ir.steps)].map(([c, t]) => [c, new Set(t.t === 'record' ? t.fields.filter((f) => f.pii).map((f) => f.name) : [])]));
    return piiByChannel.get(channel) ?? new Set();
  };

  // Events that arrive before (or while not) waiting are kept, in order, until a wait takes them.
  const inbox = new Inbox(args.inbox, args.rejected);
  const take = (k: string) => inbox.take(k);
  // Waits in progress, by the key their event arrives under (branches of `parallel` wait side by side).
  const pending = new Map<object, { key: string; search?: string; wait: PendingWait }>();
  const waitsFor = (key: string) => [...pending.values()].some((p) => p.key === key);
  // The level a run before this one (continue-as-new) left: its search attribute was carried over.
  let progress: ProgressState = { currentStep: 'start', ...(args.resume?.level !== undefined ? { escalationLevel: args.resume.level } : {}) };
  let status: ProcessState['status'] = 'running';

  registerHandlers(ir, inbox, { waitsFor, currentStep: () => progress.currentStep, patched });

  // The levels the definition names (its escalation clauses, its `escalate to "…"` steps): the
  // only ones a metric's label may hold; a level computed at run time counts as `other`.
  // Walked once, at the first `escalate to` (a process without one never pays for it).
  let levels: Set<string> | undefined;
  const namedLevels = (): Set<string> => {
    if (levels) return levels;
    levels = new Set();
    for (const s of allSteps(ir.steps)) {
      if (s.kind === 'wait') for (const e of s.escalations) if (e.level) levels.add(e.level);
      if (s.kind === 'escalate' && s.level.k === 'lit' && typeof s.level.value === 'string') levels.add(s.level.value);
    }
    return levels;
  };
  const ports: Ports = {
    escalated: (level) => escalated(namedLevels().has(level) ? level : 'other'),
    isPii: (text) => pii.has(text),
    now: () => Date.now(),
    patched,
    shouldContinueAsNew() {
      const i = wf.workflowInfo();
      const due = i.continueAsNewSuggested || i.historyLength >= (args.continueAsNewAfterEvents ?? CONTINUE_AS_NEW_AFTER_EVENTS);
      return due && patched(CONTINUE_AS_NEW_PATCH);
    },
    async activity(req) {
      const act = wf.proxyActivities<Record<string, (input: unknown, meta: ActivityMeta) => Promise<Value>>>({
        // On the system's own queue (a worker in any language may serve it); none given: this instance's queue, as before.
        ...(req.taskQueue ? { taskQueue: req.taskQueue } : {}),
        startToCloseTimeout: req.startToCloseMs ?? 60_000,
        retry: req.retry && {
          maximumAttempts: req.retry.maximumAttempts,
          initialInterval: req.retry.initialIntervalMs,
          backoffCoefficient: req.retry.backoffCoefficient,
          maximumInterval: req.retry.maximumIntervalMs,
          nonRetryableErrorTypes: req.retry.nonRetryableErrorTypes,
        },
        summary: req.summary,
        cancellationType: patched(CANCEL_WAITS_PATCH) ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED : ActivityCancellationType.TRY_CANCEL,
      });
      const meta: ActivityMeta = { idempotencyKey: req.key, step: req.stepId, process: ir.name, version: ir.version };
      return act[req.activity]!(req.args, meta);
    },
    sleep: (ms, summary) => wf.sleep(ms, { summary }),
    // Not async: while the instance waits, one pending promise (and stack trace) fewer.
    wait(req) {
      const k = req.trigger.type === 'message' ? `message:${waitKey(req.trigger.channel, req.trigger.keys)}` : `${req.trigger.type}:${req.trigger.name}`;
      if (req.timeoutMs <= 0) {
        // The deadline has already passed (e.g. the booked window is over): only what has
        // already arrived counts; no timer, no escalation.
        const now = take(k);
        return Promise.resolve(now ?? limitMissed(req.stepId));
      }
      const token = {};
      const deadline = new Date(Date.now() + req.timeoutMs).toISOString();
      const search = req.trigger.type === 'message' ? searchKey(req.trigger.channel, req.trigger.keys, hashes, piiFields(req.trigger.channel)) : undefined;
      pending.set(token, { key: k, search, wait: { ...req.trigger, step: req.stepId, deadline } });
      let got: { value: Value } | undefined;
      // An escalation that fails (`fail`, an activity's failure) or ends the process (`end`) ends
      // the wait with its error, as a step's would; one cancelled because the wait ended is done.
      let failed: { err: unknown } | undefined;
      let ended = false;
      const running: Promise<void>[] = [];
      // Escalation timers run in a scope of their own, cancelled when the wait ends (none: no scope).
      const escalations = req.escalations.length ? new wf.CancellationScope() : undefined;
      escalations
        ?.run(async () => {
          for (const e of [...req.escalations].sort((a, b) => a.afterMs - b.afterMs)) {
            running.push(
              wf
                .sleep(Math.max(1, e.afterMs), { summary: `${req.stepId}: escalate${e.level ? ` to ${e.level}` : ''}` })
                .then(() => {
                  escalated(e.level);
                  return e.run();
                })
                .catch((err: unknown) => {
                  // Histories from before this ignored an escalation's failure.
                  if (!ended && !failed && !wf.isCancellation(err) && patched(ESCALATION_FAILS_PATCH)) failed = { err };
                }),
            );
          }
          await Promise.all(running);
        })
        .catch(() => {});
      // A wait that ended leaves WaitingFor (a late reply then finds no one here, and is recorded
      // and answered instead) and takes its deadline out of NextDeadline, unless another wait of
      // a parallel branch goes on.
      const leave = () => {
        pending.delete(token);
        const rest = [...pending.values()];
        const later = rest.map((p) => p.wait.deadline).filter((d): d is string => d !== undefined).sort()[0];
        wf.upsertSearchAttributes([
          { key: WaitingFor, value: rest.map((p) => p.search).filter((k): k is string => k !== undefined) },
          { key: NextDeadline, value: later ? new Date(later) : null },
        ]);
      };
      return wf.condition(() => failed !== undefined || (got = got ?? take(k)) !== undefined, req.timeoutMs, { summary: `${req.stepId}: within` } as never).then(
        async (arrived) => {
          ended = true;
          // Histories from before this have no such upsert.
          if (patched(WAITING_FOR_CLEARED_PATCH)) leave();
          else pending.delete(token);
          escalations?.cancel();
          await Promise.allSettled(running);
          if (failed) throw failed.err;
          return arrived && got ? got : limitMissed(req.stepId);
        },
        async (err: unknown) => {
          // Cancelled (a branch of `parallel` that lost or was cancelled, or the process): the
          // wait is over too, once its escalations have stopped. Histories from before this
          // left it in WaitingFor and went on at once.
          ended = true;
          if (patched(CANCELLED_WAIT_PATCH)) {
            leave();
            await Promise.allSettled(running);
          } else pending.delete(token);
          throw err;
        },
      );
    },
    async child(req) {
      const childIr = args.children?.[req.process];
      if (!childIr) throw new ProcessFailed('svcflow/unknown-child', `the definition of ${req.process} was not deployed with ${ir.name}`, req.stepId);
      // A child per loop iteration, findable by its own process name and keys: histories
      // recorded before this started children as `<id>/<step>` with no search attributes.
      const perIteration = patched(CHILD_PER_ITERATION_PATCH);
      const result = await wf.executeChild(req.process, {
        workflowId: perIteration ? `${info.workflowId}/${req.stepId}${req.iteration}` : `${info.workflowId}/${req.stepId}`,
        ...(perIteration ? { typedSearchAttributes: childAttributes(childIr as ProcessIR, req.input) } : {}),
        // On the parent's baseline: a child of a parent started without it asks for the marker, as before.
        args: [{ ir: childIr, children: args.children, input: req.input, ...childHashes(childIr as ProcessIR, req.input), ...(args.baseline === BASELINE ? { baseline: BASELINE } : {}) }],
        staticSummary: `${req.process}, called by ${ir.name} step ${req.stepId}`,
      });
      return result as unknown as Value;
    },
    concurrently: (mode, branches) => concurrently(mode, branches, patched),
    progress(state) {
      const resting = state.waitingFor !== undefined || state.nextDeadline !== undefined || state.escalationLevel !== undefined;
      progress = { ...progress, ...state, ...(resting ? {} : { waitingFor: undefined, nextDeadline: undefined }) };
      wf.setCurrentDetails(describeProgress(ir.name, progress, pii, owner));
      // Search attributes change only where an instance rests (waits, sleeps, escalations):
      // that is where an operator looks, and it keeps history small.
      if (resting) {
        const pairs: SearchAttributePair[] = [{ key: CurrentStep, value: state.currentStep }];
        if (state.nextDeadline !== undefined) pairs.push({ key: NextDeadline, value: new Date(state.nextDeadline) });
        if (state.escalationLevel) pairs.push({ key: EscalationLevel, value: state.escalationLevel });
        if (state.waitingFor?.type === 'message') pairs.push({ key: WaitingFor, value: [searchKey(state.waitingFor.channel, state.waitingFor.keys, hashes, piiFields(state.waitingFor.channel))] });
        wf.upsertSearchAttributes(pairs);
      }
    },
  };

  /**
   * A child's start attributes. Its owner comes from an input computed at run time, which no
   * engine checked: one over Temporal's default limit for a search attribute is left out rather
   * than failing this workflow task on every retry.
   */
  const childAttributes = (child: ProcessIR, input: Value): SearchAttributePair[] => [
    ...startAttributes(child, input, hashes).filter((a) => a.key.name !== 'Owner' || utf8Bytes(String(a.value)) <= CHILD_OWNER_BYTES),
    // The child's definition came with this instance's, which a raw start may have given: its
    // hash, so the engine checks what the child is sent against it and not the registry's.
    ...(typeof child.hash === 'string' && /^[0-9a-f]{64}$/.test(child.hash) ? [{ key: ProcessHash, value: child.hash }] : []),
  ];
  /** The hashes a child needs: those of its own input's @pii texts that this instance has (no key ring: none, as before). */
  const childHashes = (child: ProcessIR, input: Value): { keyHashes?: Array<[string, string]> } => {
    if (!hashes) return {};
    return { keyHashes: [...piiTexts(child.input, input)].flatMap((text): Array<[string, string]> => (hashes.has(text) ? [[text, hashes.get(text)!]] : [])) };
  };
  const interpreter = new Interpreter(ir, ports, `${info.workflowId}/${info.firstExecutionRunId}`, args.input);
  wf.setHandler(stateQuery, () => ({
    process: ir.name,
    version: ir.version,
    hash: ir.hash,
    currentStep: interpreter.currentStep,
    status,
    ...(pending.size ? { waiting: maskPii(pii, ir.input, [...pending.values()].at(-1)!.wait as unknown as Value, false) as unknown as PendingWait } : {}),
    waits: [...pending.values()].map((p) => maskPii(pii, ir.input, p.wait as unknown as Value, false) as unknown as PendingWait),
    ...(progress.escalationLevel ? { escalationLevel: progress.escalationLevel } : {}),
    ...(owner !== undefined ? { owner } : {}),
    variables: Object.fromEntries(interpreter.variables().map(([k, v]) => [k, maskPii(pii, ir.input, v, k === 'input')])),
    pendingCompensations: interpreter.compensations.map((c) => c.stepId),
    ...(inbox.rejected ? { rejected: inbox.rejected } : {}),
  }));

  /** Once closed, CurrentStep says how it ended (`ended <outcome>`, `failed <code>`): where an operator looks. */
  const closedAs = (how: string) => {
    if (!patched(CLOSED_STEP_PATCH)) return;
    progress = { currentStep: how };
    wf.setCurrentDetails(describeProgress(ir.name, progress, pii, owner));
    wf.upsertSearchAttributes([{ key: CurrentStep, value: how }]);
  };
  try {
    const outcome = await interpreter.run(args.resume);
    closedAs(`ended ${outcome.outcome}`);
    return outcome;
  } catch (err) {
    if (err instanceof ContinueAsNew) {
      // Same definition, input and search attributes; the position, variables, compensations
      // and unused events travel in the arguments. Updates in flight finish first.
      await wf.condition(wf.allHandlersFinished);
      const carried = (): ProcessArgs => ({ ...args, resume: err.checkpoint, inbox: inbox.entries(), rejected: inbox.rejected });
      const size = () => jsonBytes(carried());
      // A marker only when it would not fit (the server would terminate it: no compensations).
      if (size() > CARRY_LIMIT_BYTES && patched(CARRY_CHECKED_PATCH)) {
        // Dropping events helps only if the rest fits without them.
        if (jsonBytes({ ...carried(), inbox: [] }) <= CARRY_LIMIT_BYTES) inbox.shed(size, CARRY_LIMIT_BYTES);
        if (size() > CARRY_LIMIT_BYTES) {
          status = 'compensating';
          await wf.CancellationScope.nonCancellable(() => interpreter.compensate());
          throw ApplicationFailure.nonRetryable(`${ir.name} cannot continue as new: its variables and resume point are more than ${CARRY_LIMIT_BYTES} bytes`, 'svcflow/too-large-to-continue');
        }
      }
      return await wf.continueAsNew<(a: ProcessArgs) => Promise<Outcome>>(carried());
    }
    // Compensations run in reverse order on failure and on cancellation, and cannot be cancelled.
    status = 'compensating';
    await wf.CancellationScope.nonCancellable(() => interpreter.compensate());
    // Not on cancellation: one more command after a cancelled instance's compensations made
    // Temporal's Java test server stall a cancelled SpMischargeClaim (ACTIVITY_UNKNOWN) in a
    // full suite; a cancelled instance's status says it was cancelled.
    if (!wf.isCancellation(err)) closedAs(`failed ${err instanceof ProcessFailed ? err.code : err instanceof ApplicationFailure && err.type ? err.type : 'error'}`);
    if (err instanceof ProcessFailed) throw ApplicationFailure.nonRetryable(err.message, err.code, { step: err.stepId });
    throw err;
  }
}

function describeProgress(name: string, p: ProgressState, pii: Set<string>, owner: string | undefined): string {
  const lines = [`**${name}** — step \`${p.currentStep}\``];
  // Who and at which level on one line, right under the step: the UI's panel shows four lines or so.
  const who = [owner !== undefined ? `owner ${markdownText(owner)}` : '', p.escalationLevel ? `escalated to ${markdownText(p.escalationLevel)}` : ''].filter(Boolean).join(' · ');
  if (who) lines.push(who);
  const masked = (keys: Record<string, string>) => Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, pii.has(v) ? '***' : v]));
  if (p.waitingFor) lines.push(`waiting for ${p.waitingFor.type === 'message' ? `message ${markdownText(waitKey(p.waitingFor.channel, masked(p.waitingFor.keys)))}` : `${p.waitingFor.type} ${p.waitingFor.name}`}`);
  if (p.nextDeadline !== undefined) lines.push(`next deadline ${new Date(p.nextDeadline).toISOString()}`);
  // Markdown hard line breaks, not paragraphs: the UI's Current Details panel is about 90 px high.
  return lines.join('  \n');
}
