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
import { ExprChecker, presentIn, withOptionalFrom, type Scope } from './check-expr.js';
import { checkArgs, checkInvocation, checkMessageWait, type CallSite } from './check-calls.js';
import type { CatalogIndex } from './catalog.js';
import { childBlocks, chosenName } from './ids.js';
import { deepBindings, namesBoundIn, setsAnything } from './step-facts.js';
import { reservedHandlerName } from './handler-names.js';
import { checkCalendar, resolveFields } from './check-types.js';
import { checkOwner } from './check-owner.js';
import { Bindings, presentWhen, rootsOf } from './check-bindings.js';

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

interface Flow {
  bound: Bindings;
  /** The step that ends every path through the block (end/fail), if any. */
  terminator?: string;
}

class ProcessChecker {
  private exprs: ExprChecker;
  private readonly everywhere = new Set<string>();
  private readonly chosen = new Map<string, A.Name>();
  private hasCalendar = false;
  /** Set once some condition showed a path present: until then no step needs to forget any. */
  private presenceKnown = false;
  /** Set once a name was bound to what may be null: until then no step needs to track any. */
  private nullsHeld = false;
  /** While set: the names bound to what may be null (a trial run of blocks that run alongside). */
  private nullAssigned?: Set<string>;
  /** How many trial runs of loop bodies enclose the one being checked (nested loops: bounded). */
  private trialDepth = 0;
  /** The declared output: what every `end … with { … }` must give. */
  private output: Field[] = [];

  constructor(
    private readonly p: A.ProcessNode,
    private readonly ctx: CheckContext,
    private readonly calendars: ReadonlyMap<string, A.CalendarNode>,
    private sink: DiagnosticSink,
  ) {
    this.exprs = new ExprChecker(sink);
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
      // One keyword per field (a @pii one as its keyed hash): a value of many parts is no key.
      else if (f.type.t === 'record' || f.type.t === 'list') sink.add('check/index-type', ix.range, { name: ix.name, type: f.type.t });
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

  private scope(flow: Flow): Scope {
    return { bound: flow.bound, everywhere: this.everywhere, hasCalendar: this.hasCalendar };
  }

  private block(steps: A.Step[], flow: Flow): Flow {
    let current: Flow = { bound: flow.bound.child() };
    let reported = false;
    for (const s of steps) {
      if (current.terminator && !reported) {
        this.sink.add('check/unreachable-step', s.range, { after: current.terminator });
        reported = true;
      }
      const next = this.step(s, current);
      // What was known present of a name the step binds anew (anywhere inside it) no longer holds.
      if (this.presenceKnown) for (const n of namesBoundIn([s])) next.bound.forget(n);
      current = { bound: next.bound, terminator: current.terminator ?? next.terminator };
    }
    return current;
  }

  /**
   * `flow`, for a block that may run again after `others` bind names anew (a loop's next round),
   * or while they do (`alongside`: a parallel branch, an escalation): what was known present of
   * those names' fields is not known there (alongside, nothing tested there holds either); a
   * name itself keeps whether it may be null, or may be so if `assignedNull` (what the others
   * may set it to) says so.
   */
  private notKnowing(flow: Flow, others: A.Step[][], alongside = false, assignedNull?: ReadonlySet<string>, own: A.Step[] = []): Flow {
    if (!this.presenceKnown && !this.nullsHeld && !alongside) return flow;
    // A trial run only finds what a block may set to null, and it goes as if nothing beside it
    // did: this walks all that the others bind, and trial runs visit a block once per level
    // enclosing it, so deep nesting would cost its cube.
    if (this.trialDepth > 0) return flow;
    const names = namesBoundIn(others.flat());
    if (!names.size) return flow;
    // Only names the block can see matter: bound before it, or bound by the block itself (the
    // others' new names are not bound in it). Deep nesting binds many of the latter.
    const ownNames = namesBoundIn(own);
    const bound = flow.bound.child();
    for (const n of names) {
      if (!ownNames.has(n) && flow.bound.get(n) === undefined) continue;
      const nullable = assignedNull?.has(n) || !presentIn(flow.bound, n);
      bound.forget(n, alongside);
      if (nullable) this.nullsHeld = true;
      if (this.nullsHeld) bound.setNullable(n, nullable);
    }
    return { bound };
  }

  /** For each block: the names it may set to what may be null, found by a trial run (blocks that set nothing are not run). */
  private nullsAssignedBy(flow: Flow, blocks: A.Step[][]): Array<ReadonlySet<string>> {
    return blocks.map((steps) => {
      // Trial runs inside trial runs go two levels deep, as loops' do (loopEntry): each level
      // checks what it encloses twice, so unbounded, n nested parallels took 2ⁿ (24: 54 s).
      if (!steps.some(setsAnything) || this.trialDepth >= MAX_TRIAL_DEPTH) return new Set<string>();
      const outer = this.nullAssigned;
      const mine = new Set<string>();
      this.nullAssigned = mine;
      this.trialDepth++;
      try {
        this.quietly(() => this.block(steps, flow));
      } finally {
        this.trialDepth--;
        this.nullAssigned = outer;
        for (const n of mine) outer?.add(n);
      }
      return mine;
    });
  }

  /** What the blocks other than the `i`-th (all of them for -1) may set to what may be null. */
  private static others(assigned: Array<ReadonlySet<string>>, i: number): Set<string> {
    return new Set(assigned.flatMap((a, j) => (j === i ? [] : [...a])));
  }

  /**
   * A loop body's way in: the first round starts from `flow`, the next ones where the round
   * before ended, so what a step of the body sets to what may be null may be so at its start
   * (`repeat { call a(id: x) … set x = input.note }`). A body that sets anything is checked
   * quietly first, round after round, until its start no longer changes (two levels of loops
   * deep; further in, a loop's next rounds start as its first).
   */
  private loopEntry(flow: Flow, steps: A.Step[], enter: (f: Flow) => Flow): Flow {
    let entry = this.notKnowing(flow, [steps], false, undefined, steps);
    if (!steps.some(setsAnything) || this.trialDepth >= MAX_TRIAL_DEPTH) return entry;
    if (entry === flow) entry = { bound: flow.bound.child() };
    const names = [...namesBoundIn(steps)].filter((n) => flow.bound.get(n));
    for (let round = 0; round < 8; round++) {
      this.trialDepth++;
      let end: Flow;
      try {
        end = this.quietly(() => this.block(steps, enter(entry)));
      } finally {
        this.trialDepth--;
      }
      let changed = false;
      for (const n of names) {
        if (!presentIn(end.bound, n) && presentIn(entry.bound, n)) {
          this.nullsHeld = true;
          entry.bound.setNullable(n, true);
          changed = true;
        }
        const before = entry.bound.get(n)!;
        const type = withOptionalFrom(before, end.bound.get(n), true);
        if (type !== before) {
          entry.bound.set(n, type);
          changed = true;
        }
      }
      if (!changed) break;
    }
    return entry;
  }

  /** Runs `check` with its diagnostics dropped (a trial run of a block). */
  private quietly<T>(check: () => T): T {
    const [sink, exprs] = [this.sink, this.exprs];
    this.sink = new DiagnosticSink(sink.file);
    this.exprs = new ExprChecker(this.sink);
    try {
      return check();
    } finally {
      [this.sink, this.exprs] = [sink, exprs];
    }
  }

  /** `flow`, where `paths` are also known present (a branch whose condition tested them). */
  private assuming(flow: Flow, paths: string[]): Flow {
    if (!paths.length) return flow;
    this.presenceKnown = true;
    const bound = flow.bound.child();
    for (const p of paths) bound.assumePresent(p);
    return { bound };
  }

  private expr(e: A.Expr, flow: Flow): TypeRef {
    return this.exprs.typeOf(e, this.scope(flow));
  }

  private expect(e: A.Expr, flow: Flow, want: TypeRef, where: string): void {
    const t = this.expr(e, flow);
    if (!assignable(want, t)) this.exprs.mismatch(e, describeType(want), t, where);
  }

  /**
   * Binds in place, for a step whose binding is the last thing it does: the bindings belong to
   * the enclosing block (block() makes its own), so nothing else sees the change. Copying on
   * every `set` or `call … as` made a block of n bindings cost n² (40,000 steps: a minute).
   */
  private bindHere(flow: Flow, name: A.Name | undefined, type: TypeRef, nullable = false): Flow {
    if (name) {
      flow.bound.set(name.name, type);
      if (nullable) {
        this.nullsHeld = true;
        this.nullAssigned?.add(name.name);
      }
      if (this.nullsHeld) flow.bound.setNullable(name.name, nullable);
    }
    return flow;
  }

  /**
   * After a step with several ways through it (`ways`: where each way that goes on ends), a
   * name it binds may hold null if it may on any of them.
   */
  private joinNullable(target: Bindings, s: A.Step, ways: Array<{ bound: Bindings; present?: readonly string[] }>): void {
    // Only `set` binds a name anew (a second `call … as x` or `wait x` is check/duplicate-variable),
    // and it sets nullsHeld for what may be null and for records.
    if (!this.nullsHeld) return;
    // A name is not null on a way that binds it to a value, or whose condition tested it.
    for (const name of namesBoundIn([s])) {
      target.setNullable(name, ways.some((w) => !presentIn(w.bound, name) && !w.present?.includes(name)));
      // A record's field is optional after the step if it is on any way (`set r = { id: null }` in one branch).
      const here = target.get(name);
      if (here?.t !== 'record') continue;
      let joined: TypeRef = here;
      for (const w of ways) {
        const there = w.bound.get(name);
        if (there !== here) joined = withOptionalFrom(joined, there, true);
      }
      if (joined !== here) target.set(name, joined);
    }
  }

  private step(s: A.Step, flow: Flow): Flow {
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

  /** Where a call or wait in `flow` is checked (check-calls.ts). */
  private site(flow: Flow): CallSite {
    return { sink: this.sink, exprs: this.exprs, scope: this.scope(flow) };
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

/**
 * How many trial runs may enclose one another (loop rounds, blocks that run alongside). Past it,
 * a block is checked once, as if nothing beside it or before it set a name to null: each level
 * checks what it encloses more than once, so the cost is the nesting's size times this power.
 */
const MAX_TRIAL_DEPTH = 1;

/**
 * After branches (blocks inside `flow`'s, or `flow` itself for a missing else): bound where
 * every branch that falls through binds it. When none falls through, neither does the step.
 */
function merge(flow: Flow, outs: Flow[]): Flow {
  const through = outs.filter((o) => !o.terminator);
  flow.bound.absorbCommon((through.length ? through : outs).map((o) => o.bound));
  return through.length ? { bound: flow.bound } : { bound: flow.bound, terminator: outs[0]?.terminator };
}
