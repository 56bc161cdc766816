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
  /** Resolves with the event's payload, or `{ timedOut: true }` when `timeoutMs` passes first. */
  wait(req: WaitRequest): Promise<{ value: Value } | { timedOut: true }>;
  child(req: { stepId: string; key: string; process: string; input: Value }): Promise<Value>;
  /** Runs branches concurrently: all to completion, or the first to finish (cancelling the rest). */
  concurrently<T>(mode: 'all' | 'first', branches: Array<() => Promise<T>>): Promise<T[]>;
  /** Reports progress (current step, next deadline, escalation level) for operators. */
  progress(state: ProgressState): void;
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
  mergeInto(target: Frame): void {
    for (const [k, v] of this.vars) target.bind(k, v);
  }
}

export class Interpreter {
  /** Compensations registered by completed calls, run in reverse on failure or cancellation. */
  readonly compensations: ActivityRequest[] = [];
  readonly root = new Frame();
  private current = 'start';

  constructor(
    readonly ir: ProcessIR,
    private readonly ports: Ports,
    private readonly workflowId: string,
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
  async run(): Promise<Outcome> {
    try {
      await this.block(this.ir.steps, this.root, '');
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

  private ctx(frame: Frame) {
    return { lookup: (n: string) => frame.lookup(n), now: () => this.ports.now(), calendars: this.ir.calendars };
  }

  private eval(e: Expr, frame: Frame): Value {
    return evaluate(e, this.ctx(frame));
  }

  private durationMs(e: Expr, frame: Frame, stepId: string): number {
    const v = this.eval(e, frame);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ProcessFailed('runtime/invalid-duration', `step ${stepId}: ${text(v)} is not a duration`, stepId);
    return v;
  }

  /** A time limit computed from a deadline (`within slot.windowEnd - now()`): one already past is 0, not an error. */
  private limitMs(e: Expr, frame: Frame, stepId: string): number {
    const v = this.eval(e, frame);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ProcessFailed('runtime/invalid-duration', `step ${stepId}: ${text(v)} is not a duration`, stepId);
    return Math.max(0, v);
  }

  private async block(steps: Step[], frame: Frame, iteration: string): Promise<void> {
    for (const s of steps) await this.step(s, frame, iteration);
  }

  private invocation(inv: ActivityInvocation, frame: Frame, stepId: string, key: string, options: Partial<ActivityRequest> = {}): ActivityRequest {
    const args: { [name: string]: Value } = {};
    for (const a of inv.args) args[a.name] = this.eval(a.value, frame);
    return { stepId, key, activity: inv.activity, args, summary: `${stepId}: ${inv.activity}`, ...options };
  }

  private async step(s: Step, frame: Frame, iteration: string): Promise<void> {
    const key = `${this.workflowId}/${s.id}${iteration}`;
    try {
      await this.execute(s, frame, iteration, key);
    } catch (err) {
      if (err instanceof EvalError) throw new ProcessFailed(err.code, `step ${s.id} (line ${s.loc.line}): ${err.message}`, s.id);
      throw err;
    }
  }

  private async execute(s: Step, frame: Frame, iteration: string, key: string): Promise<void> {
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
      case 'wait':
        return this.wait(s, frame, iteration);
      case 'sleep': {
        const ms = s.until ? Math.max(0, timeOf(this.eval(s.until, frame), s.id) - this.ports.now()) : this.durationMs(s.duration!, frame, s.id);
        this.progress(s.id, { nextDeadline: this.ports.now() + ms });
        await this.ports.sleep(ms, `${s.id}: sleep`);
        return;
      }
      case 'if': {
        for (const b of s.branches) {
          if (truthy(this.eval(b.when, frame))) return this.block(b.steps, frame, iteration);
        }
        return this.block(s.otherwise, frame, iteration);
      }
      case 'match': {
        const subject = this.eval(s.subject, frame);
        for (const c of s.cases) {
          if (c.values.some((v) => equal(this.eval(v, frame), subject))) return this.block(c.steps, frame, iteration);
        }
        return this.block(s.otherwise, frame, iteration);
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
        const list = this.eval(s.list, frame);
        if (!Array.isArray(list)) throw new ProcessFailed('runtime/not-a-list', `step ${s.id}: ${text(list)} is not a list`, s.id);
        for (let i = 0; i < list.length; i++) {
          const body = new Frame(frame);
          body.bind(s.item, list[i]!);
          await this.block(s.steps, body, `${iteration}@${i + 1}`);
        }
        return;
      }
      case 'repeat': {
        for (let i = 0; i < s.max; i++) {
          await this.block(s.steps, frame, `${iteration}@${i + 1}`);
          if (s.until && truthy(this.eval(s.until, frame))) return;
        }
        return;
      }
      case 'set':
        frame.assign(s.name, this.eval(s.value, frame));
        return;
      case 'callProcess': {
        this.progress(s.id);
        const input: { [k: string]: Value } = {};
        for (const a of s.args) input[a.name] = this.eval(a.value, frame);
        const result = await this.ports.child({ stepId: s.id, key, process: s.process, input });
        if (s.bind) frame.bind(s.bind, result);
        return;
      }
      case 'fail': {
        this.progress(s.id);
        throw new ProcessFailed(s.code, text(this.eval(s.message, frame)), s.id);
      }
      case 'end':
        this.progress(s.id);
        throw new EndSignal({ outcome: s.outcome, output: s.output ? this.eval(s.output, frame) : null });
    }
  }

  private async wait(s: Extract<Step, { kind: 'wait' }>, frame: Frame, iteration: string): Promise<void> {
    const timeoutMs = this.limitMs(s.within, frame, s.id);
    const trigger = resolveTrigger(s.trigger, (e) => this.eval(e, frame));
    const started = this.ports.now();
    const escalations: Escalation[] = s.escalations.map((e, i) => ({
      afterMs: this.limitMs(e.after, frame, s.id),
      level: e.level,
      run: async () => {
        this.ports.progress({ currentStep: s.id, escalationLevel: e.level, nextDeadline: started + timeoutMs, waitingFor: trigger });
        await this.block(e.steps, new Frame(frame), `${iteration}/escalation${i + 1}`);
        this.current = s.id;
      },
    }));
    this.progress(s.id, { nextDeadline: started + timeoutMs, waitingFor: trigger });
    const result = await this.ports.wait({ stepId: s.id, trigger, timeoutMs, escalations });
    if ('timedOut' in result) {
      this.progress(`${s.id}:timeout`);
      await this.block(s.onTimeout, frame, iteration);
      return;
    }
    if (s.bind) frame.bind(s.bind, result.value);
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
