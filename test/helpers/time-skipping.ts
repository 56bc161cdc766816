/**
 * Test files whose tests share one time-skipping server. Apart from servers.ts, which the scripts
 * import too: ava refuses to load outside its CLI (test/scripts.test.ts).
 */
import anyTest, { type TestFn } from 'ava';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { timeSkippingEnv } from './servers.js';

/** A test file whose tests share one time-skipping server (`t.context.env`), torn down after them all. */
export function timeSkippingTests(): TestFn<{ env: TestWorkflowEnvironment }> {
  const test = anyTest as TestFn<{ env: TestWorkflowEnvironment }>;
  test.before(async (t) => {
    t.context.env = await timeSkippingEnv();
  });
  test.after.always(async (t) => {
    await t.context.env?.teardown();
  });
  return test;
}
