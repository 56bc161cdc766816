/**
 * A worker's implementations of declared systems: `{ crm: { lookupCustomer: async (input, meta) => … } }`,
 * checked against the catalog at start (every declared operation of an implemented system, and
 * nothing else), and served as the activities `<system>.<operation>` on the system's declared
 * task queue (none declared: the worker's own). Each activity checks its input and output
 * against the declaration, as the workflow's callers and the process's readers expect them.
 */
import { ApplicationFailure } from '@temporalio/common';
import { describeProblems, validateFields, validateValue } from '../ir/validate.js';
import type { ActivityMeta } from '../workflows/run-process.js';
import type { Catalog, OperationSpec } from '../dsl/catalog.js';
import { SvcflowError } from './errors.js';

export type { ActivityMeta };

/** One operation's implementation: the input record and the meta, both plain JSON (see the README). */
export type Implementation = (input: never, meta: ActivityMeta) => Promise<unknown>;
/** By system, then by operation, as the catalog declares them. */
export type Implementations = { [system: string]: { [operation: string]: Implementation } };

/** Implementations that do not match the catalog: what is missing, what is not declared. */
export class ImplementationError extends SvcflowError {
  constructor(
    readonly missing: string[],
    readonly undeclared: string[],
  ) {
    const parts = [
      ...(missing.length ? [`missing (declared, not implemented): ${missing.join(', ')}`] : []),
      ...(undeclared.length ? [`not declared in the catalog: ${undeclared.join(', ')}`] : []),
    ];
    super('engine/invalid-implementation', `the implementations do not match the catalog: ${parts.join('; ')}`);
  }
}

/** Activities by name, as Temporal's Worker takes them. */
export type Activities = Record<string, unknown>;

/** The activity of one operation: its input and output checked against the declaration. */
function served(name: string, op: OperationSpec, impl: Implementation): (input: unknown, meta: ActivityMeta) => Promise<unknown> {
  return async (input, meta) => {
    const bad = validateFields(op.input, input);
    if (bad.length) throw ApplicationFailure.create({ type: 'svcflow/invalid-input', nonRetryable: true, message: `${name}: ${describeProblems(bad.slice(0, 5))}` });
    const output = await impl(input as never, meta);
    const wrong = validateValue(op.output, output);
    if (wrong.length) throw ApplicationFailure.create({ type: 'svcflow/invalid-output', nonRetryable: true, message: `${name} returned ${describeProblems(wrong.slice(0, 5))}` });
    return output;
  };
}

/**
 * The activities each task queue serves: the implemented systems' operations on their declared
 * queues (or `mainQueue`), and the raw `activities` on `mainQueue`. Throws ImplementationError
 * on an undeclared system or operation, a declared operation left out, or a name served twice.
 */
export function activitiesByQueue(catalog: Catalog, implementations: Implementations, mainQueue: string, raw: object = {}): Map<string, Activities> {
  const systems = new Map(catalog.systems.map((s) => [s.name, s]));
  const missing: string[] = [];
  const undeclared: string[] = [];
  const queues = new Map<string, Activities>([[mainQueue, { ...(raw as Activities) }]]);
  for (const [system, ops] of Object.entries(implementations)) {
    const spec = systems.get(system);
    if (!spec) {
      undeclared.push(`system ${system}`);
      continue;
    }
    const given = new Map(Object.entries(ops ?? {}));
    const queue = spec.taskQueue ?? mainQueue;
    if (!queues.has(queue)) queues.set(queue, {});
    const into = queues.get(queue)!;
    for (const op of spec.operations) {
      const name = `${system}.${op.name}`;
      const impl = given.get(op.name);
      given.delete(op.name);
      if (typeof impl !== 'function') missing.push(name);
      else if (Object.hasOwn(raw, name)) undeclared.push(`${name} (also given as a raw activity)`);
      else into[name] = served(name, op, impl);
    }
    for (const extra of given.keys()) undeclared.push(`${system}.${extra}`);
  }
  if (missing.length || undeclared.length) throw new ImplementationError(missing, undeclared);
  return queues;
}
