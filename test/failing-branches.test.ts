/**
 * Failures inside escalations and parallel branches (issue 10, items 11 and 12): a `fail`, an
 * `end` or a non-retryable activity failure in an `escalate after` block ends the wait and the
 * process (with its compensations), and a failing `parallel` branch cancels its siblings and
 * waits for them before the compensations run. Time-skipping test server, real worker.
 */
import anyTest, { type TestFn } from 'ava';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { timeSkippingEnv, uniqueQueue } from './helpers/servers.js';
import { argsFor, compileOrThrow, recordingActivities, type Call } from './helpers/runtime.js';
import { workflowCode } from '../src/engine/worker.js';
import { stateQuery } from '../src/workflows/run-process.js';
import { WaitingFor } from '../src/workflows/search-attributes.js';
import { SCENARIOS } from '../scripts/scenarios.js';

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

async function run<T>(t: { context: Context }, activities: WorkerOptions['activities'], body: (queue: string) => Promise<{ handle: WorkflowHandle; value: T }>): Promise<T> {
  const taskQueue = uniqueQueue('branches');
  const worker = await Worker.create({ connection: t.context.env.nativeConnection, taskQueue, ...workflowCode, activities });
  const { handle, value } = await worker.runUntil(body(taskQueue));
  t.context.histories.push({ workflowId: handle.workflowId, history: await handle.fetchHistory() });
  return value;
}

const names = (calls: Call[]) => calls.map((c) => c.activity);
const outcomeOf = (handle: WorkflowHandle) => handle.result().then((v: unknown) => v, (e: unknown) => e);
/** The failure's type: the process's code, or the activity failure's (a raw ActivityFailure wraps it). */
function failureType(e: unknown): string | undefined {
  if (!(e instanceof WorkflowFailedError)) return `not a failure: ${JSON.stringify(e)}`;
  const cause = e.cause as { type?: string; cause?: { type?: string } } | undefined;
  return cause?.type ?? cause?.cause?.type;
}

const escalating = (escalation: string) =>
  compileOrThrow(`
process Escalating version 1
  input { accountId: string, complaintId: string }
  call billing.charge(accountId: input.accountId, amount: ¥30.00, reason: "fee") as charge
    compensate with billing.refund(chargeId: charge.chargeId, amount: ¥30.00, reason: "rollback")
  wait resolved = signal resolve(resolution: string) within 72h
    escalate after 24h to "province" {
      ${escalation}
    }
    escalate after 48h to "group" {
      call complaints.escalate(complaintId: input.complaintId, toLevel: "group", reason: "48h")
    }
    on timeout { end "breached" }
  end "resolved"
`);
const escalatingInput = { accountId: 'A-1', complaintId: 'C-1' };

async function runEscalating(t: { context: Context }, escalation: string, outputs: Parameters<typeof recordingActivities>[0] = {}) {
  const { env } = t.context;
  const { activities, calls } = recordingActivities({ 'billing.charge': () => ({ chargeId: 'CH-1' }), ...outputs });
  const { outcome, hours } = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('Escalating', { taskQueue, workflowId: `esc-${taskQueue}`, args: [argsFor(escalating(escalation), 'Escalating', escalatingInput)] });
    const outcome = await outcomeOf(handle);
    // How long the instance ran, in workflow time.
    const { startTime, closeTime } = await handle.describe();
    return { handle, value: { outcome, hours: (closeTime!.getTime() - startTime.getTime()) / 3600_000 } };
  });
  return { outcome, calls, hours };
}

test.serial('a fail inside an escalation fails the process at once, with its compensations', async (t) => {
  const { outcome, calls, hours } = await runEscalating(t, 'fail "complaint/unescalatable", "no province desk"');
  t.is(failureType(outcome), 'complaint/unescalatable');
  t.deepEqual(names(calls), ['billing.charge', 'billing.refund']);
  t.true(hours >= 24 && hours < 48, `failed after ${hours} h`);
});

test.serial('an end inside an escalation ends the whole process with its outcome, no compensation', async (t) => {
  const { outcome, calls, hours } = await runEscalating(t, 'end "escalated-out"');
  t.deepEqual(outcome, { outcome: 'escalated-out', output: null });
  t.deepEqual(names(calls), ['billing.charge']);
  t.true(hours >= 24 && hours < 48, `ended after ${hours} h`);
});

test.serial('a non-retryable activity failure inside an escalation fails the process, with its compensations', async (t) => {
  const { outcome, calls } = await runEscalating(t, 'call complaints.escalate(complaintId: input.complaintId, toLevel: "province", reason: "24h")', {
    'complaints.escalate': () => {
      throw ApplicationFailure.nonRetryable('the complaint is closed', 'complaints/complaint-closed');
    },
  });
  t.is(failureType(outcome), 'complaints/complaint-closed');
  t.deepEqual(names(calls), ['billing.charge', 'complaints.escalate', 'billing.refund']);
});

test.serial('an escalation that goes well stays non-interrupting', async (t) => {
  const { outcome, calls, hours } = await runEscalating(t, 'call complaints.escalate(complaintId: input.complaintId, toLevel: "province", reason: "24h")');
  t.deepEqual(outcome, { outcome: 'breached', output: null });
  t.deepEqual(names(calls), ['billing.charge', 'complaints.escalate', 'complaints.escalate']);
  t.true(hours >= 72);
});

const fanOut = compileOrThrow(`
process FanOut version 1
  input { accountId: string }
  call billing.charge(accountId: input.accountId, amount: ¥30.00, reason: "fee") as charge
    compensate with billing.refund(chargeId: charge.chargeId, amount: ¥30.00, reason: "rollback")
  parallel all {
    branch broken {
      call dispatch.reserveNumber(number: "13900000000") as number
    }
    branch notify {
      call notification.sendSms(to: "13800138000", template: "first")
      call notification.sendSms(to: "13800138000", template: "second")
    }
    branch later {
      sleep 1h
      call notification.sendEmail(to: "a@example.com", template: "later")
    }
  }
  end "done"
`);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test.serial('a failing parallel branch cancels its siblings and waits for them before compensating', async (t) => {
  const { env } = t.context;
  const log: string[] = [];
  const { activities, calls } = recordingActivities();
  const slow = {
    ...activities,
    'billing.charge': async (input: Record<string, unknown>, meta: { idempotencyKey: string }) => {
      await activities['billing.charge']!(input, meta);
      return { chargeId: 'CH-1' };
    },
    'dispatch.reserveNumber': async (input: Record<string, unknown>, meta: { idempotencyKey: string }) => {
      await activities['dispatch.reserveNumber']!(input, meta);
      await pause(300);
      log.push('reserve failed');
      throw ApplicationFailure.nonRetryable('the number is taken', 'dispatch/number-unavailable');
    },
    'notification.sendSms': async (input: Record<string, unknown>, meta: { idempotencyKey: string }) => {
      await activities['notification.sendSms']!(input, meta);
      log.push(`sms ${String(input.template)} started`);
      await pause(1500);
      log.push(`sms ${String(input.template)} sent`);
      return { messageId: 'm1', status: 'queued' };
    },
    'billing.refund': async (input: Record<string, unknown>, meta: { idempotencyKey: string }) => {
      await activities['billing.refund']!(input, meta);
      log.push('refund started');
      await pause(2500);
      log.push('refund done');
      return {};
    },
  };
  const outcome = await run(t, slow, async (taskQueue) => {
    const handle = await env.client.workflow.start('FanOut', { taskQueue, workflowId: `fan-${taskQueue}`, args: [argsFor(fanOut, 'FanOut', { accountId: 'A-1' })] });
    return { handle, value: await outcomeOf(handle) };
  });
  t.is(failureType(outcome), 'dispatch/number-unavailable');
  // The SMS in flight when the branch failed finishes (it cannot be recalled), then the refund
  // runs; the sibling's next step and the sleeping branch's email never start.
  t.deepEqual(log, ['sms first started', 'reserve failed', 'sms first sent', 'refund started', 'refund done']);
  t.deepEqual(names(calls).sort(), ['billing.charge', 'billing.refund', 'dispatch.reserveNumber', 'notification.sendSms']);
});

const raceFail = compileOrThrow(`
process RaceFail version 1
  input { accountId: string }
  call billing.charge(accountId: input.accountId, amount: ¥30.00, reason: "fee") as charge
    compensate with billing.refund(chargeId: charge.chargeId, amount: ¥30.00, reason: "rollback")
  parallel first {
    branch broken {
      sleep 1h
      fail "race/broken", "the first branch broke"
    }
    branch slow {
      sleep 2h
      call notification.sendSms(to: "13800138000", template: "slow")
    }
  }
  end "done"
`);

test.serial('a parallel first whose first branch to finish fails cancels the others before compensating', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities({ 'billing.charge': () => ({ chargeId: 'CH-1' }) });
  const slowRefund = {
    ...activities,
    'billing.refund': async (input: Record<string, unknown>, meta: { idempotencyKey: string }) => {
      await activities['billing.refund']!(input, meta);
      // Time skipping goes on while no activity runs: a slow compensation would let the
      // sleeping sibling's 2h timer fire, were it not cancelled.
      await pause(500);
      return {};
    },
  };
  const outcome = await run(t, slowRefund, async (taskQueue) => {
    const handle = await env.client.workflow.start('RaceFail', { taskQueue, workflowId: `racefail-${taskQueue}`, args: [argsFor(raceFail, 'RaceFail', { accountId: 'A-1' })] });
    return { handle, value: await outcomeOf(handle) };
  });
  t.is(failureType(outcome), 'race/broken');
  t.deepEqual(names(calls), ['billing.charge', 'billing.refund']);
});

const raceWait = compileOrThrow(`
process RaceWait version 1
  input { msisdn: phone }
  parallel first {
    branch quick { sleep 1h }
    branch reply { wait answer = message smsReply(from: input.msisdn) within 4h on timeout { } }
  }
  wait go = signal proceed within 1h on timeout { }
  end "done"
`);

test.serial('a wait cancelled with its branch is over: it leaves WaitingFor and the state query', async (t) => {
  const { env } = t.context;
  const { activities } = recordingActivities();
  const { state, waitingFor } = await run(t, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('RaceWait', { taskQueue, workflowId: `racewait-${taskQueue}`, args: [argsFor(raceWait, 'RaceWait', { msisdn: '13800138000' })] });
    let state = await handle.query(stateQuery);
    while (state.currentStep !== 'go') {
      await env.sleep('10m');
      state = await handle.query(stateQuery);
    }
    const waitingFor = (await handle.describe()).typedSearchAttributes.get(WaitingFor);
    await handle.signal('proceed');
    await handle.result();
    return { handle, value: { state, waitingFor } };
  });
  t.deepEqual(state.waits.map((w) => w.step), ['go']);
  t.deepEqual(waitingFor ?? [], []);
});

// The same process as the recorded scenario of this case (scripts/scenarios.ts).
const charging = compileOrThrow(SCENARIOS.find((s) => s.name === 'Charging-cancelled-in-flight')!.flow);

test.serial('a process cancelled while a charge is in flight waits for it, and refunds it', async (t) => {
  const { env } = t.context;
  const { activities, calls } = recordingActivities();
  const slowCharge = {
    ...activities,
    'billing.charge': async (input: Record<string, unknown>, meta: { idempotencyKey: string }) => {
      await activities['billing.charge']!(input, meta);
      await pause(1500);
      return { chargeId: 'CH-1' };
    },
  };
  const outcome = await run(t, slowCharge, async (taskQueue) => {
    const handle = await env.client.workflow.start('Charging', { taskQueue, workflowId: `charging-${taskQueue}`, args: [argsFor(charging, 'Charging', { accountId: 'A-1' })] });
    while (!calls.length) await pause(50);
    await handle.cancel();
    return { handle, value: await outcomeOf(handle) };
  });
  t.true(outcome instanceof WorkflowFailedError);
  t.deepEqual(names(calls), ['billing.charge', 'billing.refund']);
  t.is(calls[1]!.input.chargeId, 'CH-1');
});

test.after('every history of these tests replays without nondeterminism', async (t) => {
  t.true(t.context.histories.length >= 8);
  let n = 0;
  for await (const r of Worker.runReplayHistories({ ...workflowCode, replayName: 'failing-branches' }, t.context.histories as never)) {
    t.is(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
    n++;
  }
  t.is(n, t.context.histories.length);
});
