/**
 * The checker's flow analysis (check.ts checks each step on top of it): blocks and what they
 * bind, definite assignment after branches and loops, what may be null where, trial runs of
 * blocks that may run again or alongside (bounded in depth), and the scope an expression or a
 * call is checked in.
 */
import type * as A from './ast.js';
import type { TypeRef } from '../ir/schema.js';
import { assignable, describeType } from '../ir/types.js';
import { DiagnosticSink } from './diagnostics.js';
import { ExprChecker, presentIn, withOptionalFrom, type Scope } from './check-expr.js';
import type { CallSite } from './check-calls.js';
import { namesBoundIn, setsAnything } from './step-facts.js';
import type { Bindings } from './check-bindings.js';

export interface Flow {
  bound: Bindings;
  /** The step that ends every path through the block (end/fail), if any. */
  terminator?: string;
}

export abstract class FlowChecker {
  protected exprs: ExprChecker;
  protected readonly everywhere = new Set<string>();
  protected hasCalendar = false;
  /** Set once some condition showed a path present: until then no step needs to forget any. */
  protected presenceKnown = false;
  /** Set once a name was bound to what may be null: until then no step needs to track any. */
  protected nullsHeld = false;
  /** While set: the names bound to what may be null (a trial run of blocks that run alongside). */
  protected nullAssigned?: Set<string>;
  /** How many trial runs of loop bodies enclose the one being checked (nested loops: bounded). */
  protected trialDepth = 0;

  constructor(protected sink: DiagnosticSink) {
    this.exprs = new ExprChecker(sink);
  }

  /** What a step gives the steps after it (check.ts). */
  protected abstract step(s: A.Step, flow: Flow): Flow;

  protected scope(flow: Flow): Scope {
    return { bound: flow.bound, everywhere: this.everywhere, hasCalendar: this.hasCalendar };
  }

  protected block(steps: A.Step[], flow: Flow): Flow {
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
  protected notKnowing(flow: Flow, others: A.Step[][], alongside = false, assignedNull?: ReadonlySet<string>, own: A.Step[] = []): Flow {
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
  protected nullsAssignedBy(flow: Flow, blocks: A.Step[][]): Array<ReadonlySet<string>> {
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
  protected static others(assigned: Array<ReadonlySet<string>>, i: number): Set<string> {
    return new Set(assigned.flatMap((a, j) => (j === i ? [] : [...a])));
  }

  /**
   * A loop body's way in: the first round starts from `flow`, the next ones where the round
   * before ended, so what a step of the body sets to what may be null may be so at its start
   * (`repeat { call a(id: x) … set x = input.note }`). A body that sets anything is checked
   * quietly first, round after round, until its start no longer changes (two levels of loops
   * deep; further in, a loop's next rounds start as its first).
   */
  protected loopEntry(flow: Flow, steps: A.Step[], enter: (f: Flow) => Flow): Flow {
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
  protected quietly<T>(check: () => T): T {
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
  protected assuming(flow: Flow, paths: string[]): Flow {
    if (!paths.length) return flow;
    this.presenceKnown = true;
    const bound = flow.bound.child();
    for (const p of paths) bound.assumePresent(p);
    return { bound };
  }

  protected expr(e: A.Expr, flow: Flow): TypeRef {
    return this.exprs.typeOf(e, this.scope(flow));
  }

  protected expect(e: A.Expr, flow: Flow, want: TypeRef, where: string): void {
    const t = this.expr(e, flow);
    if (!assignable(want, t)) this.exprs.mismatch(e, describeType(want), t, where);
  }

  /**
   * Binds in place, for a step whose binding is the last thing it does: the bindings belong to
   * the enclosing block (block() makes its own), so nothing else sees the change. Copying on
   * every `set` or `call … as` made a block of n bindings cost n² (40,000 steps: a minute).
   */
  protected bindHere(flow: Flow, name: A.Name | undefined, type: TypeRef, nullable = false): Flow {
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
  protected joinNullable(target: Bindings, s: A.Step, ways: Array<{ bound: Bindings; present?: readonly string[] }>): void {
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

  /** Where a call or wait in `flow` is checked (check-calls.ts). */
  protected site(flow: Flow): CallSite {
    return { sink: this.sink, exprs: this.exprs, scope: this.scope(flow) };
  }
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
export function merge(flow: Flow, outs: Flow[]): Flow {
  const through = outs.filter((o) => !o.terminator);
  flow.bound.absorbCommon((through.length ? through : outs).map((o) => o.bound));
  return through.length ? { bound: flow.bound } : { bound: flow.bound, terminator: outs[0]?.terminator };
}
