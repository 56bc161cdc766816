/**
 * Every patch costs a new history a marker and an upsert of TemporalChangeVersion (~270 bytes),
 * so svcflow's patches are checked through one baseline marker (src/workflows/patches.ts): a
 * new instance, whatever paths it takes, records exactly that one, and replays; histories
 * recorded before it, with their own markers, still replay (test/replay.test.ts).
 */
import type { ExecutionContext } from 'ava';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { uniqueQueue } from './helpers/servers.js';
import { timeSkippingTests } from './helpers/time-skipping.js';
import { argsFor, compileOrThrow, recordingActivities } from './helpers/runtime.js';
import { workflowCode } from '../src/engine/worker.js';
import { readFileSync } from 'node:fs';
import proto from '@temporalio/proto';
import { BASELINE } from '../src/workflows/patches.js';

const { History } = proto.temporal.api.history.v1;

const test = timeSkippingTests();

// Calls, a wait with escalations that fire, a wait that ends, a parallel whose branch fails, a
// compensation, and the close: every path a patch guards in a plain run.
const irs = compileOrThrow(`process Patchy version 1
  input { msisdn: phone @pii }
  sms: call notification.sendSms(to: input.msisdn, template: "sp.confirm.done", vars: { product: "x" })
    compensate with notification.sendSms(to: input.msisdn, template: "sp.confirm.done", vars: { product: "x" })
  resolve: wait decision = signal decide(ok: bool) within 120h
    escalate after 24h to "province" { }
    escalate after 72h to "group" { }
    on timeout { end "late" }
  both: parallel all {
    branch sending {
      again: call notification.sendSms(to: input.msisdn, template: "sp.confirm.done", vars: { product: "x" })
    }
    branch failing {
      fail "no", "a branch fails"
    }
  }
  end "done"
`);

/** Runs Patchy through every path a patch guards (80 h of escalations, a decision, a failing branch) and returns its history. */
async function runPatchy(t: ExecutionContext<{ env: TestWorkflowEnvironment }>, prefix: string, extra: Record<string, unknown> = {}): Promise<proto.temporal.api.history.v1.IHistory> {
  const { env } = t.context;
  const taskQueue = uniqueQueue(prefix);
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowCode, activities: recordingActivities().activities });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start('Patchy', { taskQueue, workflowId: `patchy-${taskQueue}`, args: [{ ...argsFor(irs, 'Patchy', { msisdn: '13800138000' }), ...extra }] });
    await env.sleep('80h');
    await handle.signal('decide', { ok: true });
    await t.throwsAsync(handle.result());
    return handle.fetchHistory();
  });
}

/** The patch ids of a history's markers, in order. */
const markerIds = (history: proto.temporal.api.history.v1.IHistory): string[] =>
  (history.events ?? []).flatMap((e) => (e.markerRecordedEventAttributes ? [JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details?.['patch-data']?.payloads?.[0]?.data ?? []).toString()).id as string] : []));

test.serial('a new instance records one patch marker, whatever paths it takes, and replays', async (t) => {
  const history = await runPatchy(t, 'patches');
  t.deepEqual(markerIds(history), ['svcflow-baseline-2026-12']);
  await t.notThrowsAsync(Worker.runReplayHistory({ ...workflowCode, replayName: 'patches' }, history));
});

test.serial('an instance started with the baseline as its argument (as engine.start starts one) records no patch marker and no TemporalChangeVersion, and replays', async (t) => {
  const history = await runPatchy(t, 'patches-arg', { baseline: BASELINE });
  const events = history.events ?? [];
  t.deepEqual(events.filter((e) => e.markerRecordedEventAttributes).length, 0, 'no marker');
  t.false(events.some((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).includes('TemporalChangeVersion')));
  // The same paths as with the marker: the escalations' levels, the compensation, the close.
  t.true(events.some((e) => e.upsertWorkflowSearchAttributesEventAttributes && JSON.stringify(e).includes(Buffer.from('"group"').toString('base64'))), 'escalated to group');
  await t.notThrowsAsync(Worker.runReplayHistory({ ...workflowCode, replayName: 'patches-arg' }, history));
});

test.serial('a history with the baseline as its argument and its marker too (a worker from before the argument ran it) replays', async (t) => {
  const history = await runPatchy(t, 'patches-both');
  // What that worker recorded: the marker, for a start whose arguments carried the baseline.
  const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  input.data = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(input.data!).toString()), baseline: BASELINE }));
  t.is(history.events!.filter((e) => e.markerRecordedEventAttributes).length, 1);
  await t.notThrowsAsync(Worker.runReplayHistory({ ...workflowCode, replayName: 'patches-both' }, history));
});

test('a history whose start names the baseline but that a worker from before the baseline ran (its own markers for the folded patches) replays', async (t) => {
  // Recorded by the code of 787addc (the commit before the baseline, which knew each folded
  // patch), for a start that named the baseline as this engine's do: that worker ignored it.
  const history = History.fromObject(JSON.parse(readFileSync(new URL('../../test/histories/older-workers/Patchy-baseline-argument.json', import.meta.url), 'utf8')));
  t.deepEqual(markerIds(history), ['svcflow-cancel-waits', 'svcflow-earliest-deadline', 'svcflow-waiting-for-cleared', 'svcflow-branches-settle', 'svcflow-closed-step']);
  t.is(JSON.parse(Buffer.from(history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!).toString()).baseline, BASELINE);
  await t.notThrowsAsync(Worker.runReplayHistory({ ...workflowCode, replayName: 'older-worker' }, history));
});

test('the baseline stands for the patches frozen with it: every patch of the workflow code is among them, and a later one would be asked on its own', async (t) => {
  const { FOLDED_PATCHES } = await import('../src/workflows/patches.js');
  const modules = await Promise.all(['run-process', 'interpret', 'handlers', 'concurrently'].map((m) => import(`../src/workflows/${m}.js`) as Promise<Record<string, unknown>>));
  const declared = modules.flatMap((m) => Object.entries(m).filter(([k, v]) => k.endsWith('_PATCH') && k !== 'BASELINE_PATCH' && typeof v === 'string').map(([, v]) => v as string));
  t.true(declared.length >= 13);
  // Frozen: a patch added after the baseline must not join it (histories on the baseline before it would change).
  t.deepEqual([...FOLDED_PATCHES].sort(), [
    'svcflow-branches-settle', 'svcflow-cancel-waits', 'svcflow-cancelled-wait', 'svcflow-carry-checked', 'svcflow-checks-tightened',
    'svcflow-child-per-iteration', 'svcflow-closed-step', 'svcflow-continue-as-new', 'svcflow-earliest-deadline', 'svcflow-escalation-fails',
    'svcflow-level-kept', 'svcflow-payloads-checked', 'svcflow-start-checked', 'svcflow-waiting-for-cleared',
  ]);
  for (const id of declared) t.true(FOLDED_PATCHES.includes(id), `${id} is a patch of this baseline`);
});
