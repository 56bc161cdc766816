/**
 * Walking the steps of a process: the blocks nested in a step, every step in order, and the
 * child processes a process may call. Pure; used by the engine, the worker and the tools.
 */
import type { Step } from './schema.js';

/** The blocks directly inside a step (branches, loop bodies, timeout and escalation handlers). */
export function nestedBlocks(s: Step): Step[][] {
  switch (s.kind) {
    case 'wait':
      return [s.onTimeout, ...s.escalations.map((e) => e.steps)];
    case 'if':
      return [...s.branches.map((b) => b.steps), s.otherwise];
    case 'match':
      return [...s.cases.map((c) => c.steps), s.otherwise];
    case 'parallel':
      return s.branches.map((b) => b.steps);
    case 'forEach':
    case 'repeat':
      return [s.steps];
    default:
      return [];
  }
}

/** Every step, depth first, in source order. */
export function* allSteps(steps: Step[]): Generator<Step> {
  for (const s of steps) {
    yield s;
    for (const block of nestedBlocks(s)) yield* allSteps(block);
  }
}

/** The names of the processes `steps` call directly. */
export function childProcessNames(steps: Step[]): Set<string> {
  const out = new Set<string>();
  for (const s of allSteps(steps)) if (s.kind === 'callProcess') out.add(s.process);
  return out;
}

/** The definitions a process may call, transitively, looked up by `find`. */
export function reachableChildren<T extends { steps: Step[] }>(root: T, find: (name: string) => T): Record<string, T> {
  // A Map while collecting, so a name is never looked up through Object.prototype; the result's
  // keys are own data properties (fromEntries defines them, even one named __proto__).
  const out = new Map<string, T>();
  const todo = [...childProcessNames(root.steps)];
  while (todo.length) {
    const name = todo.pop()!;
    if (out.has(name)) continue;
    const child = find(name);
    out.set(name, child);
    todo.push(...childProcessNames(child.steps));
  }
  return Object.fromEntries(out);
}
