/**
 * The activity catalog: every activity a process may call, keyed by the name the DSL writes
 * (`billing.refund`). Contracts only; the adapters to each system live elsewhere.
 */
import type { z } from 'zod';
import type { ActivityContract, System } from './contract.js';
import { billing } from './billing.js';
import { complaints } from './complaints.js';
import { dispatch } from './dispatch.js';
import { notification } from './notification.js';

export * from './contract.js';
export { billing, complaints, dispatch, notification };

/** The contracts of one system, keyed `system.operation`. */
type Prefixed<S extends string, T> = { readonly [K in keyof T & string as `${S}.${K}`]: T[K] };

/** Every contract, keyed by its DSL name, with its precise input and output schemas. */
export type Activities = Prefixed<'billing', typeof billing> &
  Prefixed<'dispatch', typeof dispatch> &
  Prefixed<'notification', typeof notification> &
  Prefixed<'complaints', typeof complaints>;
export type ActivityName = keyof Activities & string;

/** Input of each activity as its implementation receives it (after zod parsing). */
export type CatalogInputs = { [N in ActivityName]: z.infer<Activities[N]['input']> };
/** Output of each activity as the process sees it. */
export type CatalogOutputs = { [N in ActivityName]: z.infer<Activities[N]['output']> };

function prefixed<S extends System, T extends Record<string, ActivityContract>>(system: S, contracts: T): Prefixed<S, T> {
  const out: Record<string, ActivityContract> = {};
  for (const [op, c] of Object.entries(contracts)) {
    const name = `${system}.${op}`;
    // The key, the name and the system must agree: the DSL, the worker and the UI all use the name.
    if (c.name !== name || c.system !== system) {
      throw new Error(`catalog: contract under ${name} is named ${c.name} (system ${c.system})`);
    }
    out[name] = c;
  }
  return out as Prefixed<S, T>;
}

export const ACTIVITIES: Activities = Object.freeze({
  ...prefixed('billing', billing),
  ...prefixed('dispatch', dispatch),
  ...prefixed('notification', notification),
  ...prefixed('complaints', complaints),
});

export const CATALOG: ReadonlyMap<string, ActivityContract> = new Map<string, ActivityContract>(Object.entries(ACTIVITIES));

/** The contract for a DSL activity name, or undefined when there is none. */
export function lookupActivity<N extends ActivityName>(name: N): Activities[N];
export function lookupActivity(name: string): ActivityContract | undefined;
export function lookupActivity(name: string): ActivityContract | undefined {
  return CATALOG.get(name);
}

/** Every activity name, grouped by system in catalog order. */
export function activityNames(): ActivityName[] {
  return [...CATALOG.keys()] as ActivityName[];
}
