/**
 * An activity call (and its compensation) whose IR names a task queue is scheduled there, where
 * another worker (any language) serves it; one without stays on the instance's own queue, with
 * exactly the commands it had. The second argument is the language-neutral meta
 * `{ idempotencyKey, step, process, version }`. On the dev server `npm test` starts.
 */
import test from 'ava';
import { NativeConnection, Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { devClient, temporalAddress, uniqueQueue } from './helpers/servers.js';
import { argsFor, compileOrThrow } from './helpers/runtime.js';
import { workflowCode } from '../src/engine/worker.js';
import type { ActivityInvocation, ProcessIR, Step } from '../src/ir/schema.js';
import type { ActivityMeta } from '../src/workflows/run-process.js';

const saga = compileOrThrow(`
process QueueSaga version 1
  input { accountId: string, fail: bool }
  call billing.charge(accountId: input.accountId, amount: ¥30.00, reason: "install fee") as charge
    compensate with billing.refund(chargeId: charge.chargeId, amount: ¥30.00, reason: "rollback")
  call notification.sendSms(to: "13800138000", template: "t", vars: {}) as sms
  if input.fail { fail "install/failed", "the technician could not install" }
  end "done"
`);

/** The IR with every billing call (and compensation) served on `queue`, as lowering sets it from the system's `queue`. */
function onQueue(ir: ProcessIR, queue: string): ProcessIR {
  const put = (inv: ActivityInvocation | undefined) => inv && (inv.activity.startsWith('billing.') ? { ...inv, taskQueue: queue } : inv);
  const steps = ir.steps.map((s: Step) => (s.kind === 'call' ? { ...s, call: put(s.call)!, compensate: put(s.compensate) } : s));
  return { ...ir, steps };
}

/** Runs the workers while `body` runs, then shuts them down. */
async function serve<T>(workers: Worker[], body: () => Promise<T>): Promise<T> {
  const running = workers.map((w) => w.run());
  try {
    return await body();
  } finally {
    for (const w of workers) w.shutdown();
    await Promise.all(running);
  }
}

type Seen = { activity: string; queue: string; input: unknown; meta: ActivityMeta };

function recording(seen: Seen[], queue: string, names: string[]) {
  return Object.fromEntries(
    names.map((name) => [
      name,
      async (input: unknown, meta: ActivityMeta) => {
        seen.push({ activity: name, queue, input, meta });
        return name === 'billing.charge' ? { chargeId: 'C-1' } : { messageId: 'M-1' };
      },
    ]),
  );
}

async function scheduledQueues(handle: { fetchHistory(): Promise<{ events?: Array<{ activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null; taskQueue?: { name?: string | null } | null } | null }> | null }> }) {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    return a ? [[a.activityType?.name, a.taskQueue?.name]] : [];
  });
}

test('calls and compensations go to their system\'s queue with the language-neutral meta; the rest stay on the instance\'s queue', async (t) => {
  const main = uniqueQueue('tq-main');
  const billing = uniqueQueue('tq-billing');
  const { client, connection } = await devClient();
  const native = await NativeConnection.connect({ address: temporalAddress() });
  const seen: Seen[] = [];
  // Workflows and notification on the main queue; billing only on its own (no workflows there).
  const mainWorker = await Worker.create({ connection: native, taskQueue: main, ...workflowCode, activities: recording(seen, main, ['notification.sendSms']) });
  const billingWorker = await Worker.create({ connection: native, taskQueue: billing, activities: recording(seen, billing, ['billing.charge', 'billing.refund']) });
  try {
    const ir = onQueue(saga.get('QueueSaga')!, billing);
    const args = { ...argsFor(saga, 'QueueSaga', { accountId: 'A-1', fail: true }), ir };
    const id = `queue-saga-${main}`;
    const failed = await serve([mainWorker, billingWorker], async () => {
      const handle = await client.workflow.start('QueueSaga', { taskQueue: main, workflowId: id, args: [args] });
      return { err: await handle.result().catch((e: unknown) => e), queues: await scheduledQueues(handle) };
    });
    t.true(failed.err instanceof WorkflowFailedError);
    t.deepEqual(failed.queues, [['billing.charge', billing], ['notification.sendSms', main], ['billing.refund', billing]]);
    t.deepEqual(seen.map((s) => [s.activity, s.queue]), [['billing.charge', billing], ['notification.sendSms', main], ['billing.refund', billing]]);
    const firstRun = (await client.workflow.getHandle(id).describe()).runId;
    t.deepEqual(seen[0]!.meta, { idempotencyKey: `${id}/${firstRun}/charge`, step: 'charge', process: 'QueueSaga', version: 1 });
    t.deepEqual(seen[2]!.meta, { idempotencyKey: `${id}/${firstRun}/charge/compensate`, step: 'charge:compensate', process: 'QueueSaga', version: 1 });
    t.deepEqual(JSON.parse(JSON.stringify(seen[0]!.meta)), seen[0]!.meta, 'the meta is plain JSON');

    // No taskQueue in the IR: every activity on the instance's own queue, as before.
    const plain = `queue-plain-${main}`;
    const everything = await Worker.create({ connection: native, taskQueue: uniqueQueue('tq-all'), ...workflowCode, activities: recording(seen, 'all', ['billing.charge', 'billing.refund', 'notification.sendSms']) });
    const queues = await everything.runUntil(async () => {
      const handle = await client.workflow.start('QueueSaga', { taskQueue: everything.options.taskQueue, workflowId: plain, args: [argsFor(saga, 'QueueSaga', { accountId: 'A-1', fail: false })] });
      t.deepEqual(await handle.result(), { outcome: 'done', output: null });
      return scheduledQueues(handle);
    });
    t.deepEqual(queues, [['billing.charge', everything.options.taskQueue], ['notification.sendSms', everything.options.taskQueue]]);
  } finally {
    await connection.close();
    await native.close();
  }
});
