/**
 * Recorded scenarios beside the histories of processes/ (`npm run record:histories`): runs that
 * take the paths a plain run never does — raw and mismatched signals, a failing escalation, a
 * failing parallel branch with siblings to cancel, a cancelled wait — so that test/replay.test.ts
 * holds the interpreter to what it did then. Each scenario has its flow, input, activities
 * and the signals it is sent, and ends as `expect` says (the script fails otherwise).
 */
import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { compileSources } from '../src/dsl/compile.js';
import type { ProcessIR } from '../src/ir/schema.js';
import { messageSignal, stateQuery } from '../src/workflows/run-process.js';
import { fixtureCatalog } from '../test/helpers/catalog.js';

export interface Scenario {
  name: string;
  process: string;
  flow: string;
  input: Record<string, unknown>;
  /** Activities that answer otherwise than with a sample of their output. */
  activities?: Record<string, (input: Record<string, unknown>) => Promise<unknown>>;
  /** What is sent to the instance while it runs. */
  drive?: (handle: WorkflowHandle, env: TestWorkflowEnvironment) => Promise<void>;
  /** How the run must end: `completed: {…}` or `failed: <type>`. */
  expect: string;
}

const root = new URL('../../', import.meta.url);
const confirmation = readFileSync(new URL('processes/secondary-confirmation.flow', root), 'utf8');
const complaint = readFileSync(new URL('processes/complaint.flow', root), 'utf8');
const msisdn = '13800138000';
const reply = { from: msisdn, text: '是', receivedAt: '2026-11-22T10:00:00Z', channel: 'sms' };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waiting(handle: WorkflowHandle, env: TestWorkflowEnvironment): Promise<void> {
  while (!(await handle.query(stateQuery)).waiting) await env.sleep('1s');
}

const escalating = (escalation: string) => `
process Escalating version 1
  input { accountId: string, complaintId: string }
  call billing.charge(accountId: input.accountId, amount: ¥30.00, reason: "fee") as charge
    compensate with billing.refund(chargeId: charge.chargeId, amount: ¥30.00, reason: "rollback")
  wait resolved = signal resolve(resolution: string) within 72h
    escalate after 24h to "province" { ${escalation} }
    escalate after 48h to "group" {
      call complaints.escalate(complaintId: input.complaintId, toLevel: "group", reason: "48h")
    }
    on timeout { end "breached" }
  end "resolved"
`;

const branches = (mode: 'all' | 'first') => `
process Branches version 1
  input { accountId: string }
  call billing.charge(accountId: input.accountId, amount: ¥30.00, reason: "fee") as charge
    compensate with billing.refund(chargeId: charge.chargeId, amount: ¥30.00, reason: "rollback")
  parallel ${mode} {
    branch broken { call dispatch.reserveNumber(number: "13900000000") }
    branch notify {
      call notification.sendSms(to: "13800138000", template: "slow")
      call notification.sendSms(to: "13800138000", template: "after")
    }
    branch reply {
      wait answer = message smsReply(from: "13800138000") within 4h on timeout { }
    }
  }
  end "done"
`;

/** The number is taken after 200 ms, while the first SMS (400 ms) is in flight: its branch cancels the others. */
const failingBranch = {
  async 'dispatch.reserveNumber'(): Promise<never> {
    await pause(200);
    throw ApplicationFailure.nonRetryable('the number is taken', 'dispatch/number-unavailable');
  },
  async 'notification.sendSms'() {
    await pause(400);
    return { messageId: 'm1', status: 'queued' };
  },
};

/** A charge that takes a while, and says when it has started: the process is cancelled meanwhile. */
const inFlight = { started: false };
const slowCharge = {
  async 'billing.charge'() {
    inFlight.started = true;
    await pause(800);
    return { chargeId: 'CH-1', status: 'succeeded' };
  },
};

export const SCENARIOS: Scenario[] = [
  {
    name: 'SecondaryConfirmation-raw-messages',
    process: 'SecondaryConfirmation',
    flow: confirmation,
    input: { subscriptionId: 'SUB-1', msisdn, product: '彩铃', monthlyFee: { fen: 500, currency: 'CNY' } },
    async drive(handle, env) {
      await waiting(handle, env);
      const raw = handle as unknown as { signal(name: string, ...args: unknown[]): Promise<void> };
      await raw.signal('svcflow.message');
      await raw.signal('svcflow.message', null);
      await raw.signal('svcflow.message', { channel: 'smsReply', keys: null, payload: reply });
      await raw.signal('svcflow.message', { channel: 'smsReply', keys: { from: msisdn }, payload: 5 });
      await handle.signal(messageSignal, { channel: 'smsReply', keys: { from: msisdn }, payload: reply });
    },
    expect: 'completed: {"outcome":"subscribed","output":null}',
  },
  {
    name: 'Report-mismatched-signal',
    process: 'Report',
    flow: `
process Report version 1
  input { orderId: string }
  wait r = signal report(outcome: string, count: int) within 4h on timeout { end "no-show" }
  call dispatch.updateWorkOrder(workOrderId: input.orderId, state: "done", note: "{r.outcome}/{r.count}")
  end "done"
`,
    input: { orderId: 'WO-1' },
    async drive(handle, env) {
      await waiting(handle, env);
      await handle.signal('report', { outcome: 42, count: 'many' });
      await handle.signal('report', { outcome: 'done', count: 2 });
    },
    expect: 'completed: {"outcome":"done","output":null}',
  },
  { name: 'Escalating-fail', process: 'Escalating', flow: escalating('fail "complaint/unescalatable", "no province desk"'), input: { accountId: 'A-1', complaintId: 'C-1' }, expect: 'failed: complaint/unescalatable' },
  { name: 'Escalating-end', process: 'Escalating', flow: escalating('end "escalated-out"'), input: { accountId: 'A-1', complaintId: 'C-1' }, expect: 'completed: {"outcome":"escalated-out","output":null}' },
  {
    name: 'Escalating-activity-fails',
    process: 'Escalating',
    flow: escalating('call complaints.escalate(complaintId: input.complaintId, toLevel: "province", reason: "24h")'),
    input: { accountId: 'A-1', complaintId: 'C-1' },
    activities: {
      'complaints.escalate': () => Promise.reject(ApplicationFailure.nonRetryable('the complaint is closed', 'complaints/complaint-closed')),
    },
    expect: 'failed: complaints/complaint-closed',
  },
  { name: 'Branches-all-one-fails', process: 'Branches', flow: branches('all'), input: { accountId: 'A-1' }, activities: failingBranch, expect: 'failed: dispatch/number-unavailable' },
  { name: 'Branches-first-one-fails', process: 'Branches', flow: branches('first'), input: { accountId: 'A-1' }, activities: failingBranch, expect: 'failed: dispatch/number-unavailable' },
  {
    name: 'Charging-cancelled-in-flight',
    process: 'Charging',
    flow: `
process Charging version 1
  input { accountId: string }
  charge: call billing.charge(accountId: input.accountId, amount: ¥30.00, reason: "fee") as charge
    compensate with billing.refund(chargeId: charge.chargeId, amount: ¥30.00, reason: "rollback")
  wait go = signal proceed within 1h on timeout { }
  end "done"
`,
    input: { accountId: 'A-1' },
    activities: slowCharge,
    async drive(handle) {
      inFlight.started = false;
      while (!inFlight.started) await pause(20);
      await handle.cancel();
    },
    expect: 'failed: Workflow canceled',
  },
  {
    name: 'Branches-first-cancels-a-wait',
    process: 'Race',
    flow: `
process Race version 1
  input { accountId: string }
  parallel first {
    branch quick { sleep 1h }
    branch reply { wait answer = message smsReply(from: "13800138000") within 4h on timeout { } }
  }
  end "done"
`,
    input: { accountId: 'A-1' },
    expect: 'completed: {"outcome":"done","output":null}',
  },
  {
    // `escalate to` at once (group), then the wait's timers: the 24 h one (province) keeps the
    // level at group (patch svcflow-level-kept), and at 120 h the complaint is overdue.
    name: 'ComplaintHandling-regulator',
    process: 'ComplaintHandling',
    flow: complaint,
    input: { intakeRef: 'INT-9', msisdn, accountId: 'AC-9', category: 'network', channel: 'regulator', description: '越级投诉', firstContactOwner: 'agent-1001' },
    activities: {
      'complaints.escalate': async (i) => ({ level: i.toLevel, owner: 'desk-group', deadline: '2026-12-03T09:00:00.000Z', escalatedAt: '2026-12-01T09:00:00.000Z' }),
    },
    expect: 'failed: complaint-overdue',
  },
];

/** The scenario's process, and every process of its flow (children). */
export function compileScenario(s: Scenario): { ir: ProcessIR; children: Record<string, ProcessIR> } {
  const { processes, diagnostics } = compileSources([{ file: `${s.name}.flow`, text: s.flow }], { catalog: fixtureCatalog });
  if (diagnostics.some((d) => d.severity === 'error')) throw new Error(`${s.name}: ${diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('; ')}`);
  const ir = processes.find((p) => p.name === s.process);
  if (!ir) throw new Error(`${s.name}: no process ${s.process}`);
  return { ir, children: Object.fromEntries(processes.map((p) => [p.name, p])) };
}
