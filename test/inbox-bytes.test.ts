/**
 * Review finding 1: raw signals a looping instance keeps for a later wait must never make its
 * continue-as-new exceed the server's payload limit (the server then terminates it, and
 * termination runs no compensations). The inbox keeps at most its byte budget, measured in
 * UTF-8 bytes at put; the rest are dropped and counted. On the dev server, which enforces the
 * blob size limit as production does (the time-skipping server does not).
 */
import anyTest, { type TestFn } from 'ava';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { workflowCode } from '../src/engine/worker.js';
import { stateQuery } from '../src/workflows/run-process.js';
import { INBOX_LIMITS } from '../src/workflows/payloads.js';
import { eventually, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { argsFor, compileOrThrow, recordingActivities } from './helpers/runtime.js';

const test = anyTest as TestFn<{ worker: Worker; running: Promise<void>; native: NativeConnection; connection: Connection; client: Client; queue: string; handles: WorkflowHandleWithFirstExecutionRunId[] }>;

test.before(async (t) => {
  const queue = uniqueQueue('inbox-bytes');
  t.context.queue = queue;
  t.context.handles = [];
  t.context.native = await NativeConnection.connect({ address: temporalAddress() });
  t.context.worker = await Worker.create({ connection: t.context.native, namespace: temporalNamespace(), taskQueue: queue, ...workflowCode, activities: recordingActivities().activities });
  t.context.running = t.context.worker.run();
  t.context.connection = await Connection.connect({ address: temporalAddress() });
  t.context.client = new Client({ connection: t.context.connection, namespace: temporalNamespace() });
});

test.after('every run of these tests replays without nondeterminism (the drops are patched)', async (t) => {
  const histories = [];
  for (const h of t.context.handles) {
    // Every run of each instance: the first and the ones it continued as.
    let runId: string | undefined = h.firstExecutionRunId;
    while (runId) {
      const history = await t.context.client.workflow.getHandle(h.workflowId, runId).fetchHistory();
      histories.push({ workflowId: `${h.workflowId}/${runId}`, history });
      const next: string | null | undefined = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      runId = next ?? undefined;
    }
  }
  t.true(histories.length >= 5, `${histories.length} runs`);
  t.log(`${histories.length} runs replayed`);
  let n = 0;
  for await (const r of Worker.runReplayHistories({ ...workflowCode, replayName: 'inbox-bytes' }, histories as never)) {
    t.is(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
    n++;
  }
  t.is(n, histories.length);
});

test.after.always(async (t) => {
  t.context.worker?.shutdown();
  await t.context.running;
  await t.context.native?.close();
  await t.context.connection?.close();
});

const flood = compileOrThrow(`
process Flood version 1
  input { lines: list of string }
  perLine: for each line in input.lines {
    wait tick = signal tick within 1h on timeout { end "late" }
  }
  wait go = signal proceed within 1h on timeout { end "late" }
  end "done"
`);

test.serial('ten 240 KB signals kept for a later wait do not get a looping instance terminated at continue-as-new', async (t) => {
  const { client, queue } = t.context;
  const handle = await client.workflow.start('Flood', {
    taskQueue: queue,
    workflowId: uniqueQueue('flood'),
    args: [{ ...argsFor(flood, 'Flood', { lines: ['a', 'b', 'c'] }), continueAsNewAfterEvents: 5 }],
  });
  t.context.handles.push(handle);
  await eventually(async () => ((await handle.query(stateQuery)).waiting ? true : undefined), 'waiting for a tick');
  // 80,000 characters (well under 256 Ki), 240,000 bytes each: 2.4 MB in all, over the 2 MiB limit.
  const big = '€'.repeat(80_000);
  for (let i = 0; i < 10; i++) await handle.signal('proceed', big as never);
  for (let i = 0; i < 3; i++) await handle.signal('tick');
  const outcome = await handle.result();
  t.deepEqual(outcome, { outcome: 'done', output: null });
  const d = await handle.describe();
  t.is(d.status.name, 'COMPLETED');
  t.not(d.runId, handle.firstExecutionRunId, 'it continued as new');
  const state = await handle.query(stateQuery);
  t.is(state.rejected?.count, 9, 'one kept, nine over the budget');
  t.is(state.rejected?.last.name, 'proceed');
  t.regex(state.rejected!.last.reason, new RegExp(`more than ${INBOX_LIMITS.bytes} bytes`));
});

const heavy = compileOrThrow(`
process Heavy version 1
  input { lines: list of string, blob: string }
  perLine: for each line in input.lines {
    wait tick = signal tick within 1h on timeout { end "late" }
  }
  wait go = signal proceed within 1h on timeout { end "late" }
  end "done"
`);

async function heavyRun(t: { context: { client: Client; queue: string; handles: WorkflowHandleWithFirstExecutionRunId[] } }, blob: number, proceed: number) {
  const { client, queue } = t.context;
  const handle = await client.workflow.start('Heavy', {
    taskQueue: queue,
    workflowId: uniqueQueue('heavy'),
    args: [{ ...argsFor(heavy, 'Heavy', { lines: ['a', 'b', 'c'], blob: 'x'.repeat(blob) }), continueAsNewAfterEvents: 5 }],
  });
  t.context.handles.push(handle);
  await eventually(async () => ((await handle.query(stateQuery)).waiting ? true : undefined), 'waiting for a tick');
  await handle.signal('proceed', 'y'.repeat(proceed) as never);
  for (let i = 0; i < 3; i++) await handle.signal('tick');
  return handle;
}

test.serial('an instance whose carried arguments cannot fit fails with a typed, non-retryable failure instead of being terminated', async (t) => {
  // 1 MB of input: a start may carry it; a continue-as-new carries it twice (the input and the
  // root frame's variable) and, before the check, the 200 KB event besides: over 2 MiB.
  const handle = await heavyRun(t, 1_000_000, 200_000);
  const failure = await handle.result().then(
    () => undefined,
    (e: Error & { cause?: { type?: string; message?: string } }) => e.cause,
  );
  t.is(failure?.type, 'svcflow/too-large-to-continue');
  t.is((await handle.describe()).status.name, 'FAILED');
});

test.serial('an event that would push a continue-as-new over the limit is dropped and counted; the instance goes on', async (t) => {
  // 700 KB of input (carried twice) and a 240 KB event: over the carry limit together, within it apart.
  const handle = await heavyRun(t, 700_000, 240_000);
  await eventually(async () => ((await handle.query(stateQuery)).currentStep === 'go' ? true : undefined), 'at go');
  const state = await handle.query(stateQuery);
  t.like(state.rejected, { count: 1, last: { name: 'proceed' } });
  t.regex(state.rejected!.last.reason, /dropped at continue-as-new/);
  await handle.signal('proceed', 'small' as never);
  t.deepEqual(await handle.result(), { outcome: 'done', output: null });
});
