/**
 * The interpreter on Temporal's time-skipping test server: every construct, 24 h and 72 h timers
 * and escalations, compensation on failure and on cancellation, updates whose validators reject
 * bad payloads, parallel branches, child processes — and a replay of every recorded history.
 * Time skipping is global to the test server: the tests share one server and run serially.
 */
import { BASELINE_PATCH, FOLDED_PATCHES } from '../src/workflows/patches.js';
import anyTest, { type TestFn } from 'ava';
import { readFileSync } from 'node:fs';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { timeSkippingEnv, uniqueQueue } from './helpers/servers.js';
import { argsFor, compileOrThrow, recordingActivities, type Call } from './helpers/runtime.js';
import { workflowCode } from '../src/engine/worker.js';
import { CONTINUE_AS_NEW_PATCH, messageSignal, stateQuery } from '../src/workflows/run-process.js';
import { BusinessKeys, ProcessVersion } from '../src/workflows/search-attributes.js';

const test = anyTest as TestFn<{ env: TestWorkflowEnvironment; histories: Array<{ workflowId: string; history: unknown }> }>;

test.before(async (t) => {
  t.context.env = await timeSkippingEnv();
  t.context.histories = [];
});

test.after.always(async (t) => {
  await t.context.env?.teardown();
});

async function run<T>(
  t: { context: { env: TestWorkflowEnvironment; histories: Array<{ workflowId: string; history: unknown }> } },
  activities: WorkerOptions['activities'],
  body: (queue: string) => Promise<{ handle: WorkflowHandle; value: T }>,
): Promise<T> {
  const taskQueue = uniqueQueue('rt');
  const worker = await Worker.create({ connection: t.context.env.nativeConnection, taskQueue, ...workflowCode, activities });
  const { handle, value } = await worker.runUntil(body(taskQueue));
  t.context.histories.push({ workflowId: handle.workflowId, history: await handle.fetchHistory() });
  return value;
}

const flow = readFileSync(new URL('../../processes/secondary-confirmation.flow', import.meta.url), 'utf8');
const confirmation = compileOrThrow(flow);
const input = { subscriptionId: 'SUB-1', msisdn: '13800138000', product: '彩铃', monthlyFee: { fen: 500, currency: 'CNY' } };
const names = (calls: Call[]) => calls.map((c) => c.activity);

test.serial('SecondaryConfirmation: a "是" reply within 24h subscribes and charges once', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const outcome = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('SecondaryConfirmation', { taskQueue, workflowId: `sc-yes-${taskQueue}`, args: [argsFor(confirmation, 'SecondaryConfirmation', input)] });
    await env.sleep('2h');
    await handle.signal(messageSignal, { channel: 'smsReply', keys: { from: input.msisdn }, payload: { from: input.msisdn, text: ' 是 ', receivedAt: '2026-11-22T10:00:00Z', channel: 'sms' } });
    return { handle, value: await handle.result() };
  });
  t.deepEqual(outcome, { outcome: 'subscribed', output: null });
  t.deepEqual(names(calls), ['billing.requestConfirmation', 'notification.sendSms', 'billing.confirmSubscription', 'billing.startSubscription', 'billing.chargeSubscription', 'notification.sendSms']);
  t.regex(calls[4]!.key, /^sc-yes-.*\/charge$/);
  t.is(new Set(calls.map((c) => c.key)).size, calls.length, 'every call has its own idempotency key');
});

test.serial('SecondaryConfirmation: no reply in 24h expires the subscription without a charge', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const before = await env.currentTimeMs();
  const outcome = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('SecondaryConfirmation', { taskQueue, workflowId: `sc-no-${taskQueue}`, args: [argsFor(confirmation, 'SecondaryConfirmation', input)] });
    return { handle, value: await handle.result() };
  });
  t.deepEqual(outcome, { outcome: 'expired', output: null });
  t.deepEqual(names(calls), ['billing.requestConfirmation', 'notification.sendSms', 'billing.cancelSubscription']);
  t.is(calls[2]!.input.reason, 'unconfirmed');
  t.true((await env.currentTimeMs()) - before >= 24 * 3600_000);
});

const escalation = compileOrThrow(`
process Escalation version 1
  input { complaintId: string }
  wait resolved = signal resolve(resolution: string) within 72h
    escalate after 24h to "province" {
      call complaints.escalate(complaintId: input.complaintId, toLevel: "province", reason: "24h without resolution")
    }
    escalate after 48h to "group" {
      call complaints.escalate(complaintId: input.complaintId, toLevel: "group", reason: "48h without resolution")
    }
    on timeout { end "breached" }
  end "resolved" with { resolution: resolved.resolution }
`);

test.serial('escalate after 24h and 48h fire while still waiting; the 72h limit then ends the wait', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const outcome = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('Escalation', { taskQueue, workflowId: `esc-${taskQueue}`, args: [argsFor(escalation, 'Escalation', { complaintId: 'C-1' })] });
    return { handle, value: await handle.result() };
  });
  t.deepEqual(outcome, { outcome: 'breached', output: null });
  t.deepEqual(calls.map((c) => c.input.toLevel), ['province', 'group']);
  t.not(calls[0]!.key, calls[1]!.key);
});

test.serial('escalations are non-interrupting: a resolution after the first still completes the wait', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const { outcome, state } = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('Escalation', { taskQueue, workflowId: `esc2-${taskQueue}`, args: [argsFor(escalation, 'Escalation', { complaintId: 'C-2' })] });
    await env.sleep('30h');
    const state = await handle.query(stateQuery);
    await handle.signal('resolve', { resolution: '已退费' });
    return { handle, value: { outcome: await handle.result(), state } };
  });
  t.deepEqual(outcome, { outcome: 'resolved', output: { resolution: '已退费' } });
  t.deepEqual(calls.map((c) => c.input.toLevel), ['province']);
  t.is(state.currentStep, 'resolved');
  t.is(state.escalationLevel, 'province');
});

const saga = compileOrThrow(`
process Saga version 1
  input { accountId: string, fail: bool }
  call dispatch.reserveNumber(number: "13900000000") as number
    compensate with dispatch.releaseNumber(reservationId: number.reservationId)
  call billing.charge(accountId: input.accountId, amount: ¥30.00, reason: "install fee") as charge
    compensate with billing.refund(chargeId: charge.chargeId, amount: ¥30.00, reason: "rollback")
  wait go = signal proceed within 1h on timeout { }
  if input.fail { fail "install/failed", "the technician could not install" }
  end "done"
`);

test.serial('fail runs the compensations in reverse order, then fails with the process error code', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities({
    'dispatch.reserveNumber': () => ({ reservationId: 'R-9' }),
    'billing.charge': () => ({ chargeId: 'CH-7' }),
  });
  const err = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('Saga', { taskQueue, workflowId: `saga-${taskQueue}`, args: [argsFor(saga, 'Saga', { accountId: 'A-1', fail: true })] });
    return { handle, value: await handle.result().then(() => undefined, (e: unknown) => e) };
  });
  t.true(err instanceof WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as { type?: string; message?: string };
  t.is(cause.type, 'install/failed');
  t.deepEqual(names(calls), ['dispatch.reserveNumber', 'billing.charge', 'billing.refund', 'dispatch.releaseNumber']);
  t.is(calls[2]!.input.chargeId, 'CH-7');
  t.is(calls[3]!.input.reservationId, 'R-9');
});

test.serial('a cancelled process runs its compensations', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities({
    'dispatch.reserveNumber': () => ({ reservationId: 'R-1' }),
    'billing.charge': () => ({ chargeId: 'CH-1' }),
  });
  await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('Saga', { taskQueue, workflowId: `cancel-${taskQueue}`, args: [argsFor(saga, 'Saga', { accountId: 'A-1', fail: false })] });
    await env.sleep('10m');
    await handle.cancel();
    await handle.result().catch(() => undefined);
    return { handle, value: undefined };
  });
  t.deepEqual(names(calls), ['dispatch.reserveNumber', 'billing.charge', 'billing.refund', 'dispatch.releaseNumber']);
});

const updates = compileOrThrow(`
process Reschedule version 1
  input { orderId: string }
  wait change = update reschedule(windowStart: time, reason?: string) within 24h on timeout { end "kept" }
  end "moved" with { at: change.windowStart }
`);

test.serial('an update is checked by its validator: a bad payload is refused, a good one completes the wait', async (t) => {
  const { env } = t.context;
  const { activities } = recordingActivities();
  const { outcome, rejection } = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('Reschedule', { taskQueue, workflowId: `upd-${taskQueue}`, args: [argsFor(updates, 'Reschedule', { orderId: 'O-1' })] });
    while (!(await handle.query(stateQuery)).waiting) await env.sleep('1s');
    const rejection = await handle.executeUpdate('reschedule', { args: [{ windowStart: 'tomorrow' }] }).then(
      () => 'accepted',
      (e: Error) => String((e.cause as Error | undefined)?.message ?? e.message),
    );
    await handle.executeUpdate('reschedule', { args: [{ windowStart: '2026-11-23T09:00:00+08:00' }] });
    return { handle, value: { outcome: await handle.result(), rejection } };
  });
  // (That a rejected update leaves no event in history is asserted on the dev server, in
  // engine.test.ts: the time-skipping test server does not drop speculative workflow tasks.)
  t.regex(rejection, /invalid 'reschedule' payload: windowStart must be a time/);
  t.deepEqual(outcome, { outcome: 'moved', output: { at: '2026-11-23T09:00:00+08:00' } });
});

const parallel = compileOrThrow(`
process Race version 1
  input { orderId: string }
  parallel first {
    branch technician {
      wait report = signal report(outcome: string) within 4h on timeout { end "no-show" }
      set result = report.outcome
    }
    branch deadline {
      sleep 2h
      call dispatch.escalateWorkOrder(workOrderId: input.orderId, step: "on_site", reason: "2h without report")
      set result = "escalated"
    }
  }
  parallel all {
    branch sms { call notification.sendSms(to: "13800138000", template: "x") as a }
    branch mail { call notification.sendEmail(to: "a@example.com", template: "y") as b }
  }
  end "done" with { result: result, both: [a.messageId, b.messageId] }
`);

test.serial('parallel first takes the first branch and cancels the other; parallel all keeps every binding', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities({
    'notification.sendSms': () => ({ messageId: 'm1', status: 'queued' }),
    'notification.sendEmail': () => ({ messageId: 'm2', status: 'queued' }),
  });
  const outcome = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('Race', { taskQueue, workflowId: `race-${taskQueue}`, args: [argsFor(parallel, 'Race', { orderId: 'WO-1' })] });
    return { handle, value: await handle.result() };
  });
  t.deepEqual(outcome, { outcome: 'done', output: { result: 'escalated', both: ['m1', 'm2'] } });
  t.deepEqual(names(calls).sort(), ['dispatch.escalateWorkOrder', 'notification.sendEmail', 'notification.sendSms']);
});

const family = compileOrThrow(`
calendar Workdays timezone "Asia/Shanghai" works mon-fri 09:00 to 18:00

process Parent version 1
  input { orderId: string }
  uses calendar Workdays
  call process Child(orderId: input.orderId) as child
  sleep 2 business days
  for each n in [1, 2, 3] {
    call notification.sendSms(to: "13800138000", template: "n{n}")
  }
  set tries = 0
  repeat 5 times until tries >= 2 { set tries = tries + 1 }
  end "ok" with { child: child, tries: tries, at: date(now()) }

process Child version 1
  input { orderId: string }
  output { result: string }
  sleep 1h
  end "ok" with { result: "child of {input.orderId}" }
`);

test.serial('a child process, business days, for each and repeat run with distinct idempotency keys', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const outcome = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('Parent', { taskQueue, workflowId: `fam-${taskQueue}`, args: [argsFor(family, 'Parent', { orderId: 'O-7' })] });
    return { handle, value: await handle.result() };
  });
  t.like(outcome, { outcome: 'ok', output: { child: { outcome: 'ok', output: { result: 'child of O-7' } } } });
  t.deepEqual(calls.map((c) => c.input.template), ['n1', 'n2', 'n3']);
  // <workflow id>/<first run id>/<step id><iteration>
  t.deepEqual(calls.map((c) => c.key.split('/').slice(2).join('/')), ['notification.sendSms@1', 'notification.sendSms@2', 'notification.sendSms@3']);
});

test.after('every recorded history replays on a fresh worker without nondeterminism', async (t) => {
  t.true(t.context.histories.length >= 8);
  const results = Worker.runReplayHistories({ ...workflowCode, replayName: 'runtime-test' }, t.context.histories as never);
  let n = 0;
  for await (const r of results) {
    t.is(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
    n++;
  }
  t.is(n, t.context.histories.length);
});

const longLoop = compileOrThrow(`
process LongLoop version 1
  input { accountId: string, lines: list of string, limit: int }
  output { count: int, late: bool }
  index accountId
  deposit: call billing.charge(accountId: input.accountId, amount: ¥1.00, reason: "deposit") as deposit
    compensate with billing.refund(chargeId: deposit.chargeId, amount: ¥1.00, reason: "rollback")
  set count = 0
  set late = false
  rounds: repeat 3 times {
    perLine: for each line in input.lines {
      notify: call notification.sendSms(to: "13800138000", template: "loop", vars: { line: line })
      set count = count + 1
      pause: sleep 1h
    }
  }
  wait go = signal proceed within 1h on timeout { set late = true }
  if count > input.limit { fail "too-many", "more than {input.limit} notices" }
  end "done" with { count: count, late: late }
`);

async function runLongLoop(t: Parameters<typeof run>[0], limit: number) {
  const { env } = t.context;
  const { activities, calls } = recordingActivities({ 'billing.charge': () => ({ chargeId: 'CH-1' }) });
  const lines = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const args = { ...argsFor(longLoop, 'LongLoop', { accountId: 'A-1', lines, limit }), continueAsNewAfterEvents: 40 };
  const { result, firstRun } = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('LongLoop', { taskQueue, workflowId: `loop-${taskQueue}`, args: [args] });
    // Arrives in the first run; must survive every continue-as-new until the wait takes it.
    await handle.signal('proceed', {});
    const result = await handle.result().then((v) => v, (e: unknown) => e);
    return { handle, value: { result, firstRun: env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId) } };
  });
  return { result, calls, firstRun };
}

test.serial('a long loop continues as new with its position, variables, compensations and pending signals', async (t) => {
  const { result, calls, firstRun } = await runLongLoop(t, 100);
  t.deepEqual(result, { outcome: 'done', output: { count: 24, late: false } });
  const notices = calls.filter((c) => c.activity === 'notification.sendSms');
  t.is(notices.length, 24, 'every iteration ran exactly once across the runs');
  t.is(new Set(notices.map((c) => c.key)).size, 24);
  t.deepEqual(notices.slice(0, 9).map((c) => c.input.vars), [...'abcdefgh', 'a'].map((line) => ({ line })));
  t.is(calls.filter((c) => c.activity === 'billing.charge').length, 1);
  const events = (await firstRun.fetchHistory()).events ?? [];
  t.truthy(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes, 'the first run ended by continuing as new');
  // A patch marker's details: `patch-data` = {"id": …, "deprecated": …}.
  const patches = events.flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
  });
  // The baseline's one marker stands for the continue-as-new patch (src/workflows/patches.ts).
  t.deepEqual(patches, [BASELINE_PATCH], 'one marker: the baseline');
  t.true(FOLDED_PATCHES.includes(CONTINUE_AS_NEW_PATCH), 'which stands for the continue-as-new patch');
});

test.serial('a compensation registered before a continue-as-new runs once when a later run fails', async (t) => {
  const { result, calls } = await runLongLoop(t, 5);
  t.true(result instanceof WorkflowFailedError);
  t.is(((result as WorkflowFailedError).cause as { type?: string }).type, 'too-many');
  const refunds = calls.filter((c) => c.activity === 'billing.refund');
  t.is(refunds.length, 1);
  t.regex(refunds[0]!.key, /\/deposit\/compensate$/);
});

const loopParent = compileOrThrow(`
process Kid version 1
  input { round: int }
  index round
  output { round: int }
  notify: call notification.sendSms(to: "13800138000", template: "kid")
  end "ok" with { round: input.round }

process LoopParent version 1
  input { orderId: string }
  set n = 0
  rounds: repeat 2 times {
    set n = n + 1
    kid: call process Kid(round: n) as r
  }
  end "ok"
`);

test.serial('a child called in a loop is a new instance each time, found by its own process name; a reused workflow id never reuses an effect', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const workflowId = `loop-parent-${Date.now()}`;
  for (const round of [1, 2]) {
    await run(t, activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('LoopParent', { taskQueue, workflowId, args: [argsFor(loopParent, 'LoopParent', { orderId: `O-${round}` })] });
      return { handle, value: await handle.result() };
    });
  }
  const notices = calls.filter((c) => c.activity === 'notification.sendSms');
  t.is(notices.length, 4, 'two children per run, two runs under one workflow id');
  t.is(new Set(notices.map((c) => c.key)).size, 4, 'every effect has its own key');
  const child = await env.client.workflow.getHandle(`${workflowId}/kid@2`).describe();
  t.is(child.type, 'Kid');
  t.is(child.typedSearchAttributes.get(ProcessVersion), 1);
  t.deepEqual(child.typedSearchAttributes.get(BusinessKeys), ['round=2']);
});
