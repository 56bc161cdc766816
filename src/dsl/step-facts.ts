/**
 * What is known of a step from its text alone (the names it binds, whether it sets any), found
 * once per step and remembered: the checker asks at every level of nesting, and walking the
 * step anew each time made deep nesting cost its square.
 */
import type * as A from './ast.js';
import { childBlocks } from './ids.js';

interface StepFacts {
  /** A `set` is in it, or is it. */
  sets: boolean;
  /** The bindings it makes visible after it (not loop items, which stay inside). */
  bindings: A.Name[];
  names: ReadonlySet<string>;
}
const stepFacts = new WeakMap<A.Step, StepFacts>();

function factsOf(s: A.Step): StepFacts {
  let facts = stepFacts.get(s);
  if (facts) return facts;
  const bindings: A.Name[] = [];
  if ('bind' in s && s.bind) bindings.push(s.bind);
  if (s.kind === 'SetStep') bindings.push(s.name);
  let sets = s.kind === 'SetStep';
  for (const block of childBlocks(s)) {
    for (const inner of block) {
      const f = factsOf(inner);
      sets ||= f.sets;
      for (const b of f.bindings) bindings.push(b);
    }
  }
  facts = { sets, bindings, names: new Set(bindings.map((n) => n.name)) };
  stepFacts.set(s, facts);
  return facts;
}

/** Whether a step, or one inside it, is a `set`. */
export function setsAnything(s: A.Step): boolean {
  return factsOf(s).sets;
}

/** The names `steps` bind, anywhere inside them (not loop items). Not to be changed: it may be a step's own. */
export function namesBoundIn(steps: A.Step[]): ReadonlySet<string> {
  if (steps.length === 1) return factsOf(steps[0]!).names;
  const out = new Set<string>();
  for (const s of steps) for (const n of factsOf(s).names) out.add(n);
  return out;
}

/** Bindings a branch makes visible after it (not loop items, which stay inside). */
export function deepBindings(s: A.Step): A.Name[] {
  return factsOf(s).bindings;
}
