/**
 * Complaint work orders (投诉工单) on PostgreSQL: the first-contact owner (首问负责) kept on record,
 * the current owner, the level in the three-level network (city → province → group) with a time
 * limit per category and level (限时办结), the history of every assignment and escalation, the
 * resolution, the customer's callback answer (a dissatisfied answer reopens it) and the closing.
 */
import type pg from 'pg';
import type { CatalogOutputs } from '../catalog/index.js';
import { iso, mayUndo, once, one, reject, type Clock } from './effects.js';
import type { ComplaintSystem } from './types.js';

export interface ComplaintDeps {
  pool: pg.Pool;
  clock: Clock;
}

type Level = 'city' | 'province' | 'group';
const LEVELS: readonly Level[] = ['city', 'province', 'group'];

interface ComplaintRow {
  complaint_id: string;
  msisdn: string;
  category: CatalogOutputs['complaints.getComplaint']['category'];
  channel: CatalogOutputs['complaints.getComplaint']['channel'];
  state: 'open' | 'resolved' | 'closed';
  level: Level;
  owner: string;
  first_contact_owner: string;
  deadline: Date;
  opened_at: Date;
  resolution: string | null;
  resolved_at: Date | null;
  within_deadline: boolean | null;
  satisfied: boolean | null;
  callback_at: Date | null;
  closed_at: Date | null;
  opened_by: string | null;
}

async function lockComplaint(c: pg.ClientBase, id: string, open = true): Promise<ComplaintRow> {
  const row = await one<ComplaintRow>(c, 'complaints/not-found', `no complaint has the id ${id}`, 'SELECT * FROM complaints WHERE complaint_id = $1 FOR UPDATE', [id]);
  if (open && row.state === 'closed') reject('complaints/closed', `complaint ${id} is already closed`);
  return row;
}

async function staff(c: pg.ClientBase, id: string): Promise<string> {
  await one(c, 'complaints/unknown-owner', `'${id}' is not a member of staff or a team known to the complaint system`, 'SELECT staff_id FROM complaints_staff WHERE staff_id = $1', [id]);
  return id;
}

async function deadlineAt(c: pg.ClientBase, category: string, level: Level, from: Date): Promise<Date> {
  const { rows } = await c.query<{ limit_ms: string }>('SELECT limit_ms FROM complaints_time_limits WHERE category = $1 AND level = $2', [category, level]);
  // Missing configuration, not a rejection: once an operator adds the limit, the retry succeeds.
  if (!rows[0]) throw new Error(`no time limit is configured for ${category} complaints at ${level} level (complaints_time_limits)`);
  return new Date(from.getTime() + Number(rows[0].limit_ms));
}

interface HistoryEvent {
  event: 'opened' | 'assigned' | 'escalated' | 'resolved' | 'callback' | 'reopened' | 'closed';
  fromLevel?: Level;
  toLevel?: Level;
  owner?: string;
  deadline?: Date;
  note?: string;
}

async function record(c: pg.ClientBase, id: string, at: Date, e: HistoryEvent): Promise<void> {
  await c.query('INSERT INTO complaints_history (complaint_id, event, from_level, to_level, owner, deadline, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
    id, e.event, e.fromLevel ?? null, e.toLevel ?? null, e.owner ?? null, e.deadline ?? null, e.note ?? null, at,
  ]);
}

export function createPgComplaints(deps: ComplaintDeps): ComplaintSystem {
  const { pool, clock } = deps;

  return {
    openComplaint: (input, ctx) =>
      once(pool, 'complaints.openComplaint', ctx, async (c) => {
        const owner = await staff(c, input.firstContactOwner);
        const now = clock();
        const deadline = input.timeLimit !== undefined ? new Date(now.getTime() + input.timeLimit) : await deadlineAt(c, input.category, 'city', now);
        const { rows } = await c.query<{ complaint_id: string }>(
          `INSERT INTO complaints (msisdn, account_id, category, channel, description, first_contact_owner, owner, level, deadline, related_id, opened_at, opened_by)
           VALUES ($1, $2, $3, $4, $5, $6, $6, 'city', $7, $8, $9, $10) RETURNING complaint_id`,
          [input.msisdn, input.accountId ?? null, input.category, input.channel, input.description, owner, deadline, input.relatedId ?? null, now, ctx.idempotencyKey],
        );
        const id = rows[0]!.complaint_id;
        await record(c, id, now, { event: 'opened', toLevel: 'city', owner, deadline, note: `via ${input.channel}` });
        return { complaintId: id, level: 'city' as const, owner, deadline: iso(deadline), openedAt: iso(now) };
      }),

    assignOwner: (input, ctx) =>
      once(pool, 'complaints.assignOwner', ctx, async (c) => {
        const row = await lockComplaint(c, input.complaintId);
        const owner = await staff(c, input.owner);
        const now = clock();
        await c.query('UPDATE complaints SET owner = $2 WHERE complaint_id = $1', [row.complaint_id, owner]);
        await record(c, row.complaint_id, now, { event: 'assigned', owner, note: input.note });
        return { owner, previousOwner: row.owner, assignedAt: iso(now) };
      }),

    escalate: (input, ctx) =>
      once(pool, 'complaints.escalate', ctx, async (c) => {
        const row = await lockComplaint(c, input.complaintId);
        if (LEVELS.indexOf(input.toLevel) <= LEVELS.indexOf(row.level)) {
          reject('complaints/invalid-level', `complaint ${row.complaint_id} is at ${row.level} level; it can only go up (city → province → group)`);
        }
        const owner = await staff(c, input.owner ?? `desk-${input.toLevel}`);
        const now = clock();
        const deadline = await deadlineAt(c, row.category, input.toLevel, now);
        await c.query('UPDATE complaints SET level = $2, owner = $3, deadline = $4 WHERE complaint_id = $1', [row.complaint_id, input.toLevel, owner, deadline]);
        await record(c, row.complaint_id, now, { event: 'escalated', fromLevel: row.level, toLevel: input.toLevel, owner, deadline, note: input.reason });
        return { level: input.toLevel, owner, deadline: iso(deadline), escalatedAt: iso(now) };
      }),

    resolve: (input, ctx) =>
      once(pool, 'complaints.resolve', ctx, async (c) => {
        const row = await lockComplaint(c, input.complaintId);
        if (row.state === 'resolved') return { state: 'resolved' as const, resolvedAt: iso(row.resolved_at!), withinDeadline: row.within_deadline! };
        const now = clock();
        const within = now.getTime() <= row.deadline.getTime();
        await c.query(
          `UPDATE complaints SET state = 'resolved', outcome = $2, resolution = $3, resolved_by = $4, refund_fen = $5, refund_currency = $6, refund_id = $7,
             resolved_at = $8, within_deadline = $9 WHERE complaint_id = $1`,
          [row.complaint_id, input.outcome, input.resolution, input.resolvedBy ?? row.owner, input.refund?.fen ?? null, input.refund?.currency ?? null, input.refundId ?? null, now, within],
        );
        await record(c, row.complaint_id, now, { event: 'resolved', owner: input.resolvedBy ?? row.owner, note: `${input.outcome}: ${input.resolution}` });
        return { state: 'resolved' as const, resolvedAt: iso(now), withinDeadline: within };
      }),

    recordCallback: (input, ctx) =>
      once(pool, 'complaints.recordCallback', ctx, async (c) => {
        const row = await lockComplaint(c, input.complaintId);
        if (row.state !== 'resolved') reject('complaints/not-resolved', `complaint ${row.complaint_id} has no resolution to call back about`);
        const now = clock();
        const reopen = input.reached && input.satisfied === false;
        const deadline = reopen ? await deadlineAt(c, row.category, row.level, now) : row.deadline;
        await c.query('UPDATE complaints SET callback_reached = $2, satisfied = $3, callback_at = $4, state = $5, deadline = $6 WHERE complaint_id = $1', [
          row.complaint_id, input.reached, input.satisfied ?? null, now, reopen ? 'open' : 'resolved', deadline,
        ]);
        await record(c, row.complaint_id, now, { event: 'callback', note: input.note ?? (input.reached ? `satisfied: ${input.satisfied ?? 'not asked'}` : 'not reached') });
        if (reopen) await record(c, row.complaint_id, now, { event: 'reopened', owner: row.owner, deadline });
        return { state: reopen ? ('open' as const) : ('resolved' as const), recordedAt: iso(now) };
      }),

    closeComplaint: (input, ctx) =>
      once(pool, 'complaints.closeComplaint', ctx, async (c) => {
        const row = await lockComplaint(c, input.complaintId, false);
        if (row.state === 'closed') return { state: 'closed' as const, closedAt: iso(row.closed_at!), withinDeadline: row.within_deadline ?? false };
        if (row.state !== 'resolved') reject('complaints/not-resolved', `complaint ${row.complaint_id} has no resolution yet; it cannot be closed`);
        const now = clock();
        await c.query(`UPDATE complaints SET state = 'closed', closed_at = $2 WHERE complaint_id = $1`, [row.complaint_id, now]);
        await record(c, row.complaint_id, now, { event: 'closed', note: input.note });
        return { state: 'closed' as const, closedAt: iso(now), withinDeadline: row.within_deadline ?? false };
      }),

    closeUnresolved: (input, ctx) =>
      once(pool, 'complaints.closeUnresolved', ctx, async (c) => {
        const row = await lockComplaint(c, input.complaintId, false);
        if (row.state === 'closed') return { state: 'closed' as const, closedAt: iso(row.closed_at!) };
        if (!mayUndo(ctx, row.opened_by)) return { state: row.state };
        const now = clock();
        await c.query(
          `UPDATE complaints SET state = 'closed', closed_at = $2, resolution = coalesce(resolution, $3), resolved_at = coalesce(resolved_at, $2),
             outcome = coalesce(outcome, 'unresolved'), within_deadline = coalesce(within_deadline, false) WHERE complaint_id = $1`,
          [row.complaint_id, now, `closed unresolved: ${input.reason}`],
        );
        await record(c, row.complaint_id, now, { event: 'closed', note: `unresolved: ${input.reason}` });
        return { state: 'closed' as const, closedAt: iso(now) };
      }),

    async getComplaint(input) {
      const r = await one<ComplaintRow>(pool, 'complaints/not-found', `no complaint has the id ${input.complaintId}`, 'SELECT * FROM complaints WHERE complaint_id = $1', [input.complaintId]);
      return {
        complaintId: r.complaint_id,
        msisdn: r.msisdn,
        category: r.category,
        channel: r.channel,
        state: r.state,
        level: r.level,
        owner: r.owner,
        firstContactOwner: r.first_contact_owner,
        deadline: iso(r.deadline),
        openedAt: iso(r.opened_at),
        ...(r.resolved_at ? { resolvedAt: iso(r.resolved_at) } : {}),
        ...(r.resolution ? { resolution: r.resolution } : {}),
        ...(r.satisfied !== null ? { satisfied: r.satisfied } : {}),
      };
    },
  };
}
