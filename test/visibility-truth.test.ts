/**
 * Search attributes that tell the truth (issue 12), on the time-skipping test server: NextDeadline
 * is the earliest pending limit; once an instance has closed, CurrentStep says how it ended;
 * EscalationLevel moves with the process (`escalate to`) and a timer never moves it back; the
 * declared owner is in the state query and the current details.
 */
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { uniqueQueue } from './helpers/servers.js';
import { timeSkippingTests } from './helpers/time-skipping.js';
import { argsFor, compileOrThrow, recordingActivities } from './helpers/runtime.js';
import { workflowCode } from '../src/engine/worker.js';
import { CurrentStep, EscalationLevel, NextDeadline } from '../src/workflows/search-attributes.js';

const test = timeSkippingTests();

const irs = compileOrThrow(`process Escalating version 1
  input { ref: string, fail: bool }
  index ref
  resolve: wait decision = signal decide(ok: bool) within 120h
    escalate after 24h to "province" { }
    escalate after 72h to "group" { }
    on timeout { end "late" }
  if input.fail { fail "not-resolved", "the decision was no" }
  end "resolved"
`);

const HOUR = 3_600_000;

async function attributes(handle: WorkflowHandle) {
  const d = await handle.describe();
  return { next: d.typedSearchAttributes.get(NextDeadline)?.getTime(), step: d.typedSearchAttributes.get(CurrentStep), level: d.typedSearchAttributes.get(EscalationLevel), started: d.startTime.getTime() };
}

/** Within five minutes of `started + hours` (the test server's clock moves on while it works). */
const near = (at: number | undefined, started: number, hours: number) => at !== undefined && Math.abs(at - (started + hours * HOUR)) < 5 * 60_000;

test.serial('NextDeadline is the next escalation, then the one after it, then the wait\'s own limit', async (t) => {
  const { env } = t.context;
  const taskQueue = uniqueQueue('deadline');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowCode, activities: recordingActivities().activities });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('Escalating', { taskQueue, workflowId: `deadline-${taskQueue}`, args: [argsFor(irs, 'Escalating', { ref: 'R-0', fail: false })] });
    await env.sleep('1m');
    const first = await attributes(handle);
    t.true(near(first.next, first.started, 24), `next deadline ${first.next && new Date(first.next).toISOString()} is the 24 h escalation`);
    await env.sleep('25h');
    const second = await attributes(handle);
    t.is(second.level, 'province');
    t.true(near(second.next, second.started, 72), `then the 72 h escalation (${second.next && new Date(second.next).toISOString()})`);
    await env.sleep('48h');
    const third = await attributes(handle);
    t.is(third.level, 'group');
    t.true(near(third.next, third.started, 120), `then the wait's own limit (${third.next && new Date(third.next).toISOString()})`);
    await handle.signal('decide', { ok: true });
    t.deepEqual(await handle.result(), { outcome: 'resolved', output: null });
  });
});

test.serial('once closed, CurrentStep says how the instance ended: its outcome or its failure code', async (t) => {
  const { env } = t.context;
  const taskQueue = uniqueQueue('truth');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowCode, activities: recordingActivities().activities });
  await worker.runUntil(async () => {
    const ok = await env.client.workflow.start('Escalating', { taskQueue, workflowId: `truth-ok-${taskQueue}`, args: [argsFor(irs, 'Escalating', { ref: 'R-1', fail: false })] });
    await env.sleep('25h');
    const waiting = await attributes(ok);
    t.is(waiting.step, 'resolve');
    t.is(waiting.level, 'province');
    await ok.signal('decide', { ok: true });
    t.deepEqual(await ok.result(), { outcome: 'resolved', output: null });
    t.is((await attributes(ok)).step, 'ended resolved');

    const failing = await env.client.workflow.start('Escalating', { taskQueue, workflowId: `truth-fail-${taskQueue}`, args: [argsFor(irs, 'Escalating', { ref: 'R-2', fail: true })] });
    await env.sleep('1m');
    await failing.signal('decide', { ok: false });
    await t.throwsAsync(failing.result());
    t.is((await attributes(failing)).step, 'failed not-resolved');

    const cancelled = await env.client.workflow.start('Escalating', { taskQueue, workflowId: `truth-cancel-${taskQueue}`, args: [argsFor(irs, 'Escalating', { ref: 'R-3', fail: false })] });
    await env.sleep('1m');
    await cancelled.cancel();
    await t.throwsAsync(cancelled.result());
    t.is((await attributes(cancelled)).step, 'resolve', 'a cancelled instance keeps its last step (its status says cancelled)');
  });
});

/** What an operator reads of an instance: its search attributes, the state query and the current details. */
async function levelSeen(handle: WorkflowHandle) {
  const state = await handle.query<{ escalationLevel?: string; owner?: string }>('state');
  const metadata = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
  return { attribute: (await attributes(handle)).level, query: state.escalationLevel, details: metadata.currentDetails, owner: state.owner };
}

const rounds = compileOrThrow(`process Rounds version 1
  input { ref: string }
  round: repeat 2 times {
    resolve: wait decision = signal decide(ok: bool) within 120h
      escalate after 24h to "province" { }
      escalate after 72h to "group" { }
      on timeout { }
  }
  end "done"
`);

test.serial('an escalation timer never moves the level back: the second round of a wait stays at group', async (t) => {
  const { env } = t.context;
  const taskQueue = uniqueQueue('rounds');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowCode, activities: recordingActivities().activities });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('Rounds', { taskQueue, workflowId: `rounds-${taskQueue}`, args: [argsFor(rounds, 'Rounds', { ref: 'R-4' })] });
    await env.sleep('121h');
    t.is((await attributes(handle)).level, 'group', 'the first round went up to group');
    // The second round's 24 h timer fires at 145 h: the instance stands at group, which this wait lists later.
    await env.sleep('25h');
    const seen = await levelSeen(handle);
    t.is(seen.attribute, 'group');
    t.is(seen.query, 'group');
    t.regex(seen.details, /escalated to group/);
    await handle.signal('decide', { ok: true });
    t.deepEqual(await handle.result(), { outcome: 'done', output: null });
  });
});

test.serial('escalate to sets the level at once, and a later timer of a lower level does not move it back; the owner is in the state and details', async (t) => {
  const { env } = t.context;
  const irs2 = compileOrThrow(`process Regulator version 1
  input { ref: string, channel: string, taker: string }
  owner input.taker
  if input.channel == "regulator" {
    atGroup: escalate to "group"
  }
  resolve: wait decision = signal decide(ok: bool) within 120h
    escalate after 24h to "province" { }
    escalate after 72h to "group" { }
    on timeout { end "late" }
  end "resolved"
`);
  const taskQueue = uniqueQueue('regulator');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowCode, activities: recordingActivities().activities });
  await worker.runUntil(async () => {
    const direct = await env.client.workflow.start('Regulator', { taskQueue, workflowId: `regulator-${taskQueue}`, args: [argsFor(irs2, 'Regulator', { ref: 'R-5', channel: 'regulator', taker: 'agent-9' })] });
    const hotline = await env.client.workflow.start('Regulator', { taskQueue, workflowId: `hotline-${taskQueue}`, args: [argsFor(irs2, 'Regulator', { ref: 'R-6', channel: 'hotline', taker: 'agent-9' })] });
    await env.sleep('1m');
    const first = await levelSeen(direct);
    t.is(first.attribute, 'group', 'EscalationLevel = group before any timer');
    t.is(first.query, 'group');
    t.regex(first.details, /escalated to group/);
    t.is(first.owner, 'agent-9', 'the state query names the declared owner');
    t.regex(first.details, /^owner agent-9 · escalated to group *$/m, 'and so do the current details, with the level');
    t.is((await attributes(direct)).step, 'resolve', 'CurrentStep is the wait the instance rests at');
    t.is((await levelSeen(hotline)).attribute, undefined, 'a complaint by phone has no level yet');
    await env.sleep('25h');
    t.is((await levelSeen(direct)).attribute, 'group', 'the 24 h timer (province) does not move it back');
    t.is((await levelSeen(hotline)).attribute, 'province', 'the other instance moves up as before');
    await direct.signal('decide', { ok: true });
    await hotline.signal('decide', { ok: true });
    t.deepEqual(await direct.result(), { outcome: 'resolved', output: null });
    t.deepEqual(await hotline.result(), { outcome: 'resolved', output: null });
  });
});

test.serial('a level that is no short text fails the process with runtime/invalid-level, never a workflow task retried forever', async (t) => {
  const { env } = t.context;
  const irs3 = compileOrThrow(`process LongLevel version 1
  input { ref: string }
  escalate to input.ref
  end "escalated"
`);
  const taskQueue = uniqueQueue('long-level');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowCode, activities: recordingActivities().activities });
  await worker.runUntil(async () => {
    for (const [i, ref] of ['', 'g'.repeat(300)].entries()) {
      const handle = await env.client.workflow.start('LongLevel', { taskQueue, workflowId: `long-level-${i}-${taskQueue}`, args: [argsFor(irs3, 'LongLevel', { ref })] });
      const err = await t.throwsAsync(handle.result());
      t.is((err!.cause as { type?: string }).type, 'runtime/invalid-level', `a level of ${ref.length} characters`);
      t.is((await attributes(handle)).level, undefined);
    }
  });
});

const piiLevel = compileOrThrow(`process PiiLevel version 1
  input { ref: string, name: string @pii }
  index ref
  lvl: escalate to input.name
  end "escalated"
`);

test.serial('escalate to a @pii text of the input fails the instance, and no search attribute holds it', async (t) => {
  const { env } = t.context;
  const taskQueue = uniqueQueue('pii-level');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowCode, activities: recordingActivities().activities });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('PiiLevel', { taskQueue, workflowId: `pii-level-${taskQueue}`, args: [argsFor(piiLevel, 'PiiLevel', { ref: 'R-9', name: 'Ann Lee' })] });
    const err = await t.throwsAsync(handle.result());
    t.is((err?.cause as { type?: string } | undefined)?.type, 'runtime/pii-level');
    t.false(JSON.stringify((await handle.describe()).raw.workflowExecutionInfo?.searchAttributes ?? {}).includes(Buffer.from('"Ann Lee"').toString('base64')));
    t.is((await handle.describe()).typedSearchAttributes.get(EscalationLevel), undefined);
  });
});
