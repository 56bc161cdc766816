/**
 * The checker: everything that can be known about a process before it runs. It reports into a
 * DiagnosticSink and never throws; `check/...` codes are in messages.ts.
 *
 * Names follow definite assignment: after `if`/`match` a name is bound only when every branch
 * binds it; after `parallel all` when any branch does; after `for each` (which may run zero times)
 * not at all; after a `wait x = …` whose `on timeout` can fall through, `x` is not bound.
 */
import type * as A from './ast.js';
import { assertNever } from './ast.js';
import type { Field, TypeRef } from '../ir/schema.js';
import { ANY, assignable, describeType, DURATION, record, STRING, TIME } from '../ir/types.js';
import { didYouMean, DiagnosticSink } from './diagnostics.js';
import { presentIn, withOptionalFrom } from './check-expr.js';
import { checkArgs, checkInvocation, checkMessageWait } from './check-calls.js';
import type { CatalogIndex } from './catalog.js';
import { childBlocks, chosenName } from './ids.js';
import { deepBindings, namesBoundIn } from './step-facts.js';
import { reservedHandlerName } from './handler-names.js';
import { checkCalendar, resolveFields } from './check-types.js';
import { checkOwner } from './check-owner.js';
import { Bindings, presentWhen, rootsOf } from './check-bindings.js';
import { FlowChecker, merge, type Flow } from './check-flow.js';

export { resolveFields, resolveType } from './check-types.js';
export { Bindings, presentWhen } from './check-bindings.js';

/** What the checker knows of other processes (for `call process`). */
export interface ProcessView {
  input: Field[];
  output: Field[];
}

export interface CheckContext {
  /** The systems' operations and channels: the catalog given, and what the files declare. */
  catalog: CatalogIndex;
  processes: ReadonlyMap<string, ProcessView>;
}

export function checkFile(file: A.FileNode, ctx: CheckContext, sink: DiagnosticSink): void {
  if (file.processes.length === 0 && file.systems.length === 0) sink.add('check/no-process', { line: 1, column: 1, endLine: 1, endColumn: 1 }, {});
  const calendars = new Map<string, A.CalendarNode>();
  for (const cal of file.calendars) {
    checkCalendar(cal, sink);
    calendars.set(cal.name.name, cal);
  }
  const seen = new Set<string>();
  for (const p of file.processes) {
    if (seen.has(p.name.name)) sink.add('check/duplicate-process', p.name.range, { name: p.name.name });
    seen.add(p.name.name);
    new ProcessChecker(p, ctx, calendars, sink).run();
  }
}

/** The types of a business key: one value each (`any` is what an unknown type, reported already, resolves to). */
const ONE_VALUE: ReadonlySet<TypeRef['t']> = new Set(['string', 'phone', 'enum', 'time', 'int', 'number', 'bool', 'duration', 'any']);
/** The types whose values are texts: what a @pii key is hashed from. */
const TEXT: ReadonlySet<TypeRef['t']> = new Set(['string', 'phone', 'enum', 'time', 'any']);

class ProcessChecker extends FlowChecker {
  private readonly chosen = new Map<string, A.Name>();
  /** The declared output: what every `end … with { … }` must give. */
  private output: Field[] = [];

  constructor(
    private readonly p: A.ProcessNode,
    private readonly ctx: CheckContext,
    private readonly calendars: ReadonlyMap<string, A.CalendarNode>,
    sink: DiagnosticSink,
  ) {
    super(sink);
  }

  run(): void {
    const { p, sink } = this;
    if (!/^[A-Z][A-Za-z0-9]*$/.test(p.name.name)) sink.add('check/invalid-name', p.name.range, { name: p.name.name });
    if (!/^[1-9]\d{0,8}$/.test(p.version.text)) sink.add('check/invalid-version', p.version.range, { text: p.version.text });
    const input = resolveFields(p.input, sink);
    this.output = resolveFields(p.output, sink);
    for (const ix of p.index) {
      const f = input.find((x) => x.name === ix.name);
      if (!f) sink.add('check/unknown-index-field', ix.range, { name: ix.name, suggestion: didYouMean(ix.name, input.map((x) => x.name)) });
      // One keyword per field: a value of many parts is no key. A @pii one is stored as the
      // keyed hash of its text (src/workflows/pii.ts): a number or a yes/no would never be indexed.
      else if (!ONE_VALUE.has(f.type.t)) sink.add('check/index-type', ix.range, { name: ix.name, type: f.type.t });
      else if (f.pii && !TEXT.has(f.type.t)) sink.add('check/pii-index-type', ix.range, { name: ix.name, type: f.type.t });
    }
    checkOwner(p.owners, input, sink);
    if (p.calendar) {
      // A misspelled calendar is reported once, here; business durations are not reported again.
      this.hasCalendar = true;
      if (!this.calendars.has(p.calendar.name)) sink.add('check/unknown-calendar', p.calendar.range, { name: p.calendar.name, suggestion: didYouMean(p.calendar.name, this.calendars.keys()) });
    }
    this.collectNames(p.steps);
    const top = new Bindings();
    top.set('input', record(input));
    this.block(p.steps, { bound: top });
  }

  /** Records every binding in the process, and reports chosen names used twice. */
  private collectNames(steps: A.Step[]): void {
    for (const s of steps) {
      const name = chosenName(s);
      if (name) {
        if (this.chosen.has(name.name)) {
          const isBinding = 'bind' in s && s.bind === name;
          this.sink.add(isBinding ? 'check/duplicate-variable' : 'check/duplicate-step', name.range, isBinding ? { name: name.name } : { id: name.name });
        } else this.chosen.set(name.name, name);
      }
      for (const n of bindingsOf(s)) this.everywhere.add(n);
      childBlocks(s).forEach((b) => this.collectNames(b));
    }
  }

  protected step(s: A.Step, flow: Flow): Flow {
    switch (s.kind) {
      case 'CallStep': {
        const output = checkInvocation(this.site(flow), this.ctx.catalog, s.call, 'check/unknown-activity');
        if (s.timeout) {
          if (s.timeout.kind !== 'Duration') this.exprs.mismatch(s.timeout, 'a duration such as 30s', this.expr(s.timeout, flow), 'a timeout');
        }
        if (s.retry) {
          if (s.retry.attempts < 1) this.sink.add('check/invalid-retry', s.retry.range, { problem: 'at least 1 attempt' });
          if (s.retry.backoff !== undefined && s.retry.backoff < 1) this.sink.add('check/invalid-retry', s.retry.range, { problem: 'backoff must be 1 or more' });
        }
        const after = this.bindHere(flow, s.bind, output);
        if (s.compensate) checkInvocation(this.site(after), this.ctx.catalog, s.compensate, 'check/unknown-compensation');
        return after;
      }
      case 'CallProcessStep': {
        const child = this.ctx.processes.get(s.process.name);
        if (!child) {
          this.sink.add('check/unknown-process', s.process.range, { name: s.process.name, suggestion: didYouMean(s.process.name, this.ctx.processes.keys()) });
          s.args.forEach((a) => this.expr(a.value, flow));
          return this.bindHere(flow, s.bind, ANY);
        }
        checkArgs(this.site(flow), `process ${s.process.name}`, s.process.range, s.args, child.input);
        return this.bindHere(flow, s.bind, record(child.output));
      }
      case 'WaitStep': {
        if (!s.within) this.sink.add('check/wait-without-within', s.range, {});
        else this.expect(s.within, flow, DURATION, "the time after 'within'");
        let payload: TypeRef = ANY;
        if (s.trigger.type === 'message') {
          payload = checkMessageWait(this.site(flow), this.ctx.catalog, s.trigger.name, s.trigger.correlate);
        } else {
          const why = reservedHandlerName(s.trigger.name.name);
          if (why) this.sink.add('check/reserved-handler-name', s.trigger.name.range, { name: s.trigger.name.name, type: s.trigger.type, why });
          if (s.trigger.payload) payload = record(resolveFields(s.trigger.payload, this.sink));
        }
        const escalationSteps = s.escalations.map((e) => e.steps);
        const assigned = this.nullsAssignedBy(flow, escalationSteps);
        const escalated = s.escalations.map((esc, i) => {
          this.expect(esc.after, flow, DURATION, "the time after 'escalate after'");
          const beside = escalationSteps.filter((_, j) => j !== i);
          return this.block(esc.steps, this.notKnowing(flow, beside, true, ProcessChecker.others(assigned, i), esc.steps));
        });
        // The escalations have run by the timeout, and what they bound anew holds there.
        const timeout = s.onTimeout && this.block(s.onTimeout, this.notKnowing(flow, escalationSteps, false, ProcessChecker.others(assigned, -1), s.onTimeout));
        // After the wait, the escalations may have run, or not, and the timeout path may go on.
        const goesOn = timeout && !timeout.terminator ? timeout : undefined;
        this.joinNullable(flow.bound, s, [flow, ...escalated, ...(goesOn ? [goesOn] : [])]);
        // If the timeout path can fall through, the binding is not certain afterwards; what
        // the timeout path binds is, when the wait binds it too (wait x = …, set x = … there).
        if (!goesOn) return this.bindHere(flow, s.bind, payload);
        if (s.bind && goesOn.bound.get(s.bind.name)) {
          // The payload, or what the timeout branch set it to.
          flow.bound.set(s.bind.name, withOptionalFrom(payload, goesOn.bound.get(s.bind.name), true));
          if (this.nullsHeld) flow.bound.setNullable(s.bind.name, !presentIn(goesOn.bound, s.bind.name));
        }
        return flow;
      }
      case 'SleepStep':
        this.expect(s.value, flow, s.until ? TIME : DURATION, s.until ? "the time after 'sleep until'" : "the time after 'sleep'");
        return flow;
      case 'IfStep': {
        // Each way through, with the paths its conditions show present (`x != null` held, or
        // `x == null` did not): a branch knows its own condition held and the earlier ones did not.
        const ways: Array<{ present: string[]; out: Flow }> = [];
        const earlierFailed: string[] = [];
        for (const b of s.branches) {
          this.expect(b.when, flow, { t: 'bool' }, "the condition after 'if'");
          const present = [...earlierFailed, ...presentWhen(b.when, true)];
          ways.push({ present, out: this.block(b.steps, this.assuming(flow, present)) });
          earlierFailed.push(...presentWhen(b.when, false));
        }
        ways.push({ present: earlierFailed, out: s.otherwise ? this.block(s.otherwise, this.assuming(flow, earlierFailed)) : flow });
        const after = merge(flow, ways.map((w) => w.out));
        const on = ways.filter((w) => !w.out.terminator);
        this.joinNullable(after.bound, s, on.map((w) => ({ bound: w.out.bound, present: w.present })));
        // After the step, what every way that goes on knows (`if x == null { fail … }` leaves x
        // present), unless a branch binds its name anew.
        if (on.length && !after.terminator && on[0]!.present.length) {
          this.presenceKnown = true;
          const rebound = namesBoundIn([s]);
          for (const path of on[0]!.present) {
            if (!rootsOf(path).some((r) => rebound.has(r)) && on.every((w) => w.present.includes(path))) after.bound.assumePresent(path);
          }
        }
        return after;
      }
      case 'MatchStep': {
        this.expr(s.subject, flow);
        const outs = s.cases.map((c) => {
          c.values.forEach((v) => this.expr(v, flow));
          return this.block(c.steps, flow);
        });
        outs.push(s.otherwise ? this.block(s.otherwise, flow) : flow);
        const after = merge(flow, outs);
        this.joinNullable(after.bound, s, outs.filter((o) => !o.terminator));
        return after;
      }
      case 'ParallelStep': {
        const owners = new Map<string, true>();
        const assigned = this.nullsAssignedBy(flow, s.branches.map((b) => b.steps));
        const outs = s.branches.map((b, i) => {
          const beside = s.branches.filter((c) => c !== b).map((c) => c.steps);
          const out = this.block(b.steps, this.notKnowing(flow, beside, true, ProcessChecker.others(assigned, i), b.steps));
          // In `all`, branches run to the end side by side, so one name bound by two would race;
          // in `first`, only the winner's bindings are kept, so binding the same name is the point.
          // (Not in a trial run, whose diagnostics are dropped: it walks all the branch binds.)
          if (s.mode === 'all' && this.trialDepth === 0) {
            for (const name of b.steps.flatMap(deepBindings)) if (owners.has(name.name)) this.sink.add('check/parallel-binding-conflict', name.range, { name: name.name });
            for (const name of namesBoundIn(b.steps)) owners.set(name, true);
          }
          return out;
        });
        if (s.mode === 'first') {
          flow.bound.absorbCommon(outs.map((o) => o.bound));
          this.joinNullable(flow.bound, s, outs);
          return { bound: flow.bound };
        }
        for (const o of outs) flow.bound.absorb(o.bound);
        this.joinNullable(flow.bound, s, outs);
        return { bound: flow.bound, terminator: outs.every((o) => o.terminator) ? outs[0]!.terminator : undefined };
      }
      case 'ForEachStep': {
        const list = this.expr(s.list, flow);
        if (list.t !== 'any' && list.t !== 'list') this.exprs.mismatch(s.list, 'a list', list, "what follows 'in'");
        const enter = (f: Flow): Flow => {
          const inner = f.bound.child();
          inner.set(s.item.name, list.t === 'list' ? list.of : ANY);
          inner.forget(s.item.name); // the item hides an outer name of its own name
          // An item of a list written out may be what one of its values may be.
          const nullable = s.list.kind === 'List' && s.list.items.some((v) => this.exprs.mayBeMissing(v, this.scope(f)));
          if (nullable) this.nullsHeld = true;
          if (this.nullsHeld) inner.setNullable(s.item.name, nullable);
          return { bound: inner };
        };
        const body = this.block(s.steps, enter(this.loopEntry(flow, s.steps, enter)));
        // The loop may run no time, or some.
        this.joinNullable(flow.bound, s, [flow, body]);
        return flow;
      }
      case 'RepeatStep': {
        if (s.max < 1) this.sink.add('check/empty-repeat', s.range, {});
        const body = this.block(s.steps, this.loopEntry(flow, s.steps, (f) => f));
        if (s.until) this.expect(s.until, body, { t: 'bool' }, "the condition after 'until'");
        flow.bound.absorb(body.bound);
        this.joinNullable(flow.bound, s, [body]);
        return { bound: flow.bound };
      }
      case 'SetStep': {
        const t = this.expr(s.value, flow);
        const before = flow.bound.get(s.name.name);
        if (s.name.name === 'input') this.sink.add('check/duplicate-variable', s.name.range, { name: 'input' });
        if (before && before.t !== 'any' && t.t !== 'any' && !assignable(before, t)) this.exprs.mismatch(s.value, describeType(before), t, `the new value of '${s.name.name}'`);
        // The type it was first given stays, with its fields optional as the new value's are.
        const type = before && before.t !== 'any' ? withOptionalFrom(before, t) : t;
        if (type.t === 'record') this.nullsHeld = true; // its fields' optionality is followed from here on
        return this.bindHere(flow, s.name, type, this.exprs.mayBeMissing(s.value, this.scope(flow)) !== undefined);
      }
      case 'EscalateStep':
        this.expect(s.level, flow, STRING, "the level after 'escalate to'");
        {
          const missing = this.exprs.mayBeMissing(s.level, this.scope(flow));
          if (missing) this.sink.add('check/may-be-missing', s.level.range, { activity: "'escalate to'", name: 'level', ...missing });
        }
        return flow;
      case 'FailStep':
        if (s.message) this.expr(s.message, flow);
        return { ...flow, terminator: `fail "${s.code}"` };
      case 'EndStep': {
        const required = this.output.filter((f) => !f.optional).map((f) => f.name);
        if (s.output?.kind === 'Record' && this.output.length) {
          // A record written out: each field against its declaration, the caret on its value.
          for (const f of s.output.fields) {
            const declared = this.output.find((d) => d.name === f.name.name);
            if (declared) this.expect(f.value, flow, declared.type, `output '${f.name.name}'`);
            else {
              this.expr(f.value, flow);
              const names = this.output.map((d) => d.name);
              this.sink.add('check/unknown-output-field', f.name.range, { outcome: s.outcome, name: f.name.name, suggestion: didYouMean(f.name.name, names), fields: names });
            }
          }
          const given = new Set(s.output.fields.map((f) => f.name.name));
          const missing = required.filter((n) => !given.has(n));
          if (missing.length) this.sink.add('check/missing-output', s.output.range, { outcome: s.outcome, fields: missing });
        } else if (s.output) {
          if (this.output.length) {
            const t = this.expr(s.output, flow);
            const want = record(this.output);
            if (!assignable(want, t)) this.exprs.mismatch(s.output, describeType(want), t, `the output of end "${s.outcome}"`);
            else if (t.t === 'record') {
              // A record whose fields are known: none beyond the declared output.
              const names = this.output.map((d) => d.name);
              const extra = t.fields.find((f) => !names.includes(f.name));
              if (extra) this.sink.add('check/unknown-output-field', s.output.range, { outcome: s.outcome, name: extra.name, suggestion: didYouMean(extra.name, names), fields: names });
            }
          } else this.expr(s.output, flow);
        } else if (required.length) this.sink.add('check/missing-output', s.range, { outcome: s.outcome, fields: required });
        return { ...flow, terminator: `end "${s.outcome}"` };
      }
      default:
        return assertNever(s);
    }
  }
}

/**
 * Names a step binds for the steps after it. A `for each` item is not one: it exists only in
 * its loop (where it is always bound), so elsewhere it is undefined, not "used too early".
 */
function bindingsOf(s: A.Step): string[] {
  const out: string[] = [];
  if ('bind' in s && s.bind) out.push(s.bind.name);
  if (s.kind === 'SetStep') out.push(s.name.name);
  return out;
}
