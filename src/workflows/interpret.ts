/**
 * The interpreter's pure core: it walks a process's IR and asks its `Ports` for every effect
 * (activities, timers, waits, child processes, concurrency). It imports nothing from Temporal;
 * `run-process.ts` maps the ports onto the SDK, and unit tests drive it with plain functions.
 * Deterministic: time comes from `ports.now()`, and nothing here does I/O.
 */
import type { ActivityInvocation, Expr, ProcessIR, RetryPolicy, Step, WaitTrigger } from '../ir/schema.js';
import { equal, evaluate, EvalError, text, truthy, type Value } from './evaluate.js';

export interface ActivityRequest {
  stepId: string;
  /** Idempotency key: workflow id + step id (+ loop iteration); the same on every retry and replay. */
  key: string;
  activity: string;
  args: { [name: string]: Value };
  startToCloseMs?: number;
  retry?: RetryPolicy;
  summary: string;
  /** The task queue of the activity's system (its catalog's `queue`); absent: the instance's own. */
  taskQueue?: string;
}

export interface Escalation {
  afterMs: number;
  level?: string;
  run(): Promise<void>;
}

export type ResolvedTrigger =
  | { type: 'signal' | 'update'; name: string }
  | { type: 'message'; channel: string; keys: { [name: string]: string } };

export interface WaitRequest {
  stepId: string;
  trigger: ResolvedTrigger;
  timeoutMs: number;
  escalations: Escalation[];
}

/** Everything the interpreter needs from the outside world. */
export interface Ports {
  now(): number;
  activity(req: ActivityRequest): Promise<Value>;
  sleep(ms: number, summary: string): Promise<void>;
  /**
   * Resolves with the event's payload, or `{ timedOut: true }` when `timeoutMs` passes first.
   * Rejects with an escalation's error (`fail`, `end`, an activity's failure): the wait ends
   * there, and the process fails (or ends) as if a step had thrown it.
   */
  wait(req: WaitRequest): Promise<{ value: Value } | { timedOut: true }>;
  child(req: { stepId: string; key: string; iteration: string; process: string; input: Value }): Promise<Value>;
  /**
   * Runs branches concurrently: all to completion, or the first to finish (cancelling the rest).
   * When one fails, the others are cancelled and awaited, then the first failure is thrown.
   */
  concurrently<T>(mode: 'all' | 'first', branches: Array<() => Promise<T>>): Promise<T[]>;
  /** Is `text` a @pii text of the input? A level is a plain-text search attribute, so such a text is refused as one. */
  isPii?(text: string): boolean;
  /** An `escalate to` step moved the instance to `level` (for svcflow's metrics; timers are counted where they fire). */
  escalated?(level: string): void;
  /** Reports progress (current step, next deadline, escalation level) for operators. */
  progress(state: ProgressState): void;
  /** True when the history is long enough that a loop should go on in a new run (continue-as-new). */
  shouldContinueAsNew?(): boolean;
  /** Temporal's `patched(id)`: true on new histories, false replaying one recorded before the change (absent: always true). */
  patched?(id: string): boolean;
}

/**
 * Guards NextDeadline on a wait with escalations being its earliest pending limit (the next
 * escalation, then the one after it, then the wait's own limit); before, it was the wait's limit.
 */
export const EARLIEST_DEADLINE_PATCH = 'svcflow-earliest-deadline';
/**
 * Guards an escalation timer keeping the level where it is when the instance already stands at
 * a level its wait lists later (`escalate to "group"` before it, or a second round of the wait):
 * before, the timer's own level was upserted, moving EscalationLevel back.
 */
export const LEVEL_KEPT_PATCH = 'svcflow-level-kept';
/** The longest escalation level `escalate to` sets, in characters. */
export const MAX_LEVEL_LENGTH = 256;

/** One level of where a process stands: the step's index in its block, and for the step itself
 * the branch it took (if/match; -1 = otherwise) or the loop iteration it is at (and the list). */
export interface Segment {
  i: number;
  branch?: number;
  n?: number;
  list?: Value[];
}

/** What a new run needs to go on where a long loop stopped: its position, variables and compensations. */
export interface Checkpoint {
  path: Segment[];
  /** Own variables of the root frame, then of each `for each` body on the path. */
  frames: Array<Array<[string, Value]>>;
  compensations: ActivityRequest[];
  /** The escalation level the instance stands at (absent: none yet). */
  level?: string;
}

/** Thrown at the start of a loop iteration when the run should continue as new. */
export class ContinueAsNew {
  constructor(readonly checkpoint: Checkpoint) {}
}

/** The segment of a checkpoint for this step, and the segments below it. */
interface Resume {
  at: Segment;
  rest: Segment[];
}

/** Where a block runs, when it may checkpoint (not inside parallel branches or wait handlers). */
interface Position {
  path: Segment[];
  frames: Frame[];
}

export interface ProgressState {
  currentStep: string;
  nextDeadline?: number;
  escalationLevel?: string;
  waitingFor?: ResolvedTrigger;
}

/** The process ended with `end "outcome"`. */
export interface Outcome {
  outcome: string;
  output: Value;
}

/** `fail "code", message`: a business failure of the whole process (compensations have run). */
export class ProcessFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly stepId: string,
  ) {
    super(message);
    this.name = 'ProcessFailed';
  }
}

class EndSignal {
  constructor(readonly outcome: Outcome) {}
}

/** Variables: a chain of frames, so that parallel branches and loop bodies bind locally. */
class Frame {
  private readonly vars = new Map<string, Value>();
  constructor(readonly parent?: Frame) {}
  lookup(name: string): Value | undefined {
    return this.vars.has(name) ? this.vars.get(name) : this.parent?.lookup(name);
  }
  /** `set` changes the variable where it lives, or binds it here. */
  assign(name: string, value: Value): void {
    if (this.vars.has(name) || !this.parent?.has(name)) this.vars.set(name, value);
    else this.parent.assign(name, value);
  }
  has(name: string): boolean {
    return this.vars.has(name) || Boolean(this.parent?.has(name));
  }
  bind(name: string, value: Value): void {
    this.vars.set(name, value);
  }
  entries(): Array<[string, Value]> {
    const parent = this.parent?.entries() ?? [];
    return [...parent.filter(([k]) => !this.vars.has(k)), ...this.vars.entries()];
  }
  own(): Array<[string, Value]> {
    return [...this.vars.entries()];
  }
  mergeInto(target: Frame): void {
    for (const [k, v] of this.vars) target.bind(k, v);
  }
}

export class Interpreter {
  /** Compensations registered by completed calls, run in reverse on failure or cancellation. */
  readonly compensations: ActivityRequest[] = [];
  readonly root = new Frame();
  private current = 'start';
  /** The escalation level the instance stands at: set by `escalate to` and by escalation timers. */
  private level?: string;
  /** Variables of the `for each` bodies a resumed run descends into, outermost first. */
  private restoring: Array<Array<[string, Value]>> = [];

  constructor(
    readonly ir: ProcessIR,
    private readonly ports: Ports,
    /** Prefix of every idempotency key: the workflow id and its first run (reusing an id never reuses an effect). */
    private readonly keyPrefix: string,
    input: Value,
  ) {
    this.root.bind('input', input);
  }

  get currentStep(): string {
    return this.current;
  }

  variables(): Array<[string, Value]> {
    return this.root.entries();
  }

  /** Runs the process to its end. Throws ProcessFailed on `fail` (after compensating). */
  async run(resume?: Checkpoint): Promise<Outcome> {
    if (resume) {
      for (const [k, v] of resume.frames[0] ?? []) this.root.bind(k, v);
      this.restoring = resume.frames.slice(1);
      this.compensations.push(...resume.compensations);
      this.level = resume.level;
    }
    try {
      await this.block(this.ir.steps, this.root, '', { path: [], frames: [this.root] }, resume?.path);
      return { outcome: 'completed', output: null };
    } catch (err) {
      if (err instanceof EndSignal) return err.outcome;
      throw err;
    }
  }

  /** Runs the registered compensations, newest first; each once (they carry their own keys). */
  async compensate(): Promise<void> {
    while (this.compensations.length) {
      const c = this.compensations.pop()!;
      this.progress(c.stepId);
      await this.ports.activity(c);
    }
  }

  private progress(step: string, extra: Omit<ProgressState, 'currentStep'> = {}): void {
    this.current = step;
    this.ports.progress({ currentStep: step, ...extra });
  }

  /**
   * The level an escalation timer (the `i`th of its wait, whose levels are `levels`) moves the
   * instance to: its own, unless the instance already stands at a level the wait lists later.
   */
  private timerLevel(levels: Array<string | undefined>, i: number): string | undefined {
    const own = levels[i];
    if (own === undefined) return undefined;
    // A marker only where the level is kept: where it moves on, the history is as before.
    const ahead = this.level !== undefined && this.level !== own && levels.indexOf(this.level, i + 1) > i;
    if (ahead && (this.ports.patched?.(LEVEL_KEPT_PATCH) ?? true)) return this.level;
    this.level = own;
    return own;
  }

  private ctx(frame: Frame) {
    return { lookup: (n: string) => frame.lookup(n), now: () => this.ports.now(), calendars: this.ir.calendars };
  }

  private compute(e: Expr, frame: Frame): Value {
    return evaluate(e, this.ctx(frame));
  }

  private durationMs(e: Expr, frame: Frame, stepId: string): number {
    const v = this.compute(e, frame);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ProcessFailed('runtime/invalid-duration', `step ${stepId}: ${text(v)} is not a duration`, stepId);
    return v;
  }

  /** A time limit computed from a deadline (`within slot.windowEnd - now()`): one already past is 0, not an error. */
  private limitMs(e: Expr, frame: Frame, stepId: string): number {
    const v = this.compute(e, frame);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ProcessFailed('runtime/invalid-duration', `step ${stepId}: ${text(v)} is not a duration`, stepId);
    return Math.max(0, v);
  }

  /** Runs a block; `resume` (from a checkpoint) starts it at a step and tells each level where it was. */
  private async block(steps: Step[], frame: Frame, iteration: string, pos: Position | null = null, resume?: Segment[]): Promise<void> {
    const start = resume?.[0]?.i ?? 0;
    for (let i = start; i < steps.length; i++) {
      const at = i === start ? resume?.[0] : undefined;
      const here = pos && { path: [...pos.path, { i }], frames: pos.frames };
      const s = steps[i]!;
      // Inline (no async step() in between): every pending async frame costs each cached instance
      // a promise and a stack trace in the SDK's promise stack store.
      try {
        await this.execute(s, frame, iteration, `${this.keyPrefix}/${s.id}${iteration}`, here, at && { at, rest: resume!.slice(1) });
      } catch (err) {
        if (err instanceof EvalError) throw new ProcessFailed(err.code, `step ${s.id} (line ${s.loc.line}): ${err.message}`, s.id);
        throw err;
      }
    }
  }

  private checkpoint(pos: Position, last: Segment): Checkpoint {
    return { path: [...pos.path.slice(0, -1), last], frames: pos.frames.map((f) => f.own()), compensations: [...this.compensations], ...(this.level !== undefined ? { level: this.level } : {}) };
  }

  /** At the start of a loop iteration (not the one a run resumed at): continue as new if it is time. */
  private maybeContinue(pos: Position | null, first: boolean, last: () => Segment): void {
    if (pos && !first && this.ports.shouldContinueAsNew?.()) throw new ContinueAsNew(this.checkpoint(pos, last()));
  }

  private invocation(inv: ActivityInvocation, frame: Frame, stepId: string, key: string, options: Partial<ActivityRequest> = {}): ActivityRequest {
    const args: { [name: string]: Value } = {};
    for (const a of inv.args) args[a.name] = this.compute(a.value, frame);
    // No taskQueue key at all when the IR gives none: a checkpoint carries exactly what it did before.
    return { stepId, key, activity: inv.activity, args, summary: stepId, ...(inv.taskQueue ? { taskQueue: inv.taskQueue } : {}), ...options };
  }

  private async execute(s: Step, frame: Frame, iteration: string, key: string, pos: Position | null, resume?: Resume): Promise<void> {
    /** The block of a branch, resumable where the step is, recording which branch was taken. */
    const branch = (k: number, steps: Step[]) =>
      this.block(steps, frame, iteration, pos && { path: [...pos.path.slice(0, -1), { ...pos.path[pos.path.length - 1]!, branch: k }], frames: pos.frames }, resume?.rest);
    switch (s.kind) {
      case 'call': {
        this.progress(s.id);
        const req = this.invocation(s.call, frame, s.id, key, { startToCloseMs: s.startToCloseMs, retry: s.retry });
        const result = await this.ports.activity(req);
        if (s.bind) frame.bind(s.bind, result);
        if (s.compensate) {
          const comp = this.invocation(s.compensate, frame, `${s.id}:compensate`, `${key}/compensate`);
          this.compensations.push({ ...comp, summary: `compensate ${s.id}: ${s.compensate.activity}` });
        }
        return;
      }
      case 'wait': {
        const timeoutMs = this.limitMs(s.within, frame, s.id);
        const trigger = resolveTrigger(s.trigger, (e) => this.compute(e, frame));
        const started = this.ports.now();
        const afters = s.escalations.map((e) => this.limitMs(e.after, frame, s.id));
        /** The earliest limit still ahead once the escalations up to `passedMs` have fired. */
        const nextDeadline = (passedMs: number) => {
          const ahead = afters.filter((a) => a > passedMs && a < timeoutMs);
          return ahead.length && (this.ports.patched?.(EARLIEST_DEADLINE_PATCH) ?? true) ? started + Math.min(...ahead) : started + timeoutMs;
        };
        const levels = s.escalations.map((e) => e.level);
        const escalations: Escalation[] = s.escalations.map((e, i) => ({
          afterMs: afters[i]!,
          level: e.level,
          run: async () => {
            this.ports.progress({ currentStep: s.id, escalationLevel: this.timerLevel(levels, i), nextDeadline: nextDeadline(afters[i]!), waitingFor: trigger });
            await this.block(e.steps, new Frame(frame), `${iteration}/escalation${i + 1}`);
            this.current = s.id;
          },
        }));
        this.progress(s.id, { nextDeadline: nextDeadline(-1), waitingFor: trigger });
        const result = await this.ports.wait({ stepId: s.id, trigger, timeoutMs, escalations });
        if ('timedOut' in result) {
          this.progress(`${s.id}:timeout`);
          await this.block(s.onTimeout, frame, iteration);
          return;
        }
        if (s.bind) frame.bind(s.bind, result.value);
        return;
      }
      case 'sleep': {
        const ms = s.until ? Math.max(0, timeOf(this.compute(s.until, frame), s.id) - this.ports.now()) : this.durationMs(s.duration!, frame, s.id);
        this.progress(s.id, { nextDeadline: this.ports.now() + ms });
        await this.ports.sleep(ms, `${s.id}: sleep`);
        return;
      }
      case 'if': {
        const taken = resume?.at.branch ?? s.branches.findIndex((b) => truthy(this.compute(b.when, frame)));
        return branch(taken, taken >= 0 ? s.branches[taken]!.steps : s.otherwise);
      }
      case 'match': {
        let taken = resume?.at.branch;
        if (taken === undefined) {
          const subject = this.compute(s.subject, frame);
          taken = s.cases.findIndex((c) => c.values.some((v) => equal(this.compute(v, frame), subject)));
        }
        return branch(taken, taken >= 0 ? s.cases[taken]!.steps : s.otherwise);
      }
      case 'parallel': {
        this.progress(s.id);
        const frames = s.branches.map(() => new Frame(frame));
        const settled = await this.ports.concurrently(
          s.mode,
          s.branches.map((b, i) => async () => {
            await this.block(b.steps, frames[i]!, `${iteration}/${b.name}`);
            return i;
          }),
        );
        // `all`: every branch's bindings become visible; `first`: only the winner's.
        for (const i of settled) frames[i]!.mergeInto(frame);
        return;
      }
      case 'forEach': {
        // The list is evaluated once, and travels with a checkpoint (the body may change its source).
        const list = resume?.at.list ?? this.compute(s.list, frame);
        if (!Array.isArray(list)) throw new ProcessFailed('runtime/not-a-list', `step ${s.id}: ${text(list)} is not a list`, s.id);
        const from = resume?.at.n ?? 0;
        for (let i = from; i < list.length; i++) {
          const first = i === from && resume !== undefined;
          this.maybeContinue(pos, first, () => ({ ...pos!.path[pos!.path.length - 1]!, n: i, list }));
          const inner = first && resume!.rest.length > 0;
          const body = new Frame(frame);
          for (const [k, v] of inner ? (this.restoring.shift() ?? []) : []) body.bind(k, v);
          body.bind(s.item, list[i]!);
          const here = pos && { path: [...pos.path.slice(0, -1), { ...pos.path[pos.path.length - 1]!, n: i, list }], frames: [...pos.frames, body] };
          await this.block(s.steps, body, `${iteration}@${i + 1}`, here, inner ? resume!.rest : undefined);
        }
        return;
      }
      case 'repeat': {
        const from = resume?.at.n ?? 0;
        for (let i = from; i < s.max; i++) {
          const first = i === from && resume !== undefined;
          this.maybeContinue(pos, first, () => ({ ...pos!.path[pos!.path.length - 1]!, n: i }));
          const here = pos && { path: [...pos.path.slice(0, -1), { ...pos.path[pos.path.length - 1]!, n: i }], frames: pos.frames };
          await this.block(s.steps, frame, `${iteration}@${i + 1}`, here, first && resume!.rest.length > 0 ? resume!.rest : undefined);
          if (s.until && truthy(this.compute(s.until, frame))) return;
        }
        return;
      }
      case 'set':
        frame.assign(s.name, this.compute(s.value, frame));
        return;
      case 'callProcess': {
        this.progress(s.id);
        const input: { [k: string]: Value } = {};
        for (const a of s.args) input[a.name] = this.compute(a.value, frame);
        const result = await this.ports.child({ stepId: s.id, key, iteration, process: s.process, input });
        if (s.bind) frame.bind(s.bind, result);
        return;
      }
      case 'escalate': {
        const level = this.compute(s.level, frame);
        // A keyword search attribute: a short text (Temporal refuses one over 2 KB, and the workflow task would fail on every retry).
        if (typeof level !== 'string' || !level || level.length > MAX_LEVEL_LENGTH) {
          throw new ProcessFailed('runtime/invalid-level', `step ${s.id}: ${typeof level === 'string' && level ? `a level of ${level.length} characters (at most ${MAX_LEVEL_LENGTH})` : text(level)} is not an escalation level`, s.id);
        }
        if (this.ports.isPii?.(level)) throw new ProcessFailed('runtime/pii-level', `step ${s.id}: the level is a @pii text of the input, and EscalationLevel is stored in plain text`, s.id);
        this.level = level;
        this.ports.escalated?.(level);
        this.progress(s.id, { escalationLevel: level });
        return;
      }
      case 'fail': {
        this.progress(s.id);
        throw new ProcessFailed(s.code, text(this.compute(s.message, frame)), s.id);
      }
      case 'end':
        this.progress(s.id);
        throw new EndSignal({ outcome: s.outcome, output: s.output ? this.compute(s.output, frame) : null });
    }
  }
}

export function resolveTrigger(t: WaitTrigger, evalExpr: (e: Expr) => Value): ResolvedTrigger {
  if (t.type !== 'message') return { type: t.type, name: t.name };
  const keys: { [name: string]: string } = {};
  for (const c of t.correlate) keys[c.name] = text(evalExpr(c.value));
  return { type: 'message', channel: t.channel, keys };
}

function timeOf(v: Value, stepId: string): number {
  const ms = typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : NaN;
  if (Number.isNaN(ms)) throw new ProcessFailed('runtime/invalid-time', `step ${stepId}: ${text(v)} is not a time`, stepId);
  return ms;
}
