/**
 * The activities a worker hosts: one per catalog contract, built by a factory from injected
 * dependencies (a pg pool, a message sender, a clock) or from systems an engineer supplies.
 * At the boundary each activity parses its input and its output with the catalog's zod
 * schemas, takes the idempotency key the workflow passes, and turns a business rejection into a
 * non-retryable ApplicationFailure with the rejection's type; any other error is an outage that
 * Temporal retries.
 */
import type pg from 'pg';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { CATALOG, describeIssues, invalidText, type ActivityName, type System } from '../catalog/index.js';
import { compensatedKey, fromDatabase, Rejection, type CallContext, type Clock } from './effects.js';
import { createPgBilling } from './billing.js';
import { createPgDispatch } from './dispatch.js';
import { consoleSender, createPgNotification, type MessageSender } from './notification.js';
import { createPgComplaints } from './complaints.js';
import type { Systems } from './types.js';

export type { Systems, BillingSystem, DispatchSystem, NotificationSystem, ComplaintSystem, SystemApi } from './types.js';
export { Rejection, reject, type CallContext, type Clock } from './effects.js';
export { consoleSender, receiveSms, type MessageSender, type OutgoingMessage, type InboundSms } from './notification.js';

export interface SystemDeps {
  pool: pg.Pool;
  /**
   * Where messages go: prints them on stderr by default (development); `null` leaves them queued
   * in notification_outbox for the operator's own gateway relay.
   */
  sender?: MessageSender | null;
  clock?: Clock;
  /** Replace any system with your own implementation (the operator's BSS, workforce system…). */
  systems?: Partial<Systems>;
  /** Most that billing credits before an investigation ends; ¥200 (20000 fen) by default. */
  compensationLimitFen?: number;
}

/** The PostgreSQL-backed systems, with any replacements from `deps.systems`. */
export function createSystems(deps: SystemDeps): Systems {
  const clock = deps.clock ?? (() => new Date());
  const base = { pool: deps.pool, clock };
  return {
    billing: deps.systems?.billing ?? createPgBilling({ ...base, compensationLimitFen: deps.compensationLimitFen }),
    dispatch: deps.systems?.dispatch ?? createPgDispatch(base),
    notification: deps.systems?.notification ?? createPgNotification({ ...base, sender: deps.sender === undefined ? consoleSender : deps.sender }),
    complaints: deps.systems?.complaints ?? createPgComplaints(base),
  };
}

/** What the workflow passes as the second argument of every activity. */
export interface ActivityMeta {
  idempotencyKey?: string;
}

export type SystemActivity = (input: unknown, meta?: ActivityMeta) => Promise<unknown>;

/**
 * A process passes `null` for a value it does not have (an optional input field left out);
 * to a contract that is an argument not given. Nulls inside records and lists go the same way.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === null ? [] : [[k, withoutNulls(v)]])));
}


function callContext(name: string, meta: ActivityMeta | undefined): CallContext {
  let workflowId: string | undefined;
  let activityId: string | undefined;
  try {
    const { info } = Context.current();
    workflowId = info.workflowExecution?.workflowId;
    activityId = info.activityId;
  } catch {
    // called directly, outside a worker (tests, scripts)
  }
  // The workflow passes `${workflowId}/${stepId}`; a caller that does not gets the activity id,
  // which is stable across attempts of one scheduled call.
  const idempotencyKey = meta?.idempotencyKey ?? (workflowId && activityId ? `${workflowId}/${activityId}` : undefined);
  if (!idempotencyKey) {
    throw ApplicationFailure.create({ type: 'svcflow/missing-idempotency-key', nonRetryable: true, message: `${name} needs an idempotency key` });
  }
  const compensates = compensatedKey(idempotencyKey);
  return { idempotencyKey, ...(workflowId ? { workflowId } : {}), ...(compensates ? { compensates } : {}) };
}

/** Wraps one system operation as an activity with the catalog's contract at its boundary. */
export function boundary(name: string, operation: (input: never, ctx: CallContext) => Promise<unknown>): SystemActivity {
  const contract = CATALOG.get(name);
  if (!contract) throw new Error(`${name} is not in the activity catalog`);
  return async (input, meta) => {
    const parsed = contract.input.safeParse(withoutNulls(input));
    if (!parsed.success) {
      throw ApplicationFailure.create({ type: 'svcflow/invalid-input', nonRetryable: true, message: `${name}: ${describeIssues(parsed.error)}` });
    }
    // Texts the systems would store are checked here, for every system (PostgreSQL refuses a NUL).
    const badText = invalidText(parsed.data);
    if (badText) throw ApplicationFailure.create({ type: 'svcflow/invalid-input', nonRetryable: true, message: `${name}: ${badText}` });
    let output: unknown;
    try {
      output = await operation(parsed.data as never, callContext(name, meta));
    } catch (caught) {
      // A constraint or data error from the database is a rejection too (never retried as an outage).
      const err = fromDatabase(caught);
      if (err instanceof Rejection) throw ApplicationFailure.create({ type: err.type, nonRetryable: true, message: err.message });
      throw err;
    }
    const checked = contract.output.safeParse(output);
    if (!checked.success) {
      throw ApplicationFailure.create({ type: 'svcflow/invalid-output', nonRetryable: true, message: `${name} returned ${describeIssues(checked.error)}` });
    }
    return checked.data;
  };
}

/** Every catalog activity, keyed by its DSL name (`billing.refund`), ready for Worker.create. */
export function createSystemActivities(deps: SystemDeps): Record<ActivityName, SystemActivity> {
  const systems = createSystems(deps);
  const out: Record<string, SystemActivity> = {};
  for (const name of CATALOG.keys()) {
    const [system, op] = name.split('.') as [System, string];
    const impl = (systems[system] as unknown as Record<string, (input: never, ctx: CallContext) => Promise<unknown>>)[op];
    if (!impl) throw new Error(`the ${system} system has no operation ${op}`);
    out[name] = boundary(name, impl.bind(systems[system]));
  }
  return out as Record<ActivityName, SystemActivity>;
}
