/**
 * A declared system served by a worker in another language: test/fixtures/python/worker.py
 * (temporalio from PyPI, in the virtual environment `npm test` makes: src/infra/python.ts),
 * run as a separate process against the dev server `npm test` starts. The process's call is
 * scheduled on the system's queue, the Python worker takes it, and what it returns — with the
 * idempotency key and the step it was given — is the process's output. A declared business
 * error raised in Python fails the process with that error's code.
 */
import test from 'ava';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { startProcess } from '../src/infra/processes.js';
import { workflowCode } from '../src/engine/worker.js';
import { devClient, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { crmCatalog, customerLookup } from './helpers/declared.js';

const workerPy = fileURLToPath(new URL('../../test/fixtures/python/worker.py', import.meta.url));

/** Starts worker.py and resolves once it says it polls. */
async function startPythonWorker(python: string, queue: string) {
  const proc = startProcess('python crm worker', python, [workerPy], {
    env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: temporalNamespace(), CRM_TASK_QUEUE: queue, PYTHONUNBUFFERED: '1' },
  });
  const ready = new Promise<void>((resolve, reject) => {
    proc.child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('ready')) resolve();
    });
    void once(proc.child, 'exit').then(() => reject(new Error(`worker.py exited before it was ready:\n${proc.output()}`)));
  });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`worker.py not ready within 60 s:\n${proc.output()}`)), 60_000).unref());
  await Promise.race([ready, timeout]);
  return proc;
}

test('a process whose declared system is served by a Python worker runs to completion with the Python output, idempotency key and step', async (t) => {
  const python = process.env.SVCFLOW_PYTHON;
  if (!python) throw new Error('SVCFLOW_PYTHON is not set: npm test makes the Python environment (src/infra/python.ts); is python3 on PATH?');
  const queue = crmCatalog().systems[0]!.taskQueue!;
  const { ir, path } = customerLookup(queue);
  t.log(`CustomerLookup compiled by the ${path} path; crm served on "${queue}"`);
  t.is(ir.steps[0]!.kind === 'call' && ir.steps[0]!.call.taskQueue, 'crm-python', 'the call is on the queue crm.flow declares');

  const started = performance.now();
  const py = await startPythonWorker(python, queue);
  t.log(`worker.py ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const main = uniqueQueue('py-main');
  const native = await NativeConnection.connect({ address: temporalAddress() });
  // Workflows only: no TypeScript activity at all, so only Python can answer the call.
  const worker = await Worker.create({ connection: native, namespace: temporalNamespace(), taskQueue: main, ...workflowCode });
  const { client, connection } = await devClient();
  try {
    await worker.runUntil(async () => {
      const id = `py-${main}`;
      const handle = await client.workflow.start('CustomerLookup', { taskQueue: main, workflowId: id, args: [{ ir, input: { phone: '13800138000' } }] });
      const result = await handle.result();
      const firstRun = (await handle.describe()).runId;
      t.deepEqual(result, {
        outcome: 'found',
        output: { customerId: 'PY-8000', name: 'Ann (from Python)', tier: 'gold', idempotencyKey: `${id}/${firstRun}/found`, step: 'found' },
      });

      const missing = await client.workflow.start('CustomerLookup', { taskQueue: main, workflowId: `py-missing-${main}`, args: [{ ir, input: { phone: '13800000000' } }] });
      const err = await t.throwsAsync(missing.result(), { instanceOf: WorkflowFailedError });
      const causes: Array<{ type?: string; nonRetryable?: boolean; message: string }> = [];
      for (let c = err?.cause as { cause?: unknown } | undefined; c && causes.length < 5; c = c.cause as { cause?: unknown } | undefined) causes.push(c as never);
      t.true(causes.some((c) => c.type === 'crm/not-found' && c.nonRetryable === true), JSON.stringify(causes.map((c) => [c.type, c.message])));
      const attempts = (await missing.fetchHistory()).events?.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
      t.deepEqual(attempts, [1], 'a declared business error is not retried');
    });
  } finally {
    await py.stop();
    await connection.close();
    await native.close();
  }
});
