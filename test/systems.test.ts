/**
 * The billing, dispatch, notification and complaint systems against the real PostgreSQL that
 * `npm test` started: each service rule, exactly-once under repetition and concurrency, and bad
 * input rejected with a typed failure and no row written.
 */
import anyTest, { type TestFn, type ExecutionContext } from 'ava';
import pg from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import { telecomDatabase } from './helpers/telecom.js';
import { createSystemActivities, type OutgoingMessage, type SystemActivity } from '../modules/telecom/src/systems/index.js';
import { drainOutbox } from '../modules/telecom/src/systems/notification.js';
import type { ActivityName } from '../modules/telecom/src/catalog/index.js';
import { databaseUrl } from './helpers/servers.js';

interface Ctx {
  pool: pg.Pool;
  act: Record<ActivityName, SystemActivity>;
  sent: OutgoingMessage[];
  failNext: { count: number };
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  await telecomDatabase();
  t.context.pool = new pg.Pool({ connectionString: databaseUrl(), max: 20 });
  t.context.sent = [];
  t.context.failNext = { count: 0 };
  const sender = {
    async send(m: OutgoingMessage) {
      if (t.context.failNext.count > 0) {
        t.context.failNext.count--;
        throw new Error('SMS gateway timed out');
      }
      t.context.sent.push(m);
    },
  };
  t.context.act = createSystemActivities({ pool: t.context.pool, sender });
});

test.after.always(async (t) => {
  await t.context.pool?.end();
});

let seq = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;
const key = () => ({ idempotencyKey: unique('wf') + '/step' });
const cny = (fen: number) => ({ fen, currency: 'CNY' });

async function count(t: ExecutionContext<Ctx>, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await t.context.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, params);
  return Number(rows[0]!.n);
}

async function account(t: ExecutionContext<Ctx>, city = '上海'): Promise<{ accountId: string; msisdn: string }> {
  const accountId = unique('AC');
  const msisdn = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  await t.context.pool.query(`INSERT INTO billing_accounts (account_id, msisdn, holder_name, city, plan_code, balance_fen) VALUES ($1, $2, '测试', $3, 'basic-58', 0)`, [accountId, msisdn, city]);
  return { accountId, msisdn };
}

async function rejected(t: ExecutionContext<Ctx>, p: Promise<unknown>, type: string): Promise<ApplicationFailure> {
  const err = await t.throwsAsync(p, { instanceOf: ApplicationFailure });
  t.is(err!.type, type, err!.message);
  t.true(err!.nonRetryable, 'a business rejection is not retried');
  return err!;
}

async function balance(t: ExecutionContext<Ctx>, accountId: string): Promise<number> {
  const { rows } = await t.context.pool.query('SELECT balance_fen FROM billing_accounts WHERE account_id = $1', [accountId]);
  return Number(rows[0].balance_fen);
}

test('100 concurrent bookings for 10 places book exactly 10', async (t) => {
  const { pool, act } = t.context;
  const area = unique('AREA');
  await pool.query(`INSERT INTO dispatch_areas (area, city, name) VALUES ($1, $1, 'test team')`, [area]);
  await pool.query(`INSERT INTO dispatch_windows (area, starts, ends, capacity) VALUES ($1, '09:00', '12:00', 10)`, [area]);
  const now = Date.now();
  const found = (await act['dispatch.findSlots']({ area, from: new Date(now).toISOString(), to: new Date(now + 3 * 86_400_000).toISOString() }, key())) as { slots: Array<{ windowStart: string; windowEnd: string; capacity: number }> };
  const slot = found.slots[0]!;
  t.is(slot.capacity, 10);
  // The area's window is 09:00–12:00 local time (Asia/Shanghai, UTC+8).
  t.is(new Date(slot.windowStart).getUTCHours(), 1);
  t.is(new Date(slot.windowEnd).getUTCHours(), 4);
  const results = await Promise.allSettled(Array.from({ length: 100 }, () => act['dispatch.bookSlot']({ area, windowStart: slot.windowStart, windowEnd: slot.windowEnd }, key())));
  const booked = results.filter((r) => r.status === 'fulfilled');
  t.is(booked.length, 10);
  for (const r of results) if (r.status === 'rejected') t.is((r.reason as ApplicationFailure).type, 'dispatch/no-slot');
  t.is(await count(t, 'dispatch_bookings WHERE area = $1', [area]), 10);
  const after = (await act['dispatch.findSlots']({ area, from: new Date(now).toISOString(), to: new Date(now + 3 * 86_400_000).toISOString() }, key())) as { slots: Array<{ windowStart: string }> };
  t.false(after.slots.some((s) => s.windowStart === slot.windowStart), 'a full window is no longer offered');
  // Releasing one gives exactly one place back, and releasing twice is harmless.
  const { bookingId } = (booked[0] as PromiseFulfilledResult<{ bookingId: string }>).value;
  t.deepEqual(await act['dispatch.releaseSlot']({ bookingId }, key()), { released: true });
  t.deepEqual(await act['dispatch.releaseSlot']({ bookingId }, key()), { released: false });
  t.is(Number((await pool.query('SELECT booked FROM dispatch_slots WHERE area = $1 AND window_start = $2', [area, slot.windowStart])).rows[0].booked), 9);
});

test('the same idempotency key twice, even concurrently, gives one row and the same answer', async (t) => {
  const { act } = t.context;
  const { accountId } = await account(t);
  const k = key();
  const input = { accountId, amount: cny(3000), reason: '安装费' };
  const [a, b] = await Promise.all([act['billing.charge'](input, k), act['billing.charge'](input, k)]);
  const c = await act['billing.charge'](input, k);
  t.deepEqual(a, b);
  t.deepEqual(a, c);
  t.is(await count(t, 'billing_charges WHERE account_id = $1', [accountId]), 1);
  t.is(await balance(t, accountId), -3000);
  // A key is bound to the activity that first used it.
  await rejected(t, act['billing.refund']({ chargeId: (a as { chargeId: string }).chargeId, amount: cny(100), reason: 'x' }, k), 'svcflow/idempotency-key-reused');
});

test('a charge on an unconfirmed subscription is refused, by the database too, and writes nothing', async (t) => {
  const { act, pool } = t.context;
  const { accountId, msisdn } = await account(t);
  const { subscriptionId } = (await act['billing.createSubscription']({ accountId, msisdn, spCode: 'SP-901', product: '彩铃', monthlyFee: cny(500) }, key())) as { subscriptionId: string };
  await rejected(t, act['billing.chargeSubscription']({ subscriptionId, period: '2026-11' }, key()), 'billing/subscription-not-confirmed');
  await rejected(t, act['billing.startSubscription']({ subscriptionId }, key()), 'billing/subscription-not-confirmed');
  t.is(await count(t, 'billing_charges WHERE subscription_id = $1', [subscriptionId]), 0);
  t.is(await balance(t, accountId), 0);
  // Code that bypasses the activity cannot insert one either: the trigger refuses it.
  const direct = await t.throwsAsync(
    pool.query(`INSERT INTO billing_charges (account_id, amount_fen, currency, reason, subscription_id, period, charged_at) VALUES ($1, 500, 'CNY', 'x', $2, '2026-11', now())`, [accountId, subscriptionId]),
  );
  t.regex(direct!.message, /has no second confirmation/);
  // Confirmed, it is charged once per month.
  await act['billing.confirmSubscription']({ subscriptionId, via: 'sms-reply', confirmedAt: new Date().toISOString(), replyText: '是' }, key());
  const charged = (await act['billing.chargeSubscription']({ subscriptionId, period: '2026-11' }, key())) as { amount: { fen: number } };
  t.is(charged.amount.fen, 500);
  await rejected(t, act['billing.chargeSubscription']({ subscriptionId, period: '2026-11' }, key()), 'billing/already-charged');
  // Cancelled, it cannot be charged again.
  await act['billing.cancelSubscription']({ subscriptionId, reason: 'customer-request' }, key());
  await rejected(t, act['billing.chargeSubscription']({ subscriptionId, period: '2026-12' }, key()), 'billing/subscription-cancelled');
  t.is(await count(t, 'billing_charges WHERE subscription_id = $1', [subscriptionId]), 1);
});

test('a double refund is one refund row of twice the wrongly charged amount, linked to the charge', async (t) => {
  const { act, pool } = t.context;
  const { accountId } = await account(t);
  const { chargeId } = (await act['billing.charge']({ accountId, amount: cny(5000), reason: '月租' }, key())) as { chargeId: string };
  const out = (await act['billing.doubleRefund']({ chargeId, wronglyCharged: cny(1200), reason: '计费差错' }, key())) as { refundId: string; refunded: { fen: number } };
  t.deepEqual(out.refunded, cny(2400));
  const { rows } = await pool.query('SELECT charge_id, kind, amount_fen, wrongly_charged_fen FROM billing_refunds WHERE charge_id = $1', [chargeId]);
  t.deepEqual(rows, [{ charge_id: chargeId, kind: 'double', amount_fen: '2400', wrongly_charged_fen: '1200' }]);
  t.is(await balance(t, accountId), -5000 + 2400);
  await rejected(t, act['billing.doubleRefund']({ chargeId, wronglyCharged: cny(100), reason: 'again' }, key()), 'billing/already-refunded');
  await rejected(t, act['billing.doubleRefund']({ chargeId: 'CH-none', wronglyCharged: cny(100), reason: 'x' }, key()), 'billing/charge-not-found');
  t.is(await count(t, 'billing_refunds WHERE charge_id = $1', [chargeId]), 1);
});

test('bad amounts are typed failures and write nothing', async (t) => {
  const { act } = t.context;
  const { accountId } = await account(t);
  // Negative money is refused at the boundary by the catalog's Money schema, before billing sees it.
  t.regex((await rejected(t, act['billing.charge']({ accountId, amount: cny(-100), reason: 'x' }, key()), 'svcflow/invalid-input')).message, /amount\.fen/);
  await rejected(t, act['billing.charge']({ accountId, amount: { fen: 100, currency: 'USD' }, reason: 'x' }, key()), 'billing/invalid-amount');
  const err = await rejected(t, act['billing.charge']({ accountId, amount: { fen: 1.5, currency: 'CNY' }, reason: 'x' }, key()), 'svcflow/invalid-input');
  t.regex(err.message, /amount\.fen/);
  await rejected(t, act['billing.charge']({ accountId: 'AC-none', amount: cny(100), reason: 'x' }, key()), 'billing/account-not-found');
  await rejected(t, act['billing.compensateMischarge']({ accountId, amount: cny(50_000), reason: 'SP 扣费' }, key()), 'svcflow/invalid-input'); // a credit needs its charge
  t.is(await count(t, 'billing_charges WHERE account_id = $1', [accountId]), 0);
  t.is(await count(t, 'billing_compensations WHERE account_id = $1', [accountId]), 0);
  t.is(await count(t, "svcflow_effects WHERE activity LIKE 'billing.%' AND result = 'null'"), 0, 'a rejected call leaves no ledger row');
});

test('an optional argument a process passes as null counts as not given', async (t) => {
  const { act } = t.context;
  // ComplaintHandling passes `relatedId: input.relatedId`, which is null when the intake left it out.
  const opened = (await act['complaints.openComplaint'](
    { msisdn: '13800138000', category: 'service', channel: 'web', description: '态度差', firstContactOwner: 'agent-1002', relatedId: null, timeLimit: null },
    key(),
  )) as { complaintId: string; deadline: string; openedAt: string };
  t.is(Date.parse(opened.deadline) - Date.parse(opened.openedAt), 48 * 3_600_000, 'the category time limit applies');
  await rejected(t, act['complaints.openComplaint']({ msisdn: null, category: 'service', channel: 'web', description: 'x', firstContactOwner: 'agent-1002' }, key()), 'svcflow/invalid-input');
});

test('a work order moves only through valid transitions', async (t) => {
  const { act } = t.context;
  const address = { city: '上海', street: '世纪大道 1 号' };
  const { workOrderId } = (await act['dispatch.createWorkOrder']({ type: 'repair', contactPhone: '13800138000', address, description: '无拨号音' }, key())) as { workOrderId: string };
  await rejected(t, act['dispatch.updateWorkOrder']({ workOrderId, state: 'done' }, key()), 'dispatch/invalid-transition');
  await rejected(t, act['dispatch.updateWorkOrder']({ workOrderId, state: 'on_site' }, key()), 'dispatch/invalid-transition');
  const tech = (await act['dispatch.assignTechnician']({ workOrderId }, key())) as { technicianId: string; state: string };
  t.is(tech.state, 'assigned');
  t.regex(tech.technicianId, /^T-/);
  await act['dispatch.updateWorkOrder']({ workOrderId, state: 'on_site' }, key());
  const done = (await act['dispatch.updateWorkOrder']({ workOrderId, state: 'done', note: '更换分线盒' }, key())) as { previousState: string };
  t.is(done.previousState, 'on_site');
  await rejected(t, act['dispatch.updateWorkOrder']({ workOrderId, state: 'failed', failureReason: 'x' }, key()), 'dispatch/invalid-transition');
  await rejected(t, act['dispatch.cancelWorkOrder']({ workOrderId, reason: 'x' }, key()), 'dispatch/invalid-transition');
  await rejected(t, act['dispatch.escalateWorkOrder']({ workOrderId, step: 'repair' }, key()), 'dispatch/work-order-closed');
  await rejected(t, act['dispatch.updateWorkOrder']({ workOrderId: 'WO-none', state: 'done' }, key()), 'dispatch/work-order-not-found');
  t.is(await count(t, 'dispatch_work_order_events WHERE work_order_id = $1', [workOrderId]), 4, 'created, assigned, on site, done');
  await rejected(t, act['dispatch.createWorkOrder']({ type: 'install', contactPhone: '13800138000', address: { city: '火星', street: '1' } }, key()), 'dispatch/address-not-served');
});

test('a number is released to the pool only once its new port works; a reserved number is not given twice', async (t) => {
  const { act, pool } = t.context;
  const number = `0215899${String(++seq).padStart(4, '0')}`;
  await pool.query(`INSERT INTO dispatch_numbers (number, city) VALUES ($1, '上海')`, [number]);
  const r = (await act['dispatch.reserveNumber']({ number }, key())) as { reservationId: string };
  await rejected(t, act['dispatch.reserveNumber']({ number }, key()), 'dispatch/number-unavailable');
  const oldPort = (await act['dispatch.portLine']({ number, address: { city: '上海', street: 'A 路 1 号' } }, key())) as { portId: string };
  await rejected(t, act['dispatch.releasePort']({ portId: oldPort.portId, number }, key()), 'dispatch/last-active-port');
  await act['dispatch.portLine']({ number, address: { city: '上海', district: '浦东', street: 'B 路 2 号' } }, key());
  t.like(await act['dispatch.releasePort']({ portId: oldPort.portId, number }, key()), { released: true });
  t.deepEqual(await act['dispatch.releaseNumber']({ reservationId: r.reservationId }, key()), { released: false }, 'a number in use is not given back');
});

test('messages are rendered from templates into the outbox and sent once; a failed send is retried, not repeated', async (t) => {
  const { act, sent, failNext, pool } = t.context;
  const k = key();
  const input = { to: '13800138000', template: 'sp.confirm.request', vars: { product: '彩铃', fee: '¥5.00' } };
  failNext.count = 1;
  await t.throwsAsync(act['notification.sendSms'](input, k), { message: /gateway timed out/ });
  // A retry while the failed attempt's claim was released: sent now, once.
  const first = (await act['notification.sendSms'](input, k)) as { messageId: string; status: string };
  const again = (await act['notification.sendSms'](input, k)) as { messageId: string; status: string };
  t.is(first.status, 'sent');
  t.deepEqual(again, first);
  const mine = sent.filter((m) => m.messageId === first.messageId);
  t.is(mine.length, 1);
  t.regex(mine[0]!.body, /您正在订购 彩铃，月费 ¥5\.00/);
  const { rows } = await pool.query('SELECT status, attempts FROM notification_outbox WHERE message_id = $1', [first.messageId]);
  t.deepEqual(rows[0], { status: 'sent', attempts: 2 });
  const en = (await act['notification.sendSms']({ ...input, locale: 'en' }, key())) as { messageId: string };
  t.regex(sent.find((m) => m.messageId === en.messageId)!.body, /You are subscribing to 彩铃 at ¥5\.00/);
  await rejected(t, act['notification.sendSms']({ ...input, vars: { product: '彩铃' } }, key()), 'notification/missing-var');
  await rejected(t, act['notification.sendSms']({ ...input, template: 'no.such' }, key()), 'notification/unknown-template');
});

test('a complaint keeps its first-contact owner, escalates city → province → group with a deadline per level, and reopens on a dissatisfied callback', async (t) => {
  const { act, pool } = t.context;
  const opened = (await act['complaints.openComplaint'](
    { msisdn: '13800138000', category: 'billing', channel: 'hotline', description: '多扣了月租', firstContactOwner: 'agent-1001' },
    key(),
  )) as { complaintId: string; level: string; deadline: string; openedAt: string };
  const { complaintId } = opened;
  t.is(opened.level, 'city');
  t.is(Date.parse(opened.deadline) - Date.parse(opened.openedAt), 48 * 3_600_000);
  await rejected(t, act['complaints.assignOwner']({ complaintId, owner: 'nobody' }, key()), 'complaints/unknown-owner');
  const up = (await act['complaints.escalate']({ complaintId, toLevel: 'province', reason: '市级时限已过' }, key())) as { owner: string; deadline: string; escalatedAt: string };
  t.is(up.owner, 'desk-province');
  t.is(Date.parse(up.deadline) - Date.parse(up.escalatedAt), 24 * 3_600_000);
  await rejected(t, act['complaints.escalate']({ complaintId, toLevel: 'city', reason: 'x' }, key()), 'complaints/invalid-level');
  await rejected(t, act['complaints.closeComplaint']({ complaintId }, key()), 'complaints/not-resolved');
  const resolved = (await act['complaints.resolve']({ complaintId, outcome: 'upheld', resolution: '双倍返还 ¥24.00' }, key())) as { withinDeadline: boolean };
  t.true(resolved.withinDeadline);
  t.like(await act['complaints.recordCallback']({ complaintId, reached: true, satisfied: false }, key()), { state: 'open' });
  await act['complaints.resolve']({ complaintId, outcome: 'upheld', resolution: '再次核实并致歉' }, key());
  t.like(await act['complaints.recordCallback']({ complaintId, reached: true, satisfied: true }, key()), { state: 'resolved' });
  t.like(await act['complaints.closeComplaint']({ complaintId }, key()), { state: 'closed' });
  const got = (await act['complaints.getComplaint']({ complaintId }, key())) as Record<string, unknown>;
  t.like(got, { state: 'closed', level: 'province', firstContactOwner: 'agent-1001', owner: 'desk-province', satisfied: true });
  const { rows } = await pool.query('SELECT event FROM complaints_history WHERE complaint_id = $1 ORDER BY id', [complaintId]);
  t.deepEqual(rows.map((r) => r.event), ['opened', 'escalated', 'resolved', 'callback', 'reopened', 'resolved', 'callback', 'closed']);
  await rejected(t, act['complaints.resolve']({ complaintId, outcome: 'upheld', resolution: 'x' }, key()), 'complaints/closed');
});

test('migrations run by several workers at once wait for each other instead of failing', async (t) => {
  const results = await Promise.allSettled(Array.from({ length: 4 }, () => telecomDatabase()));
  t.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
});

// Serial: the relay drains every queued message, so it runs before the concurrent tests.
test.serial('the outbox relay sends what a failed attempt left queued, and the retry then finds it sent', async (t) => {
  const { act, sent, failNext, pool } = t.context;
  const k = key();
  const input = { to: '13800138999', template: 'survey.thanks', vars: { reference: 'R-1' } };
  failNext.count = 1;
  await t.throwsAsync(act['notification.sendSms'](input, k), { message: /gateway timed out/ });
  const relay = { pool, clock: () => new Date(), sender: { send: async (m: OutgoingMessage) => void sent.push(m) } };
  t.true((await drainOutbox(relay)) >= 1);
  const retried = (await act['notification.sendSms'](input, k)) as { messageId: string; status: string };
  t.is(retried.status, 'sent');
  t.is(sent.filter((m) => m.messageId === retried.messageId).length, 1, 'sent once, by the relay');
});

test('refunds and credits of every kind together never exceed the charge; advance compensation is limited per disputed charge', async (t) => {
  const { act } = t.context;
  const { accountId } = await account(t);
  const { chargeId } = (await act['billing.charge']({ accountId, amount: cny(1000), reason: '月租' }, key())) as { chargeId: string };
  await act['billing.refund']({ chargeId, amount: cny(1000), reason: '退订' }, key());
  await rejected(t, act['billing.doubleRefund']({ chargeId, wronglyCharged: cny(1000), reason: '计费差错' }, key()), 'billing/refund-exceeds-charge');
  const other = (await act['billing.charge']({ accountId, amount: cny(1000), reason: '月租' }, key())) as { chargeId: string };
  await act['billing.doubleRefund']({ chargeId: other.chargeId, wronglyCharged: cny(600), reason: '计费差错' }, key());
  await rejected(t, act['billing.refund']({ chargeId: other.chargeId, amount: cny(500), reason: 'x' }, key()), 'billing/refund-exceeds-charge');
  await act['billing.refund']({ chargeId: other.chargeId, amount: cny(400), reason: '余额' }, key());
  // Nothing remains of the charge: an advance credit against it is refused too (issue 10, item 8).
  await rejected(t, act['billing.compensateMischarge']({ accountId, amount: cny(1), chargeId: other.chargeId, reason: 'SP' }, key()), 'billing/compensation-exceeds-charge');
  const big = (await act['billing.charge']({ accountId, amount: cny(100_000), reason: 'SP 包月' }, key())) as { chargeId: string };
  await act['billing.compensateMischarge']({ accountId, amount: cny(15_000), chargeId: big.chargeId, reason: 'SP' }, key());
  await rejected(t, act['billing.compensateMischarge']({ accountId, amount: cny(15_000), chargeId: big.chargeId, reason: 'SP again' }, key()), 'billing/compensation-limit-exceeded');
});
