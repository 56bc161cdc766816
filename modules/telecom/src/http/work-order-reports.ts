/**
 * Technicians' reports (POST /work-orders/:id/{ack,on-site,report}), recorded before they are
 * signalled. One row per report, unique per (work order, Idempotency-Key): twenty concurrent
 * POSTs with one key insert one row (the others wait for its commit, then find it), and only
 * the attempt that claims the row signals. The signal's request id is made from the row's id
 * (`engine.signal(…, { requestId })`), and Temporal drops a second signal with a request id it
 * has already taken for the execution, so a delivery repeated after a crash between the signal
 * and the row's `delivered` mark (by the relay, or by a retried POST) is one signal.
 */
import type pg from 'pg';
import type { Engine } from '../../../../src/engine/engine.js';
import { InstanceNotRunningError, InvalidInputError, UnknownInstanceError, UnknownSignalError } from '../../../../src/engine/errors.js';

export interface ReportDeps {
  engine: Engine;
  pool: pg.Pool;
  clock: () => Date;
}

export interface Report {
  workOrderId: string;
  kind: 'ack' | 'on-site' | 'report';
  signal: string;
  payload: unknown;
  workflowId: string;
  /** The Idempotency-Key; null: every POST is a report of its own. */
  requestId: string | null;
  at: Date;
}

/** An attempt that crashed while holding the claim is taken over after this long. */
const CLAIM_MS = 30_000;

/** Records a report, or finds the one recorded under the same key. */
export async function recordReport(pool: pg.Pool, r: Report): Promise<{ id: string; duplicate: boolean }> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO dispatch_technician_reports (work_order_id, kind, signal, payload, workflow_id, received_at, request_id, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')
     ON CONFLICT (work_order_id, request_id) WHERE request_id IS NOT NULL DO NOTHING RETURNING id`,
    [r.workOrderId, r.kind, r.signal, JSON.stringify(r.payload), r.workflowId, r.at, r.requestId],
  );
  if (rows[0]) return { id: rows[0].id, duplicate: false };
  const prior = await pool.query<{ id: string }>('SELECT id FROM dispatch_technician_reports WHERE work_order_id = $1 AND request_id = $2', [r.workOrderId, r.requestId]);
  return { id: prior.rows[0]!.id, duplicate: true };
}

export interface DeliveryState {
  state: 'pending' | 'delivered' | 'rejected';
  error?: string;
}

/**
 * Signals one recorded report if it is still to be delivered. An instance that has closed
 * meanwhile rejects it for good (`rejected`); an outage leaves it `pending` for the relay.
 */
export async function deliverReport(deps: ReportDeps, id: string): Promise<DeliveryState> {
  const now = deps.clock();
  const { rows } = await deps.pool.query<{ workflow_id: string; signal: string; payload: unknown }>(
    `UPDATE dispatch_technician_reports SET attempts = attempts + 1, claimed_at = $2
     WHERE id = $1 AND status = 'pending' AND (claimed_at IS NULL OR claimed_at < $3)
     RETURNING workflow_id, signal, payload`,
    [id, now, new Date(now.getTime() - CLAIM_MS)],
  );
  const claimed = rows[0];
  if (!claimed) {
    const current = await deps.pool.query<{ status: DeliveryState['state']; last_error: string | null }>('SELECT status, last_error FROM dispatch_technician_reports WHERE id = $1', [id]);
    const c = current.rows[0]!;
    return { state: c.status, ...(c.last_error ? { error: c.last_error } : {}) };
  }
  try {
    await deps.engine.signal(claimed.workflow_id, claimed.signal, claimed.payload, { requestId: `svcflow-report-${id}` });
  } catch (err) {
    // What no later attempt changes: the instance is gone, or (a definition changed under it) it takes no such report.
    const permanent = err instanceof InstanceNotRunningError || err instanceof UnknownInstanceError || err instanceof UnknownSignalError || err instanceof InvalidInputError;
    await deps.pool.query(`UPDATE dispatch_technician_reports SET status = $2, last_error = $3, claimed_at = CASE WHEN $2 = 'pending' THEN NULL ELSE claimed_at END WHERE id = $1`, [
      id,
      permanent ? 'rejected' : 'pending',
      String((err as Error).message),
    ]);
    return { state: permanent ? 'rejected' : 'pending', error: String((err as Error).message) };
  }
  await deps.pool.query(`UPDATE dispatch_technician_reports SET status = 'delivered', delivered_at = $2, last_error = NULL WHERE id = $1`, [id, deps.clock()]);
  return { state: 'delivered' };
}

/** The relay: delivers reports a crash or an outage left pending. */
export async function redeliverReports(deps: ReportDeps, limit = 50): Promise<number> {
  const cutoff = new Date(deps.clock().getTime() - CLAIM_MS);
  const { rows } = await deps.pool.query<{ id: string }>(
    `SELECT id FROM dispatch_technician_reports WHERE status = 'pending' AND (claimed_at IS NULL OR claimed_at < $1) ORDER BY received_at LIMIT $2`,
    [cutoff, limit],
  );
  let delivered = 0;
  for (const { id } of rows) if ((await deliverReport(deps, id)).state === 'delivered') delivered++;
  return delivered;
}
