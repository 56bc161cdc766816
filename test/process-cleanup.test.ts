/**
 * Every shipped process, cancelled at each of its waits and failed where it can fail (issue 10,
 * item 4), on Temporal's time-skipping server with the real PostgreSQL systems. Afterwards
 * nothing the instance (or its children) made is left live: no booking, reservation, work order,
 * subscription, open complaint or doubled port; and every balance movement is a ledger row (a
 * charge, a refund or a credit), so money moves only through explicit operations.
 */
import anyTest, { type TestFn } from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { telecomDatabase } from './helpers/telecom.js';
import { workflowCode } from '../src/engine/worker.js';
import { compileSources } from '../src/dsl/compile.js';
import { reachableChildren } from '../src/ir/walk.js';
import type { ProcessIR } from '../src/ir/schema.js';
import { messageSignal, stateQuery, type ProcessState } from '../src/workflows/run-process.js';
import { createSystemActivities, type SystemActivity } from '../modules/telecom/src/systems/index.js';
import { databaseUrl, eventually, timeSkippingEnv, uniqueQueue } from './helpers/servers.js';
import { telecomCatalog } from './helpers/catalog.js';

interface Ctx {
  pool: pg.Pool;
  activities: Record<string, SystemActivity>;
}
const test = anyTest as TestFn<Ctx>;

const dir = fileURLToPath(new URL('../../processes/', import.meta.url));
const { processes } = compileSources(readdirSync(dir).filter((f) => f.endsWith('.flow')).map((f) => ({ file: `processes/${f}`, text: readFileSync(join(dir, f), 'utf8') })), { catalog: telecomCatalog });
const byName = new Map(processes.map((p) => [p.name, p]));

test.before(async (t) => {
  await telecomDatabase();
  t.context.pool = new pg.Pool({ connectionString: databaseUrl(), max: 10 });
  t.context.activities = createSystemActivities({ pool: t.context.pool, sender: null });
});

test.after.always(async (t) => {
  await t.context.pool?.end();
});

let seq = 0;
const unique = (p: string) => `${p}-${process.pid}-${++seq}`;
const cny = (fen: number) => ({ fen, currency: 'CNY' });
const address = { city: '上海', district: '浦东', street: '世纪大道 100 号' };

type Drive = (h: WorkflowHandle, env: TestWorkflowEnvironment) => Promise<void>;
interface Setup {
  input: unknown;
  /** The account whose balance must move only by ledger rows. */
  accountId?: string;
  /** A subscription that must end cancelled, or stay as it was (`keep`). */
  subscription?: { id: string; expect: 'cancelled' | 'active' };
}

/** No activity of the instance is in flight: every one scheduled has closed (a parallel branch may still be calling). */
async function quiet(h: WorkflowHandle): Promise<boolean> {
  const events = (await h.fetchHistory()).events ?? [];
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).length;
  const isClosed = (e: (typeof events)[number]) => !!(e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes || e.activityTaskCanceledEventAttributes || e.activityTaskTimedOutEventAttributes);
  const closed = events.filter(isClosed).length;
  // …and the workflow has seen the last of them: a workflow task completed after it (whose
  // commands, a sibling branch's next activity among them, are recorded with it). Without this, a
  // branch still going on (SpMischargeClaim's advance, scheduling its SMS) was taken for quiet, and
  // cancelling that SMS as it was scheduled stalled the Java test server (ACTIVITY_UNKNOWN).
  const lastClosed = events.map(isClosed).lastIndexOf(true);
  const lastTask = events.map((e) => !!e.workflowTaskCompletedEventAttributes).lastIndexOf(true);
  return scheduled === closed && lastTask > lastClosed;
}

/**
 * Until the instance (or the child `child`) waits at `what` (a wait step, signal, update or
 * channel name) with no activity in flight: cancelled "at a wait" means there, not mid-call.
 */
async function at(env: TestWorkflowEnvironment, h: WorkflowHandle, what: string, child?: string): Promise<void> {
  await eventually(
    async () => {
      for (const id of child ? [`${h.workflowId}/${child}`, `${h.workflowId}/${child}@1`] : [h.workflowId]) {
        const handle = env.client.workflow.getHandle(id);
        const s: ProcessState | undefined = await handle.query(stateQuery).catch(() => undefined);
        if (s?.waits.some((w) => w.step === what || ('name' in w && w.name === what) || ('channel' in w && w.channel === what)) && (await quiet(h)) && (await quiet(handle))) return true;
      }
      return undefined;
    },
    `${child ?? 'the instance'} to wait at ${what}`,
    { tries: 300, everyMs: 100 },
  );
}

async function slotWithinADay(t: { context: Ctx }): Promise<{ windowStart: string; windowEnd: string }> {
  const now = Date.now();
  const { slots } = (await t.context.activities['dispatch.findSlots']!(
    { area: 'SH-PD', from: new Date(now + 3_600_000).toISOString(), to: new Date(now + 25 * 3_600_000).toISOString() },
    { idempotencyKey: unique('find') },
  )) as { slots: Array<{ windowStart: string; windowEnd: string }> };
  // Only the window: an instance refuses input fields its process does not declare (a slot has its capacity too).
  const { windowStart, windowEnd } = slots[0]!;
  return { windowStart, windowEnd };
}

async function account(t: { context: Ctx }): Promise<{ accountId: string; msisdn: string }> {
  const accountId = unique('AC');
  const msisdn = `137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  await t.context.pool.query(`INSERT INTO billing_accounts (account_id, msisdn, holder_name, city, plan_code) VALUES ($1, $2, '测试', '上海', 'basic-58')`, [accountId, msisdn]);
  return { accountId, msisdn };
}

async function freeNumber(t: { context: Ctx }): Promise<string> {
  const number = `0215${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  await t.context.pool.query(`INSERT INTO dispatch_numbers (number, city) VALUES ($1, '上海') ON CONFLICT DO NOTHING`, [number]);
  return number;
}

const setups: Record<string, (t: { context: Ctx }) => Promise<Setup>> = {
  async Installation(t) {
    const { accountId, msisdn } = await account(t);
    const input = { orderId: unique('ORD'), accountId, number: await freeNumber(t), contactPhone: msisdn, product: 'fixed-line', area: 'SH-PD', address, ...(await slotWithinADay(t)), installFee: cny(5000) };
    return { input, accountId };
  },
  async SameCityRelocation(t) {
    const { accountId, msisdn } = await account(t);
    const number = await freeNumber(t);
    const { rows } = await t.context.pool.query(`INSERT INTO billing_services (account_id, product, number, activated_at) VALUES ($1, 'fixed-line', $2, now()) RETURNING service_id`, [accountId, number]);
    const { portId } = (await t.context.activities['dispatch.portLine']!({ number, address }, { idempotencyKey: unique('old-port') })) as { portId: string };
    const input = {
      orderId: unique('MOV'), accountId, serviceId: rows[0].service_id, number, contactPhone: msisdn, oldPortId: portId, area: 'SH-PD',
      fromAddress: address, toAddress: { ...address, street: '张杨路 1 号' }, ...(await slotWithinADay(t)),
    };
    return { input, accountId };
  },
  async FaultRepair(t) {
    const { accountId, msisdn } = await account(t);
    return { input: { ticketId: unique('TK'), accountId, number: msisdn, contactPhone: msisdn, address, fault: '无拨号音', priority: 'normal' }, accountId };
  },
  async ComplaintHandling(t) {
    const { accountId, msisdn } = await account(t);
    const { chargeId } = (await t.context.activities['billing.charge']!({ accountId, amount: cny(5800), reason: '月租' }, { idempotencyKey: unique('charge') })) as { chargeId: string };
    const input = { intakeRef: unique('IN'), msisdn, accountId, category: 'sp-charge', channel: 'hotline', description: '不认可的 SP 扣费', firstContactOwner: 'agent-1001', relatedId: chargeId, disputedAmount: cny(500) };
    return { input, accountId };
  },
  async SpMischargeClaim(t) {
    const { accountId, msisdn } = await account(t);
    const { rows } = await t.context.pool.query(
      `INSERT INTO billing_subscriptions (account_id, msisdn, sp_code, product, monthly_fee_fen, currency, state, created_at, confirmed_at) VALUES ($1, $2, 'SP-903', '手机报', 300, 'CNY', 'active', now(), now()) RETURNING subscription_id`,
      [accountId, msisdn],
    );
    const subscriptionId = rows[0].subscription_id as string;
    const { chargeId } = (await t.context.activities['billing.chargeSubscription']!({ subscriptionId, period: '2026-10' }, { idempotencyKey: unique('sub') })) as { chargeId: string };
    const input = { claimRef: unique('CLM'), accountId, msisdn, chargeId, subscriptionId, spCode: 'SP-903', amount: cny(300), receivedBy: 'agent-1002', channel: 'hotline' };
    return { input, accountId, subscription: { id: subscriptionId, expect: 'active' } };
  },
  async SecondaryConfirmation(t) {
    const { accountId, msisdn } = await account(t);
    const { rows } = await t.context.pool.query(
      `INSERT INTO billing_subscriptions (account_id, msisdn, sp_code, product, monthly_fee_fen, currency, created_at) VALUES ($1, $2, 'SP-902', '天气预报', 300, 'CNY', now()) RETURNING subscription_id`,
      [accountId, msisdn],
    );
    return { input: { subscriptionId: rows[0].subscription_id, msisdn, product: '天气预报', monthlyFee: cny(300) }, accountId, subscription: { id: rows[0].subscription_id, expect: 'cancelled' } };
  },
  async SatisfactionSurvey(t) {
    return { input: { msisdn: (await account(t)).msisdn, subject: 'install', referenceId: unique('REF') } };
  },
  async RepairCallback(t) {
    return { input: { workOrderId: unique('WO'), msisdn: (await account(t)).msisdn, repairedAt: new Date().toISOString(), revisitWithin: 24 * 3_600_000 } };
  },
};

const onSite = (h: WorkflowHandle) => h.signal('technicianOnSite', { at: new Date().toISOString() });
const resolveUpheld = (h: WorkflowHandle) => h.executeUpdate('resolveComplaint', { args: [{ outcome: 'upheld', resolution: '已核实', resolvedBy: 'agent-1001' }] });

/** Each process × each wait (cancelled there), and each way it fails. */
const cases: Array<{ process: string; at: string; drive: Drive; fails?: string }> = [
  { process: 'Installation', at: 'arrival', drive: (h, env) => at(env, h, 'arrival') },
  { process: 'Installation', at: 'visit', drive: async (h, env) => (await onSite(h), at(env, h, 'visit')) },
  { process: 'Installation', at: 'survey (child)', drive: async (h, env) => (await onSite(h), await h.signal('technicianReport', { outcome: 'done' }), at(env, h, 'smsReply', 'survey')) },
  { process: 'Installation', at: 'fail: install-failed', fails: 'install-failed', drive: async (h) => (await onSite(h), h.signal('technicianReport', { outcome: 'failed', note: '无法布线' })) },
  { process: 'Installation', at: 'fail: no-report', fails: 'no-report', drive: (h) => onSite(h) },
  { process: 'Installation', at: 'fail: window-missed', fails: 'window-missed', drive: async () => {} },
  { process: 'SameCityRelocation', at: 'arrival', drive: (h, env) => at(env, h, 'arrival') },
  { process: 'SameCityRelocation', at: 'lineTest', drive: async (h, env) => (await onSite(h), at(env, h, 'lineTest')) },
  { process: 'SameCityRelocation', at: 'survey (child)', drive: async (h, env) => (await onSite(h), await h.signal('technicianReport', { outcome: 'done' }), at(env, h, 'smsReply', 'survey')) },
  { process: 'SameCityRelocation', at: 'fail: move-failed', fails: 'move-failed', drive: async (h) => (await onSite(h), h.signal('technicianReport', { outcome: 'failed' })) },
  { process: 'SameCityRelocation', at: 'fail: no-report', fails: 'no-report', drive: (h) => onSite(h) },
  { process: 'FaultRepair', at: 'accept', drive: (h, env) => at(env, h, 'accept') },
  { process: 'FaultRepair', at: 'acknowledge', drive: async (h, env) => (await h.signal('ticketAccepted', { by: 'desk-1' }), at(env, h, 'acknowledge')) },
  { process: 'FaultRepair', at: 'onSite', drive: async (h, env) => (await h.signal('ticketAccepted', { by: 'desk-1' }), await h.signal('technicianAck'), at(env, h, 'onSite')) },
  { process: 'FaultRepair', at: 'repaired', drive: async (h, env) => (await h.signal('ticketAccepted', { by: 'desk-1' }), await h.signal('technicianAck'), await onSite(h), at(env, h, 'repaired')) },
  {
    process: 'FaultRepair',
    at: 'revisit (child)',
    drive: async (h, env) => (await h.signal('ticketAccepted', { by: 'desk-1' }), await h.signal('technicianAck'), await onSite(h), await h.signal('technicianReport', { outcome: 'repaired' }), at(env, h, 'callbackAnswer', 'revisit')),
  },
  {
    process: 'FaultRepair',
    at: 'second visit (after a visit that did not repair)',
    drive: async (h, env) => {
      await h.signal('ticketAccepted', { by: 'desk-1' });
      await h.signal('technicianAck');
      await onSite(h);
      await at(env, h, 'repaired');
      await h.signal('technicianReport', { outcome: 'not-repaired' });
      await eventually(async () => {
        const s: ProcessState = await h.query(stateQuery);
        return s.variables.visits === 2 && s.waits.some((w) => w.step === 'acknowledge') ? true : undefined;
      }, 'the second visit', { tries: 300, everyMs: 100 });
    },
  },
  {
    process: 'FaultRepair',
    at: 'fail: repeated-fault',
    fails: 'repeated-fault',
    drive: async (h) => {
      await h.signal('ticketAccepted', { by: 'desk-1' });
      for (let visit = 0; visit < 3; visit++) {
        await h.signal('technicianAck');
        await onSite(h);
        await h.signal('technicianReport', { outcome: 'not-repaired', cause: '线路老化' });
      }
    },
  },
  { process: 'FaultRepair', at: 'fail: repair-overdue', fails: 'repair-overdue', drive: async (h) => (await h.signal('ticketAccepted', { by: 'desk-1' }), await h.signal('technicianAck'), onSite(h)) },
  { process: 'ComplaintHandling', at: 'resolve', drive: (h, env) => at(env, h, 'resolveComplaint') },
  { process: 'ComplaintHandling', at: 'callback', drive: async (h, env) => (await at(env, h, 'resolveComplaint'), await resolveUpheld(h), at(env, h, 'complaintCallback')) },
  { process: 'ComplaintHandling', at: 'fail: complaint-overdue', fails: 'complaint-overdue', drive: async () => {} },
  {
    process: 'ComplaintHandling',
    at: 'fail: complaint-reopened',
    fails: 'complaint-reopened',
    drive: async (h, env) => {
      for (let round = 0; round < 2; round++) {
        await at(env, h, 'resolveComplaint');
        await resolveUpheld(h);
        await at(env, h, 'complaintCallback');
        await h.executeUpdate('complaintCallback', { args: [{ agent: 'agent-1002', reached: true, satisfied: false }] });
      }
    },
  },
  { process: 'SpMischargeClaim', at: 'trace', drive: (h, env) => at(env, h, 'spFinding') },
  {
    process: 'SpMischargeClaim',
    at: 'survey (child)',
    drive: async (h, env) => (await at(env, h, 'spFinding'), await h.executeUpdate('spFinding', { args: [{ confirmedSubscription: true, investigator: 'inv-1', note: '有确认记录' }] }), at(env, h, 'smsReply', 'survey')),
  },
  { process: 'SpMischargeClaim', at: 'fail: investigation-overdue', fails: 'investigation-overdue', drive: async () => {} },
  { process: 'SecondaryConfirmation', at: 'reply', drive: (h, env) => at(env, h, 'smsReply') },
  { process: 'SatisfactionSurvey', at: 'reply', drive: (h, env) => at(env, h, 'smsReply') },
  { process: 'RepairCallback', at: 'answer', drive: (h, env) => at(env, h, 'answer') },
];

async function leftovers(t: { context: Ctx }, root: string): Promise<Record<string, unknown[]>> {
  // Keys and child ids of an instance all start with its id and a slash.
  const owned = `${root}/%`;
  const q = async (sql: string, params: unknown[] = [owned]) => (await t.context.pool.query(sql, params)).rows;
  return {
    bookings: await q(`SELECT booking_id FROM dispatch_bookings WHERE booked_by LIKE $1 AND released_at IS NULL`),
    reservations: await q(`SELECT reservation_id FROM dispatch_reservations WHERE reserved_by LIKE $1 AND released_at IS NULL`),
    workOrders: await q(`SELECT work_order_id, state FROM dispatch_work_orders WHERE (workflow_id = $1 OR workflow_id LIKE $2) AND state IN ('created', 'assigned', 'on_site')`, [root, owned]),
    subscriptions: await q(`SELECT subscription_id, state FROM billing_subscriptions WHERE (created_by LIKE $1 OR requested_by LIKE $1 OR started_by LIKE $1) AND state <> 'cancelled'`),
    openComplaints: await q(`SELECT complaint_id, state FROM complaints WHERE opened_by LIKE $1 AND state <> 'closed'`),
    doubledPorts: await q(`SELECT number FROM dispatch_ports WHERE state = 'active' AND number IN (SELECT number FROM dispatch_ports WHERE ported_by LIKE $1) GROUP BY number HAVING count(*) > 1`),
  };
}

/** The balance moved exactly by the account's ledger rows. */
async function ledgerHolds(t: { context: Ctx }, accountId: string): Promise<{ balance: number; ledger: number }> {
  const { rows } = await t.context.pool.query(
    `SELECT a.balance_fen::int AS balance,
            (SELECT coalesce(sum(r.amount_fen), 0) FROM billing_refunds r JOIN billing_charges c USING (charge_id) WHERE c.account_id = a.account_id)
          + (SELECT coalesce(sum(amount_fen), 0) FROM billing_compensations WHERE account_id = a.account_id)
          - (SELECT coalesce(sum(amount_fen), 0) FROM billing_charges WHERE account_id = a.account_id) AS ledger
     FROM billing_accounts a WHERE account_id = $1`,
    [accountId],
  );
  return { balance: Number(rows[0].balance), ledger: Number(rows[0].ledger) };
}

/** The type of a process failure: the process's own (`fail`), or that of the activity that failed it. */
function failureType(err: unknown): string | undefined {
  const cause = (err as WorkflowFailedError).cause as { type?: string; cause?: { type?: string } } | undefined;
  return cause?.type ?? cause?.cause?.type;
}

const covered = new Set(cases.map((c) => c.process));
test('the table covers every shipped process', (t) => {
  t.deepEqual([...byName.keys()].filter((n) => !covered.has(n)), []);
});

for (const c of cases) {
  test.serial(`${c.process}, ${c.fails ? `failed (${c.fails})` : `cancelled at ${c.at}`}: nothing it made is left live`, async (t) => {
    const setup = await setups[c.process]!(t);
    const ir = byName.get(c.process)!;
    const env = await timeSkippingEnv();
    const workflowId = unique(c.process);
    let outcome: unknown;
    try {
      const taskQueue = uniqueQueue('cleanup');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowCode, activities: t.context.activities });
      outcome = await worker.runUntil(async () => {
        const h = await env.client.workflow.start(c.process, { taskQueue, workflowId, args: [{ ir, children: reachableChildren(ir, (n) => byName.get(n) as ProcessIR), input: setup.input }] });
        await c.drive(h, env);
        if (!c.fails) {
          await h.cancel();
          // Let the cancellation and its compensations finish before result() lets the test server
          // skip time: a timer firing mid-cancellation (an escalation's activity, cancelled as it is
          // scheduled) made the Java test server answer ACTIVITY_UNKNOWN and stall the run, twice in
          // full-suite runs, never alone.
          await eventually(async () => ((await h.describe()).status.name === 'RUNNING' ? undefined : true), 'the cancelled instance to close');
        }
        return h.result().then((r) => r, (e: unknown) => e);
      });
    } finally {
      await env.teardown();
    }
    t.true(outcome instanceof WorkflowFailedError, `it ended ${JSON.stringify(outcome)}`);
    if (c.fails) t.is(failureType(outcome), c.fails);
    t.deepEqual(await leftovers(t, workflowId), { bookings: [], reservations: [], workOrders: [], subscriptions: [], openComplaints: [], doubledPorts: [] });
    if (setup.subscription) {
      const { rows } = await t.context.pool.query('SELECT state FROM billing_subscriptions WHERE subscription_id = $1', [setup.subscription.id]);
      t.is(rows[0].state, setup.subscription.expect);
    }
    if (setup.accountId) {
      const { balance, ledger } = await ledgerHolds(t, setup.accountId);
      t.is(balance, ledger, 'every balance movement is a charge, a refund or a credit');
    }
  });
}

test.serial('SecondaryConfirmation for a subscription another instance already started stops at once and changes nothing', async (t) => {
  const { pool, activities } = t.context;
  const { accountId, msisdn } = await account(t);
  const { rows } = await pool.query(
    `INSERT INTO billing_subscriptions (account_id, msisdn, sp_code, product, monthly_fee_fen, currency, created_at) VALUES ($1, $2, 'SP-901', '彩铃', 500, 'CNY', now()) RETURNING subscription_id`,
    [accountId, msisdn],
  );
  const subscriptionId = rows[0].subscription_id as string;
  const input = { subscriptionId, msisdn, product: '彩铃', monthlyFee: cny(500) };
  const ir = byName.get('SecondaryConfirmation')!;
  const env = await timeSkippingEnv();
  const results: unknown[] = [];
  try {
    const taskQueue = uniqueQueue('cleanup');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowCode, activities });
    await worker.runUntil(async () => {
      // The README's demo run twice (with two ids): the first confirms, starts and charges.
      for (const id of [unique('sc-first'), unique('sc-second')]) {
        const h = await env.client.workflow.start('SecondaryConfirmation', { taskQueue, workflowId: id, args: [{ ir, children: {}, input }] });
        if (results.length === 0) {
          await at(env, h, 'smsReply');
          await h.signal(messageSignal, { channel: 'smsReply', keys: { from: msisdn }, payload: { from: msisdn, text: 'Y', receivedAt: new Date().toISOString(), channel: 'sms' } });
        }
        results.push(await h.result().then((r) => r, (e: unknown) => e));
      }
    });
  } finally {
    await env.teardown();
  }
  t.deepEqual(results[0], { outcome: 'subscribed', output: null });
  t.true(results[1] instanceof WorkflowFailedError);
  t.is(failureType(results[1]), 'billing/subscription-not-pending');
  t.deepEqual((await pool.query('SELECT state FROM billing_subscriptions WHERE subscription_id = $1', [subscriptionId])).rows, [{ state: 'active' }], 'the live subscription is not cancelled');
  t.deepEqual((await pool.query('SELECT count(*)::int AS n FROM billing_charges WHERE subscription_id = $1', [subscriptionId])).rows, [{ n: 1 }]);
  t.deepEqual((await pool.query(`SELECT count(*)::int AS n FROM notification_outbox WHERE recipient = $1 AND template_id = 'sp.confirm.request'`, [msisdn])).rows, [{ n: 1 }], 'no second SMS');
});
