/**
 * What `npm test` (scripts/test.ts) started, as the test files see it. Running ava directly
 * works too when TEMPORAL_ADDRESS and DATABASE_URL point at servers you started.
 */
import { Connection, Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.js';
import { runtimeInstalled } from '../../src/engine/telemetry.js';

// Workers log every state change at INFO; tests want only what went wrong. (A test file that
// scrapes metrics installed the Runtime itself, first: ./metrics-runtime.ts.)
if (!runtimeInstalled()) Runtime.install({ logger: new DefaultLogger('WARN') });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts the servers`);
  return value;
}

export const temporalAddress = (): string => required('TEMPORAL_ADDRESS');
export const temporalNamespace = (): string => process.env.TEMPORAL_NAMESPACE ?? 'default';
export const databaseUrl = (): string => required('DATABASE_URL');

export async function devClient(): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return { client: new Client({ connection, namespace: temporalNamespace() }), connection };
}

/** A time-skipping environment on the Java test server that `npm test` installed. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = process.env.SVCFLOW_TEST_SERVER;
  const env = await TestWorkflowEnvironment.createTimeSkipping(path ? { server: { executable: { type: 'existing-path', path } } } : {});
  // The test server checks search attributes as a real server does: register svcflow's.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((a) => [a.name, encodeSearchAttributeIndexedValueType(a.sdkType)!])),
  });
  return env;
}

/** A task queue name of its own for each test, so tests sharing one server never steal work. */
export function uniqueQueue(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Polls `probe` until it returns a value (visibility and queries are eventually consistent). */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, { tries = 150, everyMs = 200 } = {}): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
