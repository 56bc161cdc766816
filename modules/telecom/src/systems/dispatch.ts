/**
 * Dispatch (派单/装维) on PostgreSQL: appointment slots made from each area's daily windows and
 * booked atomically (a conditional UPDATE under the row lock, and a CHECK that booked never
 * exceeds capacity), work orders with validated state transitions and their history,
 * technician assignment, escalation of overdue steps, the number pool and exchange ports.
 */
import type pg from 'pg';
import type { CatalogInputs } from '../catalog/index.js';
import { iso, mayUndo, once, one, reject, type Clock } from './effects.js';
import type { DispatchSystem } from './types.js';

export interface DispatchDeps {
  pool: pg.Pool;
  clock: Clock;
  /** How far ahead slots may be searched; 14 days by default. */
  bookingHorizonMs?: number;
}

type State = 'created' | 'assigned' | 'on_site' | 'done' | 'failed' | 'cancelled';
type Address = CatalogInputs['dispatch.createWorkOrder']['address'];

/** The states a work order may move to from each state (cancelled only through cancelWorkOrder). */
export const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  created: ['assigned', 'failed'],
  assigned: ['assigned', 'on_site', 'failed'],
  on_site: ['done', 'failed'],
  done: [],
  failed: [],
  cancelled: [],
};

interface WorkOrderRow {
  work_order_id: string;
  state: State;
  area: string;
  booking_id: string | null;
  technician_id: string | null;
  escalation_level: number;
  updated_at: Date;
  created_by: string | null;
}

export async function lockWorkOrder(c: pg.ClientBase, id: string): Promise<WorkOrderRow> {
  return one<WorkOrderRow>(c, 'dispatch/work-order-not-found', `no work order has the id ${id}`, 'SELECT * FROM dispatch_work_orders WHERE work_order_id = $1 FOR UPDATE', [id]);
}

/** Moves a work order to `to` if the transition is allowed, recording the event; returns the previous state. */
export async function transition(c: pg.ClientBase, wo: WorkOrderRow, to: State, at: Date, fields: { note?: string; failureReason?: string; source?: string } = {}): Promise<State> {
  if (wo.state === to && to !== 'assigned') return wo.state;
  if (!TRANSITIONS[wo.state].includes(to)) {
    reject('dispatch/invalid-transition', `work order ${wo.work_order_id} is ${wo.state}; it cannot become ${to}` + (to === 'assigned' ? ' (assign a technician with dispatch.assignTechnician)' : ''));
  }
  if (to === 'assigned' && !wo.technician_id) reject('dispatch/invalid-transition', `work order ${wo.work_order_id} has no technician: assign one with dispatch.assignTechnician`);
  if (to === 'failed' && !(fields.failureReason ?? fields.note)) reject('dispatch/invalid-transition', `work order ${wo.work_order_id}: a failed state needs a failureReason`);
  await c.query('UPDATE dispatch_work_orders SET state = $2, updated_at = $3, failure_reason = coalesce($4, failure_reason) WHERE work_order_id = $1', [
    wo.work_order_id,
    to,
    at,
    to === 'failed' ? (fields.failureReason ?? fields.note) : null,
  ]);
  await c.query('INSERT INTO dispatch_work_order_events (work_order_id, from_state, to_state, at, note, source) VALUES ($1, $2, $3, $4, $5, $6)', [
    wo.work_order_id,
    wo.state,
    to,
    at,
    fields.note ?? fields.failureReason ?? null,
    fields.source ?? 'process',
  ]);
  return wo.state;
}

async function areaExists(c: pg.ClientBase | pg.Pool, area: string): Promise<void> {
  await one(c, 'dispatch/unknown-area', `no technician team serves the area ${area}`, 'SELECT area FROM dispatch_areas WHERE area = $1', [area]);
}

/**
 * Makes the slots of an area's daily windows for every local day between two instants: the
 * local date plus the window's local time, read in the area's time zone (09:00 in Shanghai is
 * 01:00Z).
 */
async function materialiseSlots(c: pg.ClientBase | pg.Pool, area: string, from: string, to: string): Promise<void> {
  await c.query(
    `INSERT INTO dispatch_slots (area, window_start, window_end, capacity)
     SELECT w.area, (d::date + w.starts) AT TIME ZONE a.timezone, (d::date + w.ends) AT TIME ZONE a.timezone, w.capacity
     FROM dispatch_areas a JOIN dispatch_windows w USING (area),
          generate_series(($2::timestamptz AT TIME ZONE a.timezone)::date, ($3::timestamptz AT TIME ZONE a.timezone)::date, interval '1 day') AS d
     WHERE a.area = $1
     ON CONFLICT DO NOTHING`,
    [area, from, to],
  );
}

async function releaseBooking(c: pg.ClientBase, bookingId: string, at: Date): Promise<boolean> {
  const { rows } = await c.query<{ area: string; window_start: Date }>(
    'UPDATE dispatch_bookings SET released_at = $2 WHERE booking_id = $1 AND released_at IS NULL RETURNING area, window_start',
    [bookingId, at],
  );
  if (!rows[0]) return false;
  await c.query('UPDATE dispatch_slots SET booked = booked - 1 WHERE area = $1 AND window_start = $2', [rows[0].area, rows[0].window_start]);
  return true;
}

async function areaForAddress(c: pg.ClientBase, address: Address): Promise<string> {
  const row = await one<{ area: string }>(c, 'dispatch/address-not-served', `no technician team covers ${address.city}`, 'SELECT area FROM dispatch_areas WHERE city = $1 ORDER BY area LIMIT 1', [address.city]);
  return row.area;
}

const ESCALATED_TO = ['', 'team supervisor', 'area manager', 'city operations'];

export function createPgDispatch(deps: DispatchDeps): DispatchSystem {
  const { pool, clock } = deps;
  const horizonMs = deps.bookingHorizonMs ?? 14 * 24 * 3_600_000;

  return {
    async findSlots(input) {
      await areaExists(pool, input.area);
      const span = Date.parse(input.to) - Date.parse(input.from);
      if (!(span > 0) || span > horizonMs) reject('dispatch/invalid-range', `slots can be searched over up to ${horizonMs / 86_400_000} days, with 'to' after 'from'`);
      await materialiseSlots(pool, input.area, input.from, input.to);
      const { rows } = await pool.query<{ window_start: Date; window_end: Date; free: number }>(
        `SELECT window_start, window_end, capacity - booked AS free FROM dispatch_slots
         WHERE area = $1 AND window_start >= $2 AND window_end <= $3 AND window_start > $4 AND booked < capacity ORDER BY window_start`,
        [input.area, input.from, input.to, clock()],
      );
      return { slots: rows.map((r) => ({ windowStart: iso(r.window_start), windowEnd: iso(r.window_end), capacity: r.free })) };
    },

    bookSlot: (input, ctx) =>
      once(pool, 'dispatch.bookSlot', ctx, async (c) => {
        await areaExists(c, input.area);
        await materialiseSlots(c, input.area, input.windowStart, input.windowEnd);
        const now = clock();
        // The row lock of this UPDATE serialises concurrent bookings of one slot; the last place
        // goes to exactly one of them.
        const { rowCount } = await c.query(
          'UPDATE dispatch_slots SET booked = booked + 1 WHERE area = $1 AND window_start = $2 AND window_end = $3 AND booked < capacity AND window_start > $4',
          [input.area, input.windowStart, input.windowEnd, now],
        );
        if (!rowCount) reject('dispatch/no-slot', `the window ${input.windowStart}–${input.windowEnd} in ${input.area} is full or not offered`);
        const { rows } = await c.query<{ booking_id: string }>(
          'INSERT INTO dispatch_bookings (area, window_start, window_end, type, booked_at, booked_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING booking_id',
          [input.area, input.windowStart, input.windowEnd, input.type ?? null, now, ctx.idempotencyKey],
        );
        return { bookingId: rows[0]!.booking_id, windowStart: iso(input.windowStart), windowEnd: iso(input.windowEnd) };
      }),

    releaseSlot: (input, ctx) =>
      once(pool, 'dispatch.releaseSlot', ctx, async (c) => {
        const b = await one<{ booked_by: string | null }>(c, 'dispatch/booking-not-found', `no booking has the id ${input.bookingId}`, 'SELECT booked_by FROM dispatch_bookings WHERE booking_id = $1 FOR UPDATE', [input.bookingId]);
        // As a compensation, only the booking its own step made is released.
        if (!mayUndo(ctx, b.booked_by)) return { released: false };
        return { released: await releaseBooking(c, input.bookingId, clock()) };
      }),

    createWorkOrder: (input, ctx) =>
      once(pool, 'dispatch.createWorkOrder', ctx, async (c) => {
        let area: string;
        if (input.bookingId) {
          const b = await one<{ area: string; used_by: string | null }>(
            c,
            'dispatch/booking-not-found',
            `no booking ${input.bookingId}, or it was released`,
            `SELECT b.area, w.work_order_id AS used_by FROM dispatch_bookings b LEFT JOIN dispatch_work_orders w USING (booking_id)
             WHERE b.booking_id = $1 AND b.released_at IS NULL FOR UPDATE OF b`,
            [input.bookingId],
          );
          if (b.used_by) reject('dispatch/booking-used', `booking ${input.bookingId} is already attached to work order ${b.used_by}`);
          area = b.area;
        } else {
          area = await areaForAddress(c, input.address);
        }
        const now = clock();
        const { rows } = await c.query<{ work_order_id: string }>(
          `INSERT INTO dispatch_work_orders (type, area, account_id, number, contact_phone, address, from_address, booking_id, description, priority, due_by, workflow_id, created_at, updated_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14) RETURNING work_order_id`,
          [
            input.type, area, input.accountId ?? null, input.number ?? null, input.contactPhone, JSON.stringify(input.address),
            input.fromAddress ? JSON.stringify(input.fromAddress) : null, input.bookingId ?? null, input.description ?? null,
            input.priority ?? 'normal', input.dueBy ?? null, ctx.workflowId ?? null, now, ctx.idempotencyKey,
          ],
        );
        const id = rows[0]!.work_order_id;
        await c.query(`INSERT INTO dispatch_work_order_events (work_order_id, to_state, at) VALUES ($1, 'created', $2)`, [id, now]);
        return { workOrderId: id, state: 'created' as const, createdAt: iso(now) };
      }),

    assignTechnician: (input, ctx) =>
      once(pool, 'dispatch.assignTechnician', ctx, async (c) => {
        const wo = await lockWorkOrder(c, input.workOrderId);
        if (!TRANSITIONS[wo.state].includes('assigned')) reject('dispatch/invalid-transition', `work order ${wo.work_order_id} is ${wo.state}; a technician can no longer be assigned`);
        const { rows } = await c.query<{ technician_id: string; name: string; phone: string }>(
          `SELECT t.technician_id, t.name, t.phone FROM dispatch_technicians t
           WHERE t.area = $1 AND t.active AND ($2::text IS NULL OR t.technician_id = $2)
           ORDER BY (SELECT count(*) FROM dispatch_work_orders w WHERE w.technician_id = t.technician_id AND w.state IN ('assigned', 'on_site')), t.technician_id
           LIMIT 1`,
          [wo.area, input.technicianId ?? null],
        );
        const t = rows[0] ?? reject('dispatch/no-technician', input.technicianId ? `technician ${input.technicianId} does not work in ${wo.area}` : `no technician is free in ${wo.area}`);
        await c.query('UPDATE dispatch_work_orders SET technician_id = $2 WHERE work_order_id = $1', [wo.work_order_id, t.technician_id]);
        await transition(c, { ...wo, technician_id: t.technician_id }, 'assigned', clock(), { note: `assigned to ${t.technician_id}` });
        return { technicianId: t.technician_id, technicianName: t.name, technicianPhone: t.phone, state: 'assigned' as const };
      }),

    updateWorkOrder: (input, ctx) =>
      once(pool, 'dispatch.updateWorkOrder', ctx, async (c) => {
        const wo = await lockWorkOrder(c, input.workOrderId);
        const at = input.at ? new Date(input.at) : clock();
        const previousState = await transition(c, wo, input.state, at, { note: input.note, failureReason: input.failureReason });
        return { workOrderId: wo.work_order_id, previousState, state: input.state, updatedAt: iso(at) };
      }),

    escalateWorkOrder: (input, ctx) =>
      once(pool, 'dispatch.escalateWorkOrder', ctx, async (c) => {
        const wo = await lockWorkOrder(c, input.workOrderId);
        if (['done', 'failed', 'cancelled'].includes(wo.state)) reject('dispatch/work-order-closed', `work order ${wo.work_order_id} is already ${wo.state}`);
        const level = Math.min(wo.escalation_level + 1, 3);
        const escalatedTo = `${ESCALATED_TO[level]} of ${wo.area}`;
        await c.query('UPDATE dispatch_work_orders SET escalation_level = $2 WHERE work_order_id = $1', [wo.work_order_id, level]);
        await c.query('INSERT INTO dispatch_escalations (work_order_id, step, level, escalated_to, overdue_by_ms, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
          wo.work_order_id, input.step, level, escalatedTo, input.overdueBy ?? null, input.reason ?? null, clock(),
        ]);
        return { escalationLevel: level, escalatedTo };
      }),

    cancelWorkOrder: (input, ctx) =>
      once(pool, 'dispatch.cancelWorkOrder', ctx, async (c) => {
        const wo = await lockWorkOrder(c, input.workOrderId);
        if (wo.state === 'cancelled') return { state: 'cancelled' as const, cancelledAt: iso(wo.updated_at), bookingReleased: false };
        // As a compensation: only the order its own step created, and only while it is live (a
        // done or failed order has nothing left to undo; refusing would stop the other compensations).
        if (ctx.compensates !== undefined && (!mayUndo(ctx, wo.created_by) || wo.state === 'done' || wo.state === 'failed')) return { state: wo.state, bookingReleased: false };
        if (wo.state === 'done' || wo.state === 'failed') reject('dispatch/invalid-transition', `work order ${wo.work_order_id} is already ${wo.state}`);
        const now = clock();
        await c.query(`UPDATE dispatch_work_orders SET state = 'cancelled', updated_at = $2 WHERE work_order_id = $1`, [wo.work_order_id, now]);
        await c.query(`INSERT INTO dispatch_work_order_events (work_order_id, from_state, to_state, at, note) VALUES ($1, $2, 'cancelled', $3, $4)`, [wo.work_order_id, wo.state, now, input.reason]);
        const bookingReleased = wo.booking_id ? await releaseBooking(c, wo.booking_id, now) : false;
        return { state: 'cancelled' as const, cancelledAt: iso(now), bookingReleased };
      }),

    reserveNumber: (input, ctx) =>
      once(pool, 'dispatch.reserveNumber', ctx, async (c) => {
        const now = clock();
        const n = await one<{ status: string }>(c, 'dispatch/number-unavailable', `${input.number} is not in the allocation pool`, 'SELECT status FROM dispatch_numbers WHERE number = $1 FOR UPDATE', [input.number]);
        // A reservation past its expiry gives the number back first.
        await c.query('UPDATE dispatch_reservations SET released_at = expires_at WHERE number = $1 AND released_at IS NULL AND expires_at <= $2', [input.number, now]);
        const live = await c.query('SELECT 1 FROM dispatch_reservations WHERE number = $1 AND released_at IS NULL', [input.number]);
        if (n.status === 'assigned' || live.rowCount) reject('dispatch/number-unavailable', `${input.number} is already ${n.status === 'assigned' ? 'in use' : 'reserved'}`);
        const expiresAt = new Date(now.getTime() + (input.holdFor ?? 72 * 3_600_000));
        const { rows } = await c.query<{ reservation_id: string }>(
          'INSERT INTO dispatch_reservations (number, account_id, reserved_at, expires_at, reserved_by) VALUES ($1, $2, $3, $4, $5) RETURNING reservation_id',
          [input.number, input.accountId ?? null, now, expiresAt, ctx.idempotencyKey],
        );
        await c.query(`UPDATE dispatch_numbers SET status = 'reserved' WHERE number = $1`, [input.number]);
        return { reservationId: rows[0]!.reservation_id, number: input.number, expiresAt: iso(expiresAt) };
      }),

    releaseNumber: (input, ctx) =>
      once(pool, 'dispatch.releaseNumber', ctx, async (c) => {
        const r = await one<{ number: string; released_at: Date | null; status: string; reserved_by: string | null }>(
          c,
          'dispatch/reservation-not-found',
          `no reservation has the id ${input.reservationId}`,
          'SELECT r.number, r.released_at, n.status, r.reserved_by FROM dispatch_reservations r JOIN dispatch_numbers n USING (number) WHERE reservation_id = $1 FOR UPDATE',
          [input.reservationId],
        );
        if (r.released_at || r.status === 'assigned' || !mayUndo(ctx, r.reserved_by)) return { released: false };
        await c.query('UPDATE dispatch_reservations SET released_at = $2 WHERE reservation_id = $1', [input.reservationId, clock()]);
        await c.query(`UPDATE dispatch_numbers SET status = 'free' WHERE number = $1`, [r.number]);
        return { released: true };
      }),

    portLine: (input, ctx) =>
      once(pool, 'dispatch.portLine', ctx, async (c) => {
        const ex = await one<{ exchange: string; free_ports: number }>(
          c,
          'dispatch/address-not-served',
          `no exchange serves ${input.address.city}`,
          'SELECT exchange, free_ports FROM dispatch_exchanges WHERE city = $1 ORDER BY district IS NOT DISTINCT FROM $2 DESC, exchange LIMIT 1 FOR UPDATE',
          [input.address.city, input.address.district ?? null],
        );
        if (ex.free_ports <= 0) reject('dispatch/no-free-port', `exchange ${ex.exchange} has no free port`);
        const now = clock();
        await c.query('UPDATE dispatch_exchanges SET free_ports = free_ports - 1 WHERE exchange = $1', [ex.exchange]);
        const { rows } = await c.query<{ port_id: string }>(
          'INSERT INTO dispatch_ports (exchange, number, work_order_id, activated_at, ported_by) VALUES ($1, $2, $3, $4, $5) RETURNING port_id',
          [ex.exchange, input.number, input.workOrderId ?? null, now, ctx.idempotencyKey],
        );
        await c.query(`UPDATE dispatch_numbers SET status = 'assigned' WHERE number = $1`, [input.number]);
        // A number in use is held by no reservation: the one that kept it for this line is used up.
        await c.query('UPDATE dispatch_reservations SET released_at = $2 WHERE number = $1 AND released_at IS NULL', [input.number, now]);
        return { portId: rows[0]!.port_id, exchange: ex.exchange, activatedAt: iso(now) };
      }),

    releasePort: (input, ctx) =>
      once(pool, 'dispatch.releasePort', ctx, async (c) => {
        const p = await one<{ exchange: string; state: string; released_at: Date | null; ported_by: string | null }>(
          c,
          'dispatch/port-not-found',
          `no port ${input.portId} carries ${input.number}`,
          'SELECT exchange, state, released_at, ported_by FROM dispatch_ports WHERE port_id = $1 AND number = $2 FOR UPDATE',
          [input.portId, input.number],
        );
        if (p.state === 'released') return { released: false, releasedAt: iso(p.released_at!) };
        // As a compensation, only the port its own step activated is released.
        if (!mayUndo(ctx, p.ported_by)) return { released: false };
        const others = await c.query(`SELECT 1 FROM dispatch_ports WHERE number = $1 AND port_id <> $2 AND state = 'active'`, [input.number, input.portId]);
        // A compensation cannot take the number's only working port: the line lives on it now.
        if (!others.rowCount && ctx.compensates !== undefined) return { released: false };
        if (!others.rowCount) reject('dispatch/last-active-port', `port ${input.portId} is the only working port of ${input.number}; activate the new one first`);
        const now = clock();
        await c.query(`UPDATE dispatch_ports SET state = 'released', released_at = $2 WHERE port_id = $1`, [input.portId, now]);
        await c.query('UPDATE dispatch_exchanges SET free_ports = free_ports + 1 WHERE exchange = $1', [p.exchange]);
        return { released: true, releasedAt: iso(now) };
      }),
  };
}
