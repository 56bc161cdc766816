/**
 * Exactly-once effects on PostgreSQL. Every write an activity makes runs in one transaction on
 * one client together with a row in `svcflow_effects` keyed by the idempotency key (workflow id
 * + step id, the same on every attempt and every replay). A repeated call with the same key finds
 * that row and returns the first result without writing anything; two concurrent calls with the
 * same key are serialised by the primary key (the second waits for the first to commit).
 *
 * A business rejection (`Rejection`) rolls the transaction back: nothing is written, and the
 * activity layer turns it into a non-retryable ApplicationFailure with the rejection's type.
 */
import type pg from 'pg';

export type Clock = () => Date;

/** What every system call receives besides its input. */
export interface CallContext {
  /** The idempotency key: `${workflowId}/${stepId}` (with `@n` for the n-th iteration of a loop). */
  idempotencyKey: string;
  /** The process instance that made the call, when known (work orders remember it for reports). */
  workflowId?: string;
  /**
   * Set when the call is a compensation: the idempotency key of the call it compensates (the
   * workflow keys a compensation `<key>/compensate`). A compensating operation undoes only an
   * effect that key made (recorded as the effect's owner: started_by, booked_by…), never one
   * another call or another instance made.
   */
  compensates?: string;
}

const COMPENSATION_SUFFIX = '/compensate';

/** The key a compensation's key compensates, or undefined for a forward call. */
export function compensatedKey(idempotencyKey: string): string | undefined {
  return idempotencyKey.endsWith(COMPENSATION_SUFFIX) && idempotencyKey.length > COMPENSATION_SUFFIX.length ? idempotencyKey.slice(0, -COMPENSATION_SUFFIX.length) : undefined;
}

/** May this call undo an effect owned by `owner`? A forward call may; a compensation only its own step's. */
export function mayUndo(ctx: CallContext, owner: string | null): boolean {
  return ctx.compensates === undefined || ctx.compensates === owner;
}

/** A business rejection: the request can never succeed as it is (retrying would not help). */
export class Rejection extends Error {
  override name = 'Rejection';
  constructor(
    /** Stable type, such as `billing/subscription-not-confirmed`; listed in the catalog contract. */
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export function reject(type: string, message: string): never {
  throw new Rejection(type, message);
}

/** Raised by svcflow's own triggers: SQLSTATE SVC01, the rejection type in HINT. */
const REJECTION_SQLSTATE = 'SVC01';

interface PgError extends Error {
  code?: string;
  hint?: string;
  constraint?: string;
  table?: string;
  column?: string;
}

/**
 * What a constraint violation (SQLSTATE class 23) means to the caller; the same request would
 * fail the same way on every retry, so each is a rejection, never an outage.
 */
const CONSTRAINT_TYPES: ReadonlyMap<string, string> = new Map([
  ['23503', 'svcflow/reference-not-found'], // foreign_key_violation: names something that does not exist
  ['23505', 'svcflow/duplicate'], // unique_violation
  ['23514', 'svcflow/constraint-violation'], // check_violation
  ['23502', 'svcflow/constraint-violation'], // not_null_violation
]);

/** Constraints whose violation has a rejection of its own system (by constraint name). */
const NAMED_CONSTRAINTS: ReadonlyMap<string, string> = new Map([
  ['billing_subscriptions_live', 'billing/already-subscribed'],
  ['billing_refunds_one_double', 'billing/already-refunded'],
  ['billing_charges_subscription_period', 'billing/already-charged'],
  ['billing_compensations_subscription_id_fkey', 'billing/subscription-not-found'],
  ['billing_compensations_charge_id_fkey', 'billing/charge-not-found'],
  ['billing_charges_subscription_id_fkey', 'billing/subscription-not-found'],
  ['dispatch_reservations_live', 'dispatch/number-unavailable'],
]);

/**
 * Turns a database error into what it means for the call. svcflow's triggers raise SVC01 with the
 * rejection type in HINT. Every integrity constraint violation (class 23) and data exception
 * (class 22: a NUL in text, a value out of range, an invalid timestamp…) is a typed Rejection
 * (`svcflow/reference-not-found`, `svcflow/duplicate`, `svcflow/constraint-violation`,
 * `svcflow/invalid-data`): the request can never succeed as it is. Anything else (a lost
 * connection, a deadlock, a serialization failure) is left as it is: an outage, retried.
 */
export function fromDatabase(err: unknown): unknown {
  const e = err as PgError;
  if (typeof e?.code !== 'string') return err;
  if (e.code === REJECTION_SQLSTATE && e.hint) return new Rejection(e.hint, e.message);
  const where = [e.table, e.constraint ?? e.column].filter(Boolean).join('.');
  if (e.code.startsWith('23')) {
    const type = (e.constraint && NAMED_CONSTRAINTS.get(e.constraint)) ?? CONSTRAINT_TYPES.get(e.code) ?? 'svcflow/constraint-violation';
    return new Rejection(type, `${e.message}${where ? ` (${where})` : ''}`);
  }
  if (e.code.startsWith('22')) return new Rejection('svcflow/invalid-data', `${e.message}${where ? ` (${where})` : ''}`);
  return err;
}

/** Runs `work` in one transaction on one client; rolls back on any error. */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw fromDatabase(err);
  } finally {
    client.release();
  }
}

/**
 * Runs `work` exactly once for `ctx.idempotencyKey`: the first call writes its effect and its
 * result in one transaction; any later call (a retry, a replayed workflow, a duplicate request)
 * returns that result and writes nothing.
 */
export async function once<T>(pool: pg.Pool, activity: string, ctx: CallContext, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return transaction(pool, async (client) => {
    const claimed = await client.query(
      `INSERT INTO svcflow_effects (idempotency_key, activity, result) VALUES ($1, $2, 'null') ON CONFLICT DO NOTHING`,
      [ctx.idempotencyKey, activity],
    );
    if (claimed.rowCount === 0) {
      const { rows } = await client.query<{ activity: string; result: T }>(
        'SELECT activity, result FROM svcflow_effects WHERE idempotency_key = $1',
        [ctx.idempotencyKey],
      );
      const prior = rows[0]!;
      if (prior.activity !== activity) {
        reject('svcflow/idempotency-key-reused', `the idempotency key ${ctx.idempotencyKey} was already used by ${prior.activity}, not ${activity}`);
      }
      return prior.result;
    }
    const result = await work(client);
    await client.query('UPDATE svcflow_effects SET result = $2 WHERE idempotency_key = $1', [ctx.idempotencyKey, JSON.stringify(result)]);
    return result;
  });
}

/** Reads one row or rejects with `type` (not-found rejections). */
export async function one<R extends pg.QueryResultRow>(client: pg.ClientBase | pg.Pool, type: string, what: string, sql: string, params: unknown[]): Promise<R> {
  const { rows } = await client.query<R>(sql, params);
  if (!rows[0]) reject(type, what);
  return rows[0];
}

export const iso = (d: Date | string): string => new Date(d).toISOString();
