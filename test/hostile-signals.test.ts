/**
 * Raw signals and updates from any Temporal client, bypassing the engine's checks (issue 10,
 * items 5 and 6): a malformed `svcflow.message` or a payload that does not match the declared
 * type is dropped and counted in the `state` query, and the instance goes on waiting for a
 * genuine one. Time-skipping test server; every history is replayed at the end.
 */
import anyTest, { type TestFn } from 'ava';
import { readFileSync } from 'node:fs';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { timeSkippingEnv, uniqueQueue } from './helpers/servers.js';
import { argsFor, compileOrThrow, recordingActivities } from './helpers/runtime.js';
import { workflowCode } from '../src/engine/worker.js';
import { messageSignal, stateQuery, type ProcessState } from '../src/workflows/run-process.js';
import type { ProcessIR, TypeRef } from '../src/ir/schema.js';

interface Context {
  env: TestWorkflowEnvironment;
  histories: Array<{ workflowId: string; history: unknown }>;
}
const test = anyTest as TestFn<Context>;

test.before(async (t) => {
  t.context.env = await timeSkippingEnv();
  t.context.histories = [];
});

test.after.always(async (t) => {
  await t.context.env?.teardown();
});

/** Fails fast instead of hanging on a wedged instance (its workflow tasks keep failing). */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (is the instance wedged?)`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

async function run<T>(t: { context: Context }, activities: WorkerOptions['activities'], body: (queue: string) => Promise<{ handle: WorkflowHandle; value: T }>): Promise<T> {
  const taskQueue = uniqueQueue('hostile');
  const worker = await Worker.create({ connection: t.context.env.nativeConnection, taskQueue, ...workflowCode, activities });
  const { handle, value } = await worker.runUntil(body(taskQueue));
  t.context.histories.push({ workflowId: handle.workflowId, history: await handle.fetchHistory() });
  return value;
}

async function waiting(env: TestWorkflowEnvironment, handle: WorkflowHandle): Promise<void> {
  while (!(await within(10_000, 'state query', handle.query(stateQuery))).waiting) await env.sleep('1s');
}

const confirmation = compileOrThrow(readFileSync(new URL('../../processes/secondary-confirmation.flow', import.meta.url), 'utf8'));
const input = { subscriptionId: 'SUB-1', msisdn: '13800138000', product: '彩铃', monthlyFee: { fen: 500, currency: 'CNY' } };
const reply = { from: input.msisdn, text: '是', receivedAt: '2026-11-22T10:00:00Z', channel: 'sms' };

test.serial('raw svcflow.message signals of any shape never wedge an instance; a later genuine reply is taken', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const { outcome, state } = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('SecondaryConfirmation', { taskQueue, workflowId: `raw-${taskQueue}`, args: [argsFor(confirmation, 'SecondaryConfirmation', input)] });
    await waiting(env, handle);
    const raw = env.client.workflow.getHandle(handle.workflowId);
    const deep: unknown[] = [];
    let at = deep;
    for (let i = 0; i < 2000; i++) at = (at[0] = []) as unknown[];
    const bad: unknown[] = [
      null,
      { channel: 'smsReply', keys: null, payload: reply },
      { channel: 'smsReply', payload: reply },
      { channel: 5, keys: { from: input.msisdn }, payload: reply },
      { channel: 'smsReply', keys: { from: 13800138000 }, payload: reply },
      { channel: 'smsReply', keys: [input.msisdn], payload: reply },
      [1, 2, 3],
      'smsReply',
      { channel: 'smsReply', keys: { from: input.msisdn }, payload: { ...reply, text: 'x'.repeat(400_000) } },
      { channel: 'smsReply', keys: { from: input.msisdn }, payload: deep },
      { channel: 'smsReply', keys: { from: { number: input.msisdn } }, payload: reply },
    ];
    await raw.signal('svcflow.message' as never);
    for (const b of bad) await raw.signal('svcflow.message', b as never);
    const state = await within(10_000, 'state query after raw signals', handle.query(stateQuery));
    await handle.signal(messageSignal, { channel: 'smsReply', keys: { from: input.msisdn }, payload: reply });
    return { handle, value: { outcome: await within(20_000, 'result', handle.result()), state } };
  });
  t.is(state.currentStep, 'reply');
  t.is(state.rejected?.count, 12);
  t.is(state.rejected?.last.name, 'svcflow.message');
  t.deepEqual(outcome, { outcome: 'subscribed', output: null });
  t.is(calls.filter((c) => c.activity === 'billing.chargeSubscription').length, 1);
});

test.serial('a message payload that is not a message (5) is dropped and counted; the instance keeps waiting', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const { outcome, state } = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('SecondaryConfirmation', { taskQueue, workflowId: `msg5-${taskQueue}`, args: [argsFor(confirmation, 'SecondaryConfirmation', input)] });
    await waiting(env, handle);
    await handle.signal(messageSignal, { channel: 'smsReply', keys: { from: input.msisdn }, payload: 5 as never });
    const state = await within(10_000, 'state query', handle.query(stateQuery));
    await handle.signal(messageSignal, { channel: 'smsReply', keys: { from: input.msisdn }, payload: { ...reply, text: '确认' } });
    return { handle, value: { outcome: await within(20_000, 'result', handle.result()), state } };
  });
  t.like(state, { currentStep: 'reply', rejected: { count: 1, last: { name: 'svcflow.message smsReply' } } });
  t.regex(state.rejected!.last.reason, /must be a record/);
  t.false(JSON.stringify(state.rejected).includes(input.msisdn), 'no phone number in the rejection');
  t.deepEqual(outcome, { outcome: 'subscribed', output: null });
  t.false(calls.some((c) => c.activity === 'billing.cancelSubscription'), 'the bad payload did not decline the subscription');
});

const report = compileOrThrow(`
process Report version 1
  input { orderId: string }
  wait r = signal report(outcome: string, count: int) within 4h on timeout { end "no-show" }
  call dispatch.updateWorkOrder(workOrderId: input.orderId, state: "done", note: "{r.outcome}/{r.count}")
  wait go = signal proceed within 4h on timeout { }
  end "done"
`);

test.serial('a raw signal whose payload does not match the declared type never reaches an activity', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const { outcome, first, second } = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('Report', { taskQueue, workflowId: `report-${taskQueue}`, args: [argsFor(report, 'Report', { orderId: 'WO-1' })] });
    await waiting(env, handle);
    await handle.signal('report', { outcome: 42, count: 'many' });
    await handle.signal('report');
    const first = await within(10_000, 'state query', handle.query(stateQuery));
    await handle.signal('report', { outcome: 'done', count: 2 });
    while ((await handle.query(stateQuery)).currentStep !== 'go') await env.sleep('1s');
    // A signal without a declared payload takes any value, within the size bounds.
    await handle.signal('proceed', { a: 'x'.repeat(300_000) });
    const second = await within(10_000, 'state query', handle.query(stateQuery));
    await handle.signal('proceed', { any: ['thing'] });
    return { handle, value: { outcome: await within(20_000, 'result', handle.result()), first, second } };
  });
  t.like(first, { currentStep: 'r', rejected: { count: 2, last: { name: 'report' } } });
  t.regex(first.rejected!.last.reason, /outcome is required/);
  t.like(second, { currentStep: 'go', rejected: { count: 3, last: { name: 'proceed' } } });
  t.regex(second.rejected!.last.reason, /too large/);
  t.deepEqual(outcome, { outcome: 'done', output: null });
  const done = calls.filter((c) => c.activity === 'dispatch.updateWorkOrder');
  t.is(done.length, 1);
  t.like(done[0]!.input, { note: 'done/2' });
});

test.serial('the first mismatched payload is described in the state query', async (t) => {
  const { env } = t.context;
  const { activities } = recordingActivities();
  const state = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('Report', { taskQueue, workflowId: `report2-${taskQueue}`, args: [argsFor(report, 'Report', { orderId: 'WO-2' })] });
    await waiting(env, handle);
    await handle.signal('report', { outcome: 42, count: 'many' });
    const state: ProcessState = await within(10_000, 'state query', handle.query(stateQuery));
    await handle.terminate('done with this test');
    return { handle, value: state };
  });
  t.deepEqual(state.rejected, { count: 1, last: { name: 'report', reason: 'outcome must be a text; count must be a whole number' } });
});

test.after('every history of these tests replays without nondeterminism', async (t) => {
  t.true(t.context.histories.length >= 4);
  let n = 0;
  for await (const r of Worker.runReplayHistories({ ...workflowCode, replayName: 'hostile-signals' }, t.context.histories as never)) {
    t.is(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
    n++;
  }
  t.is(n, t.context.histories.length);
});

test.serial('a raw start with input that is not the declared input, or with a resume point, is refused before any step runs', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const starts: Array<[string, unknown]> = [
    ['money of an extra field, negative fen', { ...argsFor(confirmation, 'SecondaryConfirmation', { ...input, monthlyFee: { fen: -500, currency: 'CNY', x: 1 } }) }],
    ['no input at all', { ...argsFor(confirmation, 'SecondaryConfirmation', input), input: undefined }],
    ['a phone that is not one', argsFor(confirmation, 'SecondaryConfirmation', { ...input, msisdn: 5 })],
    ['a resume point on a first run', { ...argsFor(confirmation, 'SecondaryConfirmation', input), resume: { path: [{ index: 2 }], frames: [], compensations: [] } }],
    ['an inbox on a first run', { ...argsFor(confirmation, 'SecondaryConfirmation', input), inbox: [['message:smsReply:from=13800138000', [reply]]] }],
    ['keyed hashes of a text that is not a @pii text of the input', { ...argsFor(confirmation, 'SecondaryConfirmation', input), keyHashes: [['13900000009', 'hmac:k1:AAAAAAAAAAAAAAAAAAAAAA']] }],
    ['a keyed hash that is not one (the number itself)', { ...argsFor(confirmation, 'SecondaryConfirmation', input), keyHashes: [[input.msisdn, input.msisdn]] }],
    ['keyed hashes that are not a list of pairs', { ...argsFor(confirmation, 'SecondaryConfirmation', input), keyHashes: { [input.msisdn]: 'hmac:k1:AAAAAAAAAAAAAAAAAAAAAA' } }],
  ];
  for (const [what, args] of starts) {
    const failure = await run(t, activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('SecondaryConfirmation', { taskQueue, workflowId: `raw-start-${uniqueQueue('x')}`, args: [args] });
      const err = await within(20_000, what, handle.result().then(() => undefined, (e: Error & { cause?: { type?: string; message: string } }) => e.cause));
      return { handle, value: err };
    });
    t.truthy(failure, `${what}: it must fail`);
    t.is(failure?.type, 'svcflow/invalid-start', what);
    t.false(failure?.message.includes('13800138000'), `${what}: no phone number in the failure`);
  }
  t.deepEqual(calls, [], 'no step ran');
});

const named = compileOrThrow(`
process Named version 1
  input { ref: string }
  wait r = update answer(x: string) within 1h on timeout { end "late" }
  wait s = signal proceed within 1h on timeout { end "late" }
  end "ok"
`);

test.serial('a definition whose handler name Temporal refuses fails the instance, non-retryably, instead of failing its workflow task forever', async (t) => {
  const { env } = t.context;
  const { activities } = recordingActivities();
  // The checker refuses these names (check/reserved-handler-name); a raw start carries its own IR.
  const renamed: Array<[string, (ir: ProcessIR) => void]> = [
    ['an update named __stack_trace', (ir) => ((ir.steps[0] as { trigger: { name: string } }).trigger.name = '__stack_trace')],
    ['a signal named __temporal_x', (ir) => ((ir.steps[1] as { trigger: { name: string } }).trigger.name = '__temporal_x')],
  ];
  for (const [what, rename] of renamed) {
    const ir = structuredClone(named.get('Named')!);
    rename(ir);
    const failure = await run(t, activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('Named', { taskQueue, workflowId: `named-${uniqueQueue('x')}`, args: [{ ir, input: { ref: 'a' } }] });
      const err = await within(20_000, what, handle.result().then(() => undefined, (e: Error & { cause?: { type?: string; nonRetryable?: boolean; message: string } }) => e.cause));
      return { handle, value: err };
    });
    t.is(failure?.type, 'svcflow/invalid-definition', what);
    t.true(failure?.nonRetryable, what);
    t.regex(failure?.message ?? '', /reserved/, what);
  }
});

test.serial('a raw reply whose text holds NUL, or whose receivedAt is no calendar time, is dropped and counted, not taken', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const { outcome, state } = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('SecondaryConfirmation', { taskQueue, workflowId: `nul-${taskQueue}`, args: [argsFor(confirmation, 'SecondaryConfirmation', input)] });
    await waiting(env, handle);
    const to = { channel: 'smsReply', keys: { from: input.msisdn } };
    await handle.signal(messageSignal, { ...to, payload: { ...reply, text: 'Y\u0000' } });
    await handle.signal(messageSignal, { ...to, payload: { ...reply, receivedAt: '2026-02-30T10:00:00Z' } });
    await handle.signal(messageSignal, { ...to, payload: { ...reply, receivedAt: '2026-11-22T24:00:00Z' } });
    const state = await within(10_000, 'state query', handle.query(stateQuery));
    await handle.signal(messageSignal, { ...to, payload: reply });
    return { handle, value: { outcome: await within(20_000, 'result', handle.result()), state } };
  });
  t.like(state, { currentStep: 'reply', rejected: { count: 3, last: { name: 'svcflow.message smsReply' } } });
  t.regex(state.rejected!.last.reason, /receivedAt must be a time/);
  t.deepEqual(outcome, { outcome: 'subscribed', output: null });
  t.false(calls.some((c) => c.activity === 'billing.cancelSubscription'), 'no bad reply declined the subscription');
  t.false(calls.some((c) => JSON.stringify(c.input).includes('\u0000')), 'no NUL reached an activity');
});

/** A message wait on a declared channel: the IR carries the channel's payload, as lowering sets it from the catalog. */
const EMAIL: TypeRef = {
  t: 'record',
  fields: [
    { name: 'from', type: { t: 'string' }, optional: false, pii: true },
    { name: 'subject', type: { t: 'string' }, optional: false, pii: false },
    { name: 'text', type: { t: 'string' }, optional: false, pii: false },
    { name: 'receivedAt', type: { t: 'time' }, optional: false, pii: false },
  ],
};
const mailed = compileOrThrow(`
process Mailed version 1
  input { address: string }
  wait mail = message email(from: input.address) within 1h on timeout { end "late" }
  call dispatch.updateWorkOrder(workOrderId: "WO-1", state: "done", note: mail.text)
  end "replied"
`);
const mailedIr = structuredClone(mailed.get('Mailed')!);
(mailedIr.steps[0] as { trigger: { payload?: TypeRef } }).trigger.payload = EMAIL;

test.serial('a message on a channel with a declared payload is checked against it: an SMS-shaped one or a wrong type is dropped and counted, a right one is taken', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const address = 'ann@example.com';
  const email = { from: address, subject: 'Re: repair', text: 'from the e-mail', receivedAt: '2026-11-22T10:00:00Z' };
  const { outcome, state } = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('Mailed', { taskQueue, workflowId: `mailed-${taskQueue}`, args: [{ ir: mailedIr, input: { address } }] });
    await waiting(env, handle);
    const to = { channel: 'email', keys: { from: address } };
    // An SMS reply is not an e-mail; nor is one whose subject is a number.
    await handle.signal(messageSignal, { ...to, payload: { from: address, text: 'sms', receivedAt: email.receivedAt, channel: 'sms' } });
    await handle.signal(messageSignal, { ...to, payload: { ...email, subject: 5 } });
    const state = await within(10_000, 'state query', handle.query(stateQuery));
    await handle.signal(messageSignal, { ...to, payload: email });
    return { handle, value: { outcome: await within(20_000, 'result', handle.result()), state } };
  });
  t.like(state, { currentStep: 'mail', rejected: { count: 2, last: { name: 'svcflow.message email' } } });
  t.regex(state.rejected!.last.reason, /subject must be a text/);
  t.false(JSON.stringify(state.rejected).includes(address), 'no address in the rejection');
  t.deepEqual(outcome, { outcome: 'replied', output: null });
  t.deepEqual(calls.map((c) => [c.activity, c.input.note]), [['dispatch.updateWorkOrder', 'from the e-mail']]);
});
