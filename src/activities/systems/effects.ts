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
}

/** A rejection raised inside the database by svcflow's triggers becomes a Rejection; anything else is left as it is. */
export function fromDatabase(err: unknown): unknown {
  const e = err as PgError;
  if (e?.code === REJECTION_SQLSTATE && e.hint) return new Rejection(e.hint, e.message);
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
