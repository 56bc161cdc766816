/**
 * The interface of each system, derived from the catalog: one method per operation, taking the
 * operation's input (as parsed by its zod schema) and a CallContext, returning its output. An
 * engineer plugs in the operator's real BSS, workforce or SMS gateway by implementing one of
 * these and passing it to `createSystemActivities`.
 */
import type { ActivityName, CatalogInputs, CatalogOutputs, System } from '../catalog/index.js';
import type { CallContext } from './effects.js';

export type SystemApi<S extends System> = {
  [N in ActivityName as N extends `${S}.${infer Op}` ? Op : never]: (input: CatalogInputs[N], ctx: CallContext) => Promise<CatalogOutputs[N]>;
};

export type BillingSystem = SystemApi<'billing'>;
export type DispatchSystem = SystemApi<'dispatch'>;
export type NotificationSystem = SystemApi<'notification'>;
export type ComplaintSystem = SystemApi<'complaints'>;

export interface Systems {
  billing: BillingSystem;
  dispatch: DispatchSystem;
  notification: NotificationSystem;
  complaints: ComplaintSystem;
}
