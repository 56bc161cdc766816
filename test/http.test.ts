/**
 * End to end on the real dev server and PostgreSQL: processes run by a worker hosting the real
 * PostgreSQL systems, and reached through svcflow's HTTP endpoints — an SMS reply confirms a
 * subscription (charged exactly once), a technician's report moves a work order's process, and
 * bad requests are 4xx that write nothing.
 */
import anyTest, { type TestFn } from 'ava';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { InstanceNotRunningError } from '../src/engine/errors.js';
import { createHttpServer } from '../modules/telecom/src/http/routes.js';
import { dataConverterOption, workflowCode } from '../src/engine/worker.js';
import { createSystemActivities, type OutgoingMessage } from '../modules/telecom/src/systems/index.js';
import { receiveSms, redeliverInbound } from '../modules/telecom/src/systems/notification.js';
import { deliverReport, recordReport, redeliverReports } from '../modules/telecom/src/http/work-order-reports.js';
import { telecomDatabase } from './helpers/telecom.js';
import { databaseUrl, eventually, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { fixtureCatalog } from './helpers/catalog.js';

interface Ctx {
  engine: Engine;
  pool: pg.Pool;
  http: FastifyInstance;
  worker: Worker;
  running: Promise<void>;
  connection: NativeConnection;
  sent: OutgoingMessage[];
}
const test = anyTest as TestFn<Ctx>;

const fieldVisit = `process FieldVisit version 1
  input { orderId: string, phone: phone @pii }
  index orderId
  order: call dispatch.createWorkOrder(type: "repair", contactPhone: input.phone,
                                       address: { city: "上海", street: "世纪大道 1 号" }) as order
  assign: call dispatch.assignTechnician(workOrderId: order.workOrderId)
  arrival: wait arrived = signal technicianOnSite(at: time) within 1h
  onSite: call dispatch.updateWorkOrder(workOrderId: order.workOrderId, state: "on_site", at: arrived.at)
  visit: wait report = signal technicianReport(outcome: "done" | "failed", note?: string) within 4h
  if report.outcome == "failed" {
    failed: call dispatch.updateWorkOrder(workOrderId: order.workOrderId, state: "failed", failureReason: coalesce(report.note, "failed"))
    end "failed"
  }
  done: call dispatch.updateWorkOrder(workOrderId: order.workOrderId, state: "done", note: report.note)
  end "done"
`;

test.before(async (t) => {
  await telecomDatabase();
  const taskQueue = uniqueQueue('http');
  const temporal = { address: temporalAddress(), namespace: temporalNamespace() };
  t.context.engine = await createEngine({ temporal, databaseUrl: databaseUrl(), taskQueue, catalog: fixtureCatalog });
  t.context.pool = new pg.Pool({ connectionString: databaseUrl(), max: 5 });
  t.context.sent = [];
  const sender = { send: async (m: OutgoingMessage) => void t.context.sent.push(m) };
  t.context.connection = await NativeConnection.connect({ address: temporal.address });
  const activities = createSystemActivities({ pool: t.context.pool, sender });
  t.context.worker = await Worker.create({ connection: t.context.connection, namespace: temporal.namespace, taskQueue, ...workflowCode, ...dataConverterOption({ databaseUrl: databaseUrl() }), activities });
  t.context.running = t.context.worker.run();
  const sc = readFileSync(new URL('../../processes/secondary-confirmation.flow', import.meta.url), 'utf8');
  await t.context.engine.deploy([
    { file: 'processes/secondary-confirmation.flow', text: sc },
    { file: 'field-visit.flow', text: fieldVisit },
  ]);
  // No background relay here: the tests run the relay themselves, and assert what it did.
  t.context.http = await createHttpServer({ engine: t.context.engine, notification: { pool: t.context.pool, sender, clock: () => new Date() }, relayEveryMs: 0 });
});

test.after.always(async (t) => {
  await t.context.http?.close();
  t.context.worker?.shutdown();
  await t.context.running;
  await t.context.connection?.close();
  await t.context.engine?.close();
  await t.context.pool?.end();
});

const post = (t: { context: Ctx }, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.context.http.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

async function rows(t: { context: Ctx }, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  return (await t.context.pool.query(sql, params)).rows;
}

test.serial('an SMS reply through POST /sms/inbound confirms the subscription, which is charged exactly once', async (t) => {
  const { engine } = t.context;
  const { id, msisdn, subscriptionId } = await waitingConfirmation(t);
  const res = await eventually(async () => {
    const r = await post(t, '/sms/inbound', { from: msisdn, text: ' 是 ' });
    return r.json().matched ? r : undefined; // visibility is eventually consistent
  }, 'the reply to reach the instance');
  t.is(res.statusCode, 202);
  t.deepEqual(res.json().routedTo, [id]);
  t.deepEqual(await engine.result(id), { outcome: 'subscribed', output: null });
  t.deepEqual(await rows(t, 'SELECT state FROM billing_subscriptions WHERE subscription_id = $1', [subscriptionId]), [{ state: 'active' }]);
  t.deepEqual(await rows(t, 'SELECT amount_fen FROM billing_charges WHERE subscription_id = $1', [subscriptionId]), [{ amount_fen: '300' }]);
  const texts = t.context.sent.filter((m) => m.to === msisdn).map((m) => m.body);
  t.is(texts.length, 2);
  t.regex(texts[0]!, /您正在订购 天气预报，月费 ¥3\.00/);
  t.regex(texts[1]!, /您已成功订购 天气预报/);
  t.deepEqual(await rows(t, 'SELECT status, routed_to FROM notification_inbound WHERE from_number = $1 AND status = $2', [msisdn, 'routed']), [{ status: 'routed', routed_to: [id] }]);
});

test.serial('a reply nobody waits for is recorded and answered, not dropped', async (t) => {
  const from = '13600000000';
  const res = await post(t, '/sms/inbound', { from, text: 'Y' });
  t.is(res.statusCode, 202);
  t.like(res.json(), { matched: false, routedTo: [] });
  t.deepEqual(await rows(t, `SELECT status FROM notification_inbound WHERE from_number = $1`, [from]), [{ status: 'unmatched' }]);
  t.true(t.context.sent.some((m) => m.to === from && /没有需要您确认的业务/.test(m.body)));
});

test.serial('malformed, oversize and invalid SMS bodies are 4xx and record nothing', async (t) => {
  const before = await rows(t, 'SELECT count(*)::int AS n FROM notification_inbound');
  const bad = [
    [await post(t, '/sms/inbound', '{"from": "138'), 400],
    [await post(t, '/sms/inbound', { from: 'not a number', text: 'Y' }), 400],
    [await post(t, '/sms/inbound', { from: '13800138000' }), 400],
    [await post(t, '/sms/inbound', { from: '13800138000', text: 'x'.repeat(20_000) }), 413],
    [await post(t, '/sms/inbound', 'from=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415],
  ] as const;
  for (const [res, status] of bad) {
    t.is(res.statusCode, status, res.body);
    t.truthy(res.json().message, 'every error says what is wrong');
  }
  t.regex(bad[1][0].json().message, /from: a phone number/);
  t.deepEqual(await rows(t, 'SELECT count(*)::int AS n FROM notification_inbound'), before);
});

test.serial("a technician's arrival and report reach the process that owns the work order", async (t) => {
  const { engine } = t.context;
  const id = `visit-${Date.now()}`;
  await engine.start('FieldVisit', { orderId: id, phone: '13800138000' }, { id });
  const order = await eventually(async () => (await rows(t, `SELECT work_order_id FROM dispatch_work_orders WHERE workflow_id = $1 AND state = 'assigned'`, [id]))[0], 'the work order');
  const wo = order.work_order_id as string;
  t.is((await post(t, `/work-orders/${wo}/on-site`, {}, { 'idempotency-key': 'app-1' })).statusCode, 202);
  const again = await post(t, `/work-orders/${wo}/on-site`, {}, { 'idempotency-key': 'app-1' });
  t.is(again.statusCode, 200, 'a retried report with the same Idempotency-Key is not signalled again');
  t.true(again.json().duplicate);
  await eventually(async () => ((await engine.query(id)).currentStep === 'visit' ? true : undefined), 'the visit wait');
  const invalid = await post(t, `/work-orders/${wo}/report`, { outcome: 'maybe' });
  t.is(invalid.statusCode, 422);
  t.regex(invalid.json().message, /outcome must be one of "done", "failed"/);
  t.is((await post(t, '/work-orders/WO-none/report', { outcome: 'done' })).statusCode, 404);
  t.is((await post(t, `/work-orders/${wo}/lunch`, {})).statusCode, 404);
  t.is((await post(t, `/work-orders/${wo}/report`, { outcome: 'done', note: '已开通' })).statusCode, 202);
  t.deepEqual(await engine.result(id), { outcome: 'done', output: null });
  t.deepEqual(await rows(t, 'SELECT state FROM dispatch_work_orders WHERE work_order_id = $1', [wo]), [{ state: 'done' }]);
  t.deepEqual((await rows(t, 'SELECT kind FROM dispatch_technician_reports WHERE work_order_id = $1 ORDER BY id', [wo])).map((r) => r.kind), ['on-site', 'report']);
  const late = await post(t, `/work-orders/${wo}/report`, { outcome: 'done' });
  t.is(late.statusCode, 409, 'a finished process takes no more reports');
});

test.serial('with a token, every request needs it; names of object properties are not endpoints', async (t) => {
  const guarded = await createHttpServer({ engine: t.context.engine, notification: { pool: t.context.pool, sender: { send: async () => {} }, clock: () => new Date() }, token: 'sekret' });
  try {
    const body = JSON.stringify({ from: '13600000001', text: 'Y' });
    const headers = { 'content-type': 'application/json' };
    t.is((await guarded.inject({ method: 'POST', url: '/sms/inbound', headers, payload: body })).statusCode, 401);
    t.is((await guarded.inject({ method: 'POST', url: '/sms/inbound', headers: { ...headers, authorization: 'Bearer wrong' }, payload: body })).statusCode, 401);
    t.is((await guarded.inject({ method: 'POST', url: '/sms/inbound', headers: { ...headers, authorization: 'Bearer sekret' }, payload: body })).statusCode, 202);
    t.is((await guarded.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  } finally {
    await guarded.close();
  }
  t.is((await post(t, '/work-orders/WO-1000/toString', {})).statusCode, 404);
});

/** How many times the instance's history (on the real server) records the signal `name`. */
async function signalsIn(t: { context: Ctx }, id: string, name: string): Promise<number> {
  const history = await t.context.engine.client.workflow.getHandle(id).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name).length;
}

async function visitWaitingForArrival(t: { context: Ctx }): Promise<{ id: string; wo: string }> {
  const id = `visit-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  await t.context.engine.start('FieldVisit', { orderId: id, phone: '13800138000' }, { id });
  const order = await eventually(async () => (await rows(t, `SELECT work_order_id FROM dispatch_work_orders WHERE workflow_id = $1 AND state = 'assigned'`, [id]))[0], 'the work order');
  await eventually(async () => ((await t.context.engine.query(id)).currentStep === 'arrival' ? true : undefined), 'the arrival wait');
  return { id, wo: order.work_order_id as string };
}

test.serial('20 concurrent reports with one Idempotency-Key are one report and one signal in the history', async (t) => {
  const { id, wo } = await visitWaitingForArrival(t);
  const responses = await Promise.all(Array.from({ length: 20 }, () => post(t, `/work-orders/${wo}/on-site`, {}, { 'idempotency-key': 'app-concurrent' })));
  const statuses = responses.map((r) => r.statusCode).sort();
  t.deepEqual(statuses, [200, ...Array(18).fill(200), 202].sort(), 'one 202 (recorded now), the others 200 duplicates');
  t.true(responses.filter((r) => r.statusCode === 200).every((r) => r.json().duplicate === true));
  await eventually(async () => ((await t.context.engine.query(id)).currentStep === 'visit' ? true : undefined), 'the visit wait');
  t.is(await signalsIn(t, id, 'technicianOnSite'), 1);
  t.deepEqual(await rows(t, `SELECT kind, status FROM dispatch_technician_reports WHERE work_order_id = $1`, [wo]), [{ kind: 'on-site', status: 'delivered' }]);
  await t.context.engine.cancel(id);
});

test.serial('a report whose delivery crashed after the signal is finished by the relay without a second signal', async (t) => {
  const { id, wo } = await visitWaitingForArrival(t);
  const res = await post(t, `/work-orders/${wo}/on-site`, {}, { 'idempotency-key': 'app-crash' });
  t.is(res.statusCode, 202);
  const reportId = res.json().reportId as string;
  // The state a crash between the signal and the `delivered` mark leaves: signalled, still pending.
  await t.context.pool.query(`UPDATE dispatch_technician_reports SET status = 'pending', claimed_at = NULL, delivered_at = NULL WHERE id = $1`, [reportId]);
  // The relay takes the oldest pending reports of the shared database first, 50 at a time, and
  // other test files leave some: it runs until it has finished this one.
  const status = () => rows(t, 'SELECT status FROM dispatch_technician_reports WHERE id = $1', [reportId]);
  await eventually(async () => {
    await redeliverReports({ engine: t.context.engine, pool: t.context.pool, clock: () => new Date() });
    return (await status())[0]?.status === 'delivered' ? true : undefined;
  }, 'the relay to finish the report');
  t.deepEqual(await status(), [{ status: 'delivered' }]);
  // And the same request id sent twice straight to the server is one signal as well.
  await t.context.engine.signal(id, 'technicianReport', { outcome: 'done' }, { requestId: 'svcflow-test-twice' });
  // The first may have ended the visit already: the engine then refuses the second before sending it.
  await t.context.engine.signal(id, 'technicianReport', { outcome: 'done' }, { requestId: 'svcflow-test-twice' }).catch((err: unknown) => {
    if (!(err instanceof InstanceNotRunningError)) throw err;
  });
  t.deepEqual(await t.context.engine.result(id), { outcome: 'done', output: null });
  // Counted once the instance has closed: a signal that arrives while a workflow task is in
  // flight is buffered by the server and enters the history only when that task completes.
  t.is(await signalsIn(t, id, 'technicianOnSite'), 1, 'the repeated signal carried the same request id: Temporal dropped it');
  t.is(await signalsIn(t, id, 'technicianReport'), 1);
});

async function waitingConfirmation(t: { context: Ctx }): Promise<{ id: string; msisdn: string; subscriptionId: string }> {
  const { engine, pool } = t.context;
  const msisdn = `135${String(Date.now()).slice(-8)}`;
  const accountId = `AC-http-${Date.now()}`;
  await pool.query(`INSERT INTO billing_accounts (account_id, msisdn, holder_name, city, plan_code) VALUES ($1, $2, '周女士', '上海', 'basic-58')`, [accountId, msisdn]);
  const { rows: sub } = await pool.query(
    `INSERT INTO billing_subscriptions (account_id, msisdn, sp_code, product, monthly_fee_fen, currency, created_at) VALUES ($1, $2, 'SP-902', '天气预报', 300, 'CNY', now()) RETURNING subscription_id`,
    [accountId, msisdn],
  );
  const subscriptionId = sub[0].subscription_id as string;
  const id = `sc-${subscriptionId}`;
  await engine.start('SecondaryConfirmation', { subscriptionId, msisdn, product: '天气预报', monthlyFee: { fen: 300, currency: 'CNY' } }, { id });
  await eventually(async () => ((await engine.query(id)).waiting ? true : undefined), 'the wait for the reply');
  return { id, msisdn, subscriptionId };
}

test.serial('an SMS with a NUL (or another control character) is a 400 before anything happens', async (t) => {
  const { id, msisdn, subscriptionId } = await waitingConfirmation(t);
  for (const text of ['Y\u0000', 'Y\u0007', '\ud800Y']) {
    const res = await post(t, '/sms/inbound', { from: msisdn, text });
    t.is(res.statusCode, 400, JSON.stringify(text));
    t.regex(res.json().message, /body\.text: text may not contain/);
  }
  t.deepEqual(await rows(t, 'SELECT count(*)::int AS n FROM notification_inbound WHERE from_number = $1', [msisdn]), [{ n: 0 }]);
  t.is((await t.context.engine.query(id)).status, 'running');
  t.is(await signalsIn(t, id, 'svcflow.message'), 0, 'the instance took nothing');
  t.deepEqual(await rows(t, 'SELECT state FROM billing_subscriptions WHERE subscription_id = $1', [subscriptionId]), [{ state: 'pending' }]);
  await t.context.engine.cancel(id);
});

test.serial('an SMS is recorded before any instance can take it; one left undelivered is delivered by the relay', async (t) => {
  const { engine, pool } = t.context;
  const { id, msisdn } = await waitingConfirmation(t);
  const deps = { pool, sender: null, clock: () => new Date() };
  const seen: Array<Record<string, unknown>> = [];
  // The route is where the instance takes the reply: by then the row must exist.
  const first = await receiveSms(deps, { from: msisdn, text: 'N', receivedAt: new Date().toISOString() }, async () => {
    seen.push(...(await rows(t, 'SELECT status FROM notification_inbound WHERE from_number = $1', [msisdn])));
    throw new Error('Temporal unavailable');
  });
  t.deepEqual(seen, [{ status: 'received' }], 'recorded before it was routed');
  t.like(first, { status: 'received', routedTo: [] });
  t.is(await signalsIn(t, id, 'svcflow.message'), 0);
  const route = (sms: { from: string; text: string; receivedAt: string }) => engine.deliver('smsReply', { from: sms.from }, { ...sms, channel: 'sms' });
  await eventually(async () => ((await redeliverInbound(deps, route)) > 0 ? true : undefined), 'the relay to deliver it');
  t.deepEqual(await rows(t, 'SELECT status, routed_to FROM notification_inbound WHERE inbound_id = $1', [first.inboundId]), [{ status: 'routed', routed_to: [id] }]);
  t.deepEqual(await engine.result(id), { outcome: 'declined', output: null });
  t.is(await signalsIn(t, id, 'svcflow.message'), 1);
});

test.serial('a wrong token of any length is a 401, never a 500', async (t) => {
  const guarded = await createHttpServer({ engine: t.context.engine, notification: { pool: t.context.pool, sender: null, clock: () => new Date() }, token: 'sekret' });
  try {
    for (const authorization of ['Bearer s', 'Bearer sekre', 'Bearer sekret2', 'x'.repeat(5000), 'Bearer sekreT']) {
      const res = await guarded.inject({ method: 'POST', url: '/sms/inbound', headers: { 'content-type': 'application/json', authorization }, payload: '{}' });
      t.is(res.statusCode, 401, authorization.slice(0, 20));
    }
  } finally {
    await guarded.close();
  }
});

test.serial('a recorded report whose instance is gone is marked rejected, not retried for ever', async (t) => {
  const deps = { engine: t.context.engine, pool: t.context.pool, clock: () => new Date() };
  const order = (await rows(t, `SELECT work_order_id FROM dispatch_work_orders WHERE workflow_id IS NOT NULL LIMIT 1`))[0]!.work_order_id as string;
  const { id } = await recordReport(t.context.pool, { workOrderId: order, kind: 'report', signal: 'technicianReport', payload: { outcome: 'done' }, workflowId: `gone-${Date.now()}`, requestId: null, at: new Date() });
  t.like(await deliverReport(deps, id), { state: 'rejected' });
  t.deepEqual(await rows(t, 'SELECT status, attempts FROM dispatch_technician_reports WHERE id = $1', [id]), [{ status: 'rejected', attempts: 1 }]);
  t.is(await redeliverReports(deps), 0, 'the relay leaves it alone');
});
