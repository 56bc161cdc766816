/**
 * The systems on the real PostgreSQL, issue 10: a compensation undoes only what the step it
 * compensates made (items 3 and 4), every advance credit is tied to a charge of the same account
 * and bounded by it (item 8), and what the database refuses (a reference to nothing, a NUL, a
 * value out of range) is a typed rejection, never an outage retried ten times (item 10).
 */
import anyTest, { type TestFn, type ExecutionContext } from 'ava';
import pg from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import { telecomDatabase } from './helpers/telecom.js';
import { createSystemActivities, type SystemActivity } from '../modules/telecom/src/systems/index.js';
import { fromDatabase, Rejection } from '../modules/telecom/src/systems/effects.js';
import type { ActivityName } from '../modules/telecom/src/catalog/index.js';
import { databaseUrl } from './helpers/servers.js';

interface Ctx {
  pool: pg.Pool;
  act: Record<ActivityName, SystemActivity>;
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  await telecomDatabase();
  t.context.pool = new pg.Pool({ connectionString: databaseUrl(), max: 20 });
  t.context.act = createSystemActivities({ pool: t.context.pool, sender: null });
});

test.after.always(async (t) => {
  await t.context.pool?.end();
});

let seq = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;
/** A forward call's key, as the workflow makes it: `${workflowId}/${stepId}`. */
const key = () => ({ idempotencyKey: `${unique('wf')}/step` });
/** The key of the compensation of the call made with `forward`. */
const compensating = (forward: { idempotencyKey: string }) => ({ idempotencyKey: `${forward.idempotencyKey}/compensate` });
const cny = (fen: number) => ({ fen, currency: 'CNY' });

async function one(t: ExecutionContext<Ctx>, sql: string, params: unknown[]): Promise<Record<string, unknown>> {
  return (await t.context.pool.query(sql, params)).rows[0];
}

async function rejected(t: ExecutionContext<Ctx>, p: Promise<unknown>, type: string): Promise<ApplicationFailure> {
  const err = await t.throwsAsync(p);
  t.true(err instanceof ApplicationFailure, `a typed failure, not ${String(err)}`);
  const f = err as ApplicationFailure;
  t.is(f.type, type, f.message);
  t.true(f.nonRetryable, 'a rejection is not retried');
  return f;
}

async function account(t: ExecutionContext<Ctx>): Promise<{ accountId: string; msisdn: string }> {
  const accountId = unique('AC');
  const msisdn = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  await t.context.pool.query(`INSERT INTO billing_accounts (account_id, msisdn, holder_name, city, plan_code) VALUES ($1, $2, '测试', '上海', 'basic-58')`, [accountId, msisdn]);
  return { accountId, msisdn };
}

async function activeSubscription(t: ExecutionContext<Ctx>) {
  const { act } = t.context;
  const { accountId, msisdn } = await account(t);
  const { subscriptionId } = (await act['billing.createSubscription']({ accountId, msisdn, spCode: 'SP-902', product: '天气预报', monthlyFee: cny(300) }, key())) as { subscriptionId: string };
  await act['billing.confirmSubscription']({ subscriptionId, via: 'sms-reply', confirmedAt: new Date().toISOString(), replyText: 'Y' }, key());
  const started = key();
  await act['billing.startSubscription']({ subscriptionId }, started);
  return { accountId, subscriptionId, started };
}

const state = async (t: ExecutionContext<Ctx>, subscriptionId: string) => (await one(t, 'SELECT state FROM billing_subscriptions WHERE subscription_id = $1', [subscriptionId])).state;

test('startSubscription on an active subscription changes nothing, and its compensation cancels nothing', async (t) => {
  const { act } = t.context;
  const { subscriptionId, started } = await activeSubscription(t);
  // A second instance's step: a recorded no-op.
  const second = key();
  t.like(await act['billing.startSubscription']({ subscriptionId }, second), { state: 'active' });
  // Its compensation (the second instance failed afterwards) must leave the live subscription alone.
  const undone = (await act['billing.cancelSubscription']({ subscriptionId, reason: 'rollback' }, compensating(second))) as { state: string; cancelledAt?: string };
  t.is(undone.state, 'active');
  t.is(undone.cancelledAt, undefined);
  t.is(await state(t, subscriptionId), 'active');
  // The compensation of the step that did start it does cancel it; a forward cancel always does.
  t.like(await act['billing.cancelSubscription']({ subscriptionId, reason: 'rollback' }, compensating(started)), { state: 'cancelled' });
  t.is(await state(t, subscriptionId), 'cancelled');
});

test('every compensating operation undoes only the effect of the step it compensates', async (t) => {
  const { act, pool } = t.context;
  // A booked window.
  const now = Date.now();
  const { slots } = (await act['dispatch.findSlots']({ area: 'SH-PD', from: new Date(now + 86_400_000).toISOString(), to: new Date(now + 4 * 86_400_000).toISOString() }, key())) as { slots: Array<{ windowStart: string; windowEnd: string }> };
  const book = key();
  const { bookingId } = (await act['dispatch.bookSlot']({ area: 'SH-PD', ...slots[0]! }, book)) as { bookingId: string };
  t.deepEqual(await act['dispatch.releaseSlot']({ bookingId }, compensating(key())), { released: false });
  t.is((await one(t, 'SELECT released_at FROM dispatch_bookings WHERE booking_id = $1', [bookingId])).released_at, null);
  // A work order on it.
  const create = key();
  const { workOrderId } = (await act['dispatch.createWorkOrder']({ type: 'install', contactPhone: '13800138000', address: { city: '上海', street: '世纪大道 1 号' }, bookingId }, create)) as { workOrderId: string };
  t.like(await act['dispatch.cancelWorkOrder']({ workOrderId, reason: 'rollback' }, compensating(key())), { state: 'created', bookingReleased: false });
  t.like(await one(t, 'SELECT state FROM dispatch_work_orders WHERE work_order_id = $1', [workOrderId]), { state: 'created' });
  t.like(await act['dispatch.cancelWorkOrder']({ workOrderId, reason: 'rollback' }, compensating(create)), { state: 'cancelled', bookingReleased: true });
  t.deepEqual(await act['dispatch.releaseSlot']({ bookingId }, compensating(book)), { released: false }, 'already given back with the order');
  // A reserved number.
  const number = `0215${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  await pool.query(`INSERT INTO dispatch_numbers (number, city) VALUES ($1, '上海')`, [number]);
  const reserve = key();
  const { reservationId } = (await act['dispatch.reserveNumber']({ number }, reserve)) as { reservationId: string };
  t.deepEqual(await act['dispatch.releaseNumber']({ reservationId }, compensating(key())), { released: false });
  t.like(await one(t, 'SELECT status FROM dispatch_numbers WHERE number = $1', [number]), { status: 'reserved' });
  t.deepEqual(await act['dispatch.releaseNumber']({ reservationId }, compensating(reserve)), { released: true });
  // A port (a second one, so that releasing is allowed at all).
  await act['dispatch.portLine']({ number, address: { city: '上海', district: '浦东', street: 'x' } }, key());
  const port = key();
  const { portId } = (await act['dispatch.portLine']({ number, address: { city: '上海', district: '浦东', street: 'x' } }, port)) as { portId: string };
  t.like(await act['dispatch.releasePort']({ portId, number }, compensating(key())), { released: false });
  t.like(await one(t, 'SELECT state FROM dispatch_ports WHERE port_id = $1', [portId]), { state: 'active' });
  t.like(await act['dispatch.releasePort']({ portId, number }, compensating(port)), { released: true });
  // A charge.
  const { accountId } = await account(t);
  const charge = key();
  const { chargeId } = (await act['billing.charge']({ accountId, amount: cny(1000), reason: '安装费' }, charge)) as { chargeId: string };
  t.deepEqual(await act['billing.refund']({ chargeId, amount: cny(1000), reason: 'rollback' }, compensating(key())), {});
  t.like(await one(t, 'SELECT count(*)::int AS n FROM billing_refunds WHERE charge_id = $1', [chargeId]), { n: 0 });
  t.truthy(((await act['billing.refund']({ chargeId, amount: cny(1000), reason: 'rollback' }, compensating(charge))) as { refundId?: string }).refundId);
});

test('a compensation of a finished work order changes nothing and does not fail (the other compensations still run)', async (t) => {
  const { act } = t.context;
  const create = key();
  const { workOrderId } = (await act['dispatch.createWorkOrder']({ type: 'repair', contactPhone: '13800138000', address: { city: '上海', street: '世纪大道 1 号' } }, create)) as { workOrderId: string };
  await act['dispatch.assignTechnician']({ workOrderId }, key());
  await act['dispatch.updateWorkOrder']({ workOrderId, state: 'on_site' }, key());
  await act['dispatch.updateWorkOrder']({ workOrderId, state: 'done' }, key());
  t.like(await act['dispatch.cancelWorkOrder']({ workOrderId, reason: 'rollback' }, compensating(create)), { state: 'done', bookingReleased: false });
  // Called forward, cancelling a finished order is still refused.
  await rejected(t, act['dispatch.cancelWorkOrder']({ workOrderId, reason: 'x' }, key()), 'dispatch/invalid-transition');
});

test('an advance credit needs a charge of the same account and is bounded by it, whatever the concurrency', async (t) => {
  const { act, pool } = t.context;
  const { accountId } = await account(t);
  const other = await account(t);
  await rejected(t, act['billing.compensateMischarge']({ accountId, amount: cny(15_000), reason: 'SP' }, key()), 'svcflow/invalid-input');
  const { chargeId } = (await act['billing.charge']({ accountId, amount: cny(100_000), reason: 'SP 包月' }, key())) as { chargeId: string };
  const theirs = (await act['billing.charge']({ accountId: other.accountId, amount: cny(100_000), reason: 'SP 包月' }, key())) as { chargeId: string };
  await rejected(t, act['billing.compensateMischarge']({ accountId, amount: cny(100), chargeId: theirs.chargeId, reason: 'SP' }, key()), 'billing/charge-not-on-account');
  // 10 concurrent credits of ¥150 on one charge, against the ¥200 limit: one is paid.
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => act['billing.compensateMischarge']({ accountId, amount: cny(15_000), chargeId, reason: 'SP' }, key())));
  t.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) if (r.status === 'rejected') t.is((r.reason as ApplicationFailure).type, 'billing/compensation-limit-exceeded');
  t.like(await one(t, 'SELECT sum(amount_fen)::int AS s FROM billing_compensations WHERE account_id = $1', [accountId]), { s: 15_000 });
  // Never more than remains of the charge after its refunds and earlier credits.
  const small = (await act['billing.charge']({ accountId, amount: cny(300), reason: '短信' }, key())) as { chargeId: string };
  await act['billing.refund']({ chargeId: small.chargeId, amount: cny(200), reason: '退订' }, key());
  await rejected(t, act['billing.compensateMischarge']({ accountId, amount: cny(150), chargeId: small.chargeId, reason: 'SP' }, key()), 'billing/compensation-exceeds-charge');
  await act['billing.compensateMischarge']({ accountId, amount: cny(100), chargeId: small.chargeId, reason: 'SP' }, key());
  await rejected(t, act['billing.refund']({ chargeId: small.chargeId, amount: cny(1), reason: 'x' }, key()), 'billing/refund-exceeds-charge');
  const { rows } = await pool.query('SELECT balance_fen FROM billing_accounts WHERE account_id = $1', [accountId]);
  t.is(Number(rows[0].balance_fen), -100_000 - 300 + 15_000 + 200 + 100);
});

test('a reference to nothing, a NUL or an out-of-range value is a typed rejection, not an outage', async (t) => {
  const { act } = t.context;
  const { accountId } = await account(t);
  const { chargeId } = (await act['billing.charge']({ accountId, amount: cny(1000), reason: '月租' }, key())) as { chargeId: string };
  await rejected(t, act['billing.compensateMischarge']({ accountId, amount: cny(100), chargeId, subscriptionId: 'SUB-none', reason: 'SP' }, key()), 'billing/subscription-not-found');
  const nul = await rejected(t, act['billing.charge']({ accountId, amount: cny(100), reason: 'Y\u0000' }, key()), 'svcflow/invalid-input');
  t.regex(nul.message, /reason: text may not contain a NUL character/);
  await rejected(t, act['notification.recordSurvey']({ msisdn: '13800138000', subject: 'install', referenceId: 'x', channel: 'sms', comment: 'ok\u0000' }, key()), 'svcflow/invalid-input');
  // What only the database knows: a timestamp PostgreSQL cannot store (year 0) is class 22.
  await rejected(t, act['dispatch.createWorkOrder']({ type: 'repair', contactPhone: '13800138000', address: { city: '上海', street: 'x' }, dueBy: '0000-01-01T00:00:00Z' }, key()), 'svcflow/invalid-data');
  t.like(await one(t, 'SELECT count(*)::int AS n FROM billing_charges WHERE account_id = $1', [accountId]), { n: 1 });
});

test('constraint violations from the database map to rejections by constraint and by class', async (t) => {
  const { pool } = t.context;
  const fk = fromDatabase(await pool.query(`INSERT INTO billing_compensations (account_id, amount_fen, currency, reason, credited_at) VALUES ('AC-none', 1, 'CNY', 'x', now())`).catch((e: unknown) => e));
  t.true(fk instanceof Rejection);
  t.is((fk as Rejection).type, 'svcflow/reference-not-found');
  const named = fromDatabase(await pool.query(`INSERT INTO billing_compensations (account_id, amount_fen, currency, subscription_id, reason, credited_at) VALUES ('AC-1', 1, 'CNY', 'SUB-none', 'x', now())`).catch((e: unknown) => e));
  t.is((named as Rejection).type, 'billing/subscription-not-found');
  const check = fromDatabase(await pool.query(`INSERT INTO billing_compensations (account_id, amount_fen, currency, reason, credited_at) VALUES ('AC-1', -1, 'CNY', 'x', now())`).catch((e: unknown) => e));
  t.is((check as Rejection).type, 'svcflow/constraint-violation');
  const nul = fromDatabase(await pool.query(`SELECT $1::text`, ['a\u0000']).catch((e: unknown) => e));
  t.is((nul as Rejection).type, 'svcflow/invalid-data');
  // An outage stays an outage (retried).
  const lost = new Error('Connection terminated unexpectedly');
  t.is(fromDatabase(lost), lost);
});
