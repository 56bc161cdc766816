/**
 * The baseline of `npm run bench:runtime`: the benchmark's processes written by hand as plain
 * Temporal workflows, the way the SDK's samples do it. Same workflow types as the DSL processes
 * (`Bench1`, `Bench5`, `Bench20`, `Hold`), same activity name, options, argument shape
 * (args, { idempotencyKey }) and result shape ({ outcome, output }) as the interpreter's.
 * Deterministic code only: this file is bundled for the workflow sandbox.
 */
import * as wf from '@temporalio/workflow';

/** What the catalog gives `notification.sendSms` and the compiled IR step carries; runtime.ts checks it. */
export const SMS_OPTIONS = {
  startToCloseTimeout: 30_000,
  retry: { maximumAttempts: 20, initialInterval: 2_000, backoffCoefficient: 2, maximumInterval: 300_000 },
} satisfies wf.ActivityOptions;

interface Sms {
  'notification.sendSms'(input: { to: string; template: string }, meta: { idempotencyKey: string }): Promise<{ messageId: string; status: string }>;
}

const { 'notification.sendSms': sendSms } = wf.proxyActivities<Sms>(SMS_OPTIONS);

export interface BenchInput {
  msisdn: string;
}

export interface Outcome {
  outcome: string;
  output: null;
}

/** N SMS in sequence: what `process BenchN` does with steps s1 … sN. */
function steps(n: number) {
  return async (input: BenchInput): Promise<Outcome> => {
    const id = wf.workflowInfo().workflowId;
    for (let i = 1; i <= n; i++) {
      await sendSms({ to: input.msisdn, template: `bench.step${i}` }, { idempotencyKey: `${id}/s${i}` });
    }
    return { outcome: 'completed', output: null };
  };
}

export const Bench1 = steps(1);
export const Bench5 = steps(5);
export const Bench20 = steps(20);

const go = wf.defineSignal('go');

/** Waits for the signal `go` for up to 30 days: what `wait signal go within 30d` does. */
export async function Hold(_input: BenchInput): Promise<Outcome> {
  let got = false;
  wf.setHandler(go, () => {
    got = true;
  });
  const arrived = await wf.condition(() => got, '30d');
  return { outcome: arrived ? 'completed' : 'timed out', output: null };
}
