/**
 * Stable step ids. A step is named by its label (`book: call …`), else by its result binding
 * (`… as slot`), else by what it does (`crm.lookupCustomer`, `wait:emailReply`), with `#2`, `#3` for
 * later steps of the same kind. Adding a step elsewhere therefore does not rename this one:
 * the ids are idempotency keys and the labels operators see in the Temporal Web UI.
 */
import type * as A from './ast.js';
import { assertNever } from './ast.js';

export function derivedName(step: A.Step): string {
  switch (step.kind) {
    case 'CallStep':
      return step.call.activity.name;
    case 'CallProcessStep':
      return `process:${step.process.name}`;
    case 'WaitStep':
      return `wait:${step.trigger.name.name}`;
    case 'SleepStep':
      return 'sleep';
    case 'IfStep':
      return 'if';
    case 'MatchStep':
      return 'match';
    case 'ParallelStep':
      return `parallel-${step.mode}`;
    case 'ForEachStep':
      return `for-each:${step.item.name}`;
    case 'RepeatStep':
      return 'repeat';
    case 'SetStep':
      return `set:${step.name.name}`;
    case 'EscalateStep':
      return 'escalate';
    case 'FailStep':
      return `fail:${step.code}`;
    case 'EndStep':
      return `end:${step.outcome}`;
    default:
      return assertNever(step);
  }
}

/** The name a step chose for itself (label, else binding), if any. */
export function chosenName(step: A.Step): A.Name | undefined {
  if (step.label) return step.label;
  if ('bind' in step && step.bind) return step.bind;
  return undefined;
}

/** Every step nested in `step` (blocks, branches, escalations, timeouts), in source order. */
export function childBlocks(step: A.Step): A.Step[][] {
  switch (step.kind) {
    case 'WaitStep':
      return [...step.escalations.map((e) => e.steps), ...(step.onTimeout ? [step.onTimeout] : [])];
    case 'IfStep':
      return [...step.branches.map((b) => b.steps), ...(step.otherwise ? [step.otherwise] : [])];
    case 'MatchStep':
      return [...step.cases.map((c) => c.steps), ...(step.otherwise ? [step.otherwise] : [])];
    case 'ParallelStep':
      return step.branches.map((b) => b.steps);
    case 'ForEachStep':
    case 'RepeatStep':
      return [step.steps];
    default:
      return [];
  }
}

/** Assigns every step of a process its id. Duplicate chosen names are the checker's to report. */
export function assignIds(steps: A.Step[]): Map<A.Step, string> {
  const ids = new Map<A.Step, string>();
  const used = new Set<string>();
  const counts = new Map<string, number>();
  const chosen = new Set<string>();
  const collect = (list: A.Step[]) => {
    for (const s of list) {
      const c = chosenName(s);
      if (c) chosen.add(c.name);
      childBlocks(s).forEach(collect);
    }
  };
  collect(steps);
  const walk = (list: A.Step[]) => {
    for (const s of list) {
      const c = chosenName(s);
      let id: string;
      if (c) {
        id = used.has(c.name) ? `${c.name}#${(counts.get(c.name) ?? 1) + 1}` : c.name;
        counts.set(c.name, (counts.get(c.name) ?? 1) + (used.has(c.name) ? 1 : 0));
      } else {
        const base = derivedName(s);
        let n = counts.get(base) ?? 0;
        do {
          n++;
          id = n === 1 ? base : `${base}#${n}`;
        } while (used.has(id) || (n > 1 && chosen.has(id)));
        counts.set(base, n);
      }
      used.add(id);
      ids.set(s, id);
      childBlocks(s).forEach(walk);
    }
  };
  walk(steps);
  return ids;
}
