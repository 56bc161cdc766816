/**
 * Messages on a declared channel, recorded before they are delivered (the engine's own table,
 * svcflow_inbound_messages). One row per message, unique per (channel, request id): concurrent
 * POSTs with one Idempotency-Key insert one row (the others wait for its commit, then find it),
 * and only the attempt that claims the row delivers. The delivery's request id is made from the
 * row's id, and Temporal drops a signal whose request id it has taken for the execution, so a
 * delivery repeated after a crash between the signal and the row's mark (by the relay, or by a
 * retried POST) is one message in the instance's history. The row says which instance took it,
 * so a duplicate never reaches a second instance waiting for the same key.
 */
import type pg from 'pg';
import type { TypeRef } from '../ir/schema.js';
import type { Value } from '../workflows/evaluate.js';
import type { Engine } from './engine.js';
import { InvalidInputError, InvalidQueryError } from './errors.js';

export interface InboundDeps {
  engine: Engine;
  pool: pg.Pool;
  clock: () => Date;
  /** A channel's declared payload (from the catalog), which the instance checks the message against. */
  payloadOf?: (channel: string) => TypeRef | undefined;
}

export interface InboundMessage {
  channel: string;
  keys: Record<string, string>;
  payload: Value;
  /** The Idempotency-Key; null: every POST is a message of its own. */
  requestId: string | null;
}

export interface MessageState {
  id: string;
  state: 'pending' | 'delivered' | 'unmatched' | 'rejected';
  deliveredTo?: string;
  error?: string;
}

/** An attempt that crashed while holding the claim is taken over after this long (a list and a signal take less). */
const CLAIM_MS = 30_000;

/** Records a message, or finds the one recorded under the same channel and request id. */
export async function recordMessage(pool: pg.Pool, m: InboundMessage, at: Date): Promise<{ id: string; duplicate: boolean }> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO svcflow_inbound_messages (channel, request_id, keys, payload, received_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (channel, request_id) WHERE request_id IS NOT NULL DO NOTHING RETURNING id`,
    [m.channel, m.requestId, JSON.stringify(m.keys), JSON.stringify(m.payload), at],
  );
  if (rows[0]) return { id: rows[0].id, duplicate: false };
  const prior = await pool.query<{ id: string }>('SELECT id FROM svcflow_inbound_messages WHERE channel = $1 AND request_id = $2', [m.channel, m.requestId]);
  return { id: prior.rows[0]!.id, duplicate: true };
}

async function current(pool: pg.Pool, id: string): Promise<MessageState> {
  const { rows } = await pool.query<{ status: MessageState['state']; delivered_to: string | null; last_error: string | null }>(
    'SELECT status, delivered_to, last_error FROM svcflow_inbound_messages WHERE id = $1',
    [id],
  );
  const c = rows[0]!;
  return { id, state: c.status, ...(c.delivered_to ? { deliveredTo: c.delivered_to } : {}), ...(c.last_error ? { error: c.last_error } : {}) };
}

/**
 * Delivers one recorded message if it is still to be delivered: a claim on its row (one attempt
 * at a time), the delivery, then its fate. An outage leaves it `pending` for the relay; a
 * message the engine refuses (it could never be taken) is `rejected`.
 */
export async function deliverMessage(deps: InboundDeps, id: string): Promise<MessageState> {
  const now = deps.clock();
  const { rows } = await deps.pool.query<{ channel: string; keys: Record<string, string>; payload: Value }>(
    `UPDATE svcflow_inbound_messages SET attempts = attempts + 1, claimed_at = $2
     WHERE id = $1 AND status = 'pending' AND (claimed_at IS NULL OR claimed_at < $3)
     RETURNING channel, keys, payload`,
    [id, now, new Date(now.getTime() - CLAIM_MS)],
  );
  const claimed = rows[0];
  if (!claimed) return current(deps.pool, id);
  let took: string[];
  const type = deps.payloadOf?.(claimed.channel);
  try {
    took = await deps.engine.deliver(claimed.channel, claimed.keys, claimed.payload, { requestId: `svcflow-message-${id}`, ...(type ? { type } : {}) });
  } catch (err) {
    const permanent = err instanceof InvalidInputError || err instanceof InvalidQueryError;
    const message = String((err as Error).message);
    await deps.pool.query(`UPDATE svcflow_inbound_messages SET status = $2, last_error = $3, claimed_at = NULL WHERE id = $1`, [id, permanent ? 'rejected' : 'pending', message]);
    return { id, state: permanent ? 'rejected' : 'pending', error: message };
  }
  const state = took.length ? 'delivered' : 'unmatched';
  await deps.pool.query(`UPDATE svcflow_inbound_messages SET status = $2, delivered_to = $3, last_error = NULL WHERE id = $1`, [id, state, took[0] ?? null]);
  return { id, state, ...(took[0] ? { deliveredTo: took[0] } : {}) };
}

/** The relay: delivers messages a crash or an outage left pending; how many it delivered. */
export async function redeliverMessages(deps: InboundDeps, limit = 50): Promise<number> {
  const cutoff = new Date(deps.clock().getTime() - CLAIM_MS);
  const { rows } = await deps.pool.query<{ id: string }>(
    `SELECT id FROM svcflow_inbound_messages WHERE status = 'pending' AND (claimed_at IS NULL OR claimed_at < $1) ORDER BY received_at LIMIT $2`,
    [cutoff, limit],
  );
  let delivered = 0;
  for (const { id } of rows) if ((await deliverMessage(deps, id)).state !== 'pending') delivered++;
  return delivered;
}
