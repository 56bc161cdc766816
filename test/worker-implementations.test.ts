/**
 * createWorker serves implementations of declared systems: each on its system's declared task
 * queue (a Temporal worker of its own there, with no workflows), checked at start against the
 * catalog. On the dev server `npm test` starts; the refusals need no server at all.
 */
import test from 'ava';
import { createWorker } from '../src/engine/worker.js';
import { ImplementationError, type ActivityMeta } from '../src/engine/implementations.js';
import { devClient, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { crmCatalog, customerLookup } from './helpers/declared.js';

const lookupCustomer = async (input: { phone: string }, meta: ActivityMeta) => ({
  // A number ending 9999 gets an answer the declaration does not allow (no such field as its id).
  customerId: input.phone.endsWith('9999') ? (9999 as unknown as string) : `C-${input.phone.slice(-4)}`,
  name: 'Ann',
  tier: 'gold' as const,
  idempotencyKey: meta.idempotencyKey,
  step: meta.step,
});

test('an implementation that leaves out a declared operation, or gives an undeclared one, is refused at start, by name', async (t) => {
  // Nothing listens there: the refusal comes before any connection.
  const temporal = { address: '127.0.0.1:1', namespace: 'default' };
  const catalog = crmCatalog();
  const cases: Array<[string, Record<string, Record<string, unknown>>, string[], string[]]> = [
    ['an operation left out', { crm: {} }, ['crm.lookupCustomer'], []],
    ['an operation not declared', { crm: { lookupCustomer, deleteCustomer: lookupCustomer } }, [], ['crm.deleteCustomer']],
    ['a system not declared', { erp: { post: lookupCustomer } }, [], ['system erp']],
    ['not a function', { crm: { lookupCustomer: 'yes' } }, ['crm.lookupCustomer'], []],
    ['a name Object.prototype has', { crm: { lookupCustomer, toString: lookupCustomer } }, [], ['crm.toString']],
  ];
  for (const [what, implementations, missing, undeclared] of cases) {
    const err = await t.throwsAsync(createWorker({ temporal, catalog, implementations: implementations as never }), { instanceOf: ImplementationError }, what);
    t.deepEqual([err?.missing, err?.undeclared], [missing, undeclared], what);
    for (const name of [...missing, ...undeclared]) t.true(err!.message.includes(name), `${what}: the message names ${name}`);
  }
  const err = await t.throwsAsync(createWorker({ temporal, catalog, implementations: { crm: { lookupCustomer } }, activities: { 'crm.lookupCustomer': lookupCustomer } }), { instanceOf: ImplementationError });
  t.regex(err!.message, /crm\.lookupCustomer \(also given as a raw activity\)/);
});

test('a declared system is served on its own task queue by its implementation, with the idempotency key and the step', async (t) => {
  const main = uniqueQueue('impl-main');
  const crmQueue = uniqueQueue('impl-crm');
  const temporal = { address: temporalAddress(), namespace: temporalNamespace() };
  const created = await createWorker({ temporal, taskQueue: main, catalog: crmCatalog(crmQueue), implementations: { crm: { lookupCustomer } }, log: () => {} });
  t.deepEqual(created.workers.map((w) => w.options.taskQueue), [main, crmQueue]);
  const running = created.run();
  const { client, connection } = await devClient();
  try {
    const { ir, path } = customerLookup(crmQueue);
    t.log(`CustomerLookup compiled by the ${path} path`);
    const id = `impl-${main}`;
    const handle = await client.workflow.start('CustomerLookup', { taskQueue: main, workflowId: id, args: [{ ir, input: { phone: '13800138000' } }] });
    const result = await handle.result();
    const firstRun = (await handle.describe()).runId;
    t.deepEqual(result, { outcome: 'found', output: { customerId: 'C-8000', name: 'Ann', tier: 'gold', idempotencyKey: `${id}/${firstRun}/found`, step: 'found' } });
    const scheduled = (await handle.fetchHistory()).events?.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.taskQueue?.name] : []));
    t.deepEqual(scheduled, [crmQueue]);

    // What an implementation returns is checked against the declared output: not retried, never taken.
    const wrong = await client.workflow.start('CustomerLookup', { taskQueue: main, workflowId: `impl-wrong-${main}`, args: [{ ir, input: { phone: '13800009999' } }] });
    const err = await t.throwsAsync(wrong.result());
    const cause = (err as { cause?: { cause?: { type?: string; nonRetryable?: boolean; message?: string } } }).cause?.cause;
    t.like(cause, { type: 'svcflow/invalid-output', nonRetryable: true });
    t.regex(cause?.message ?? '', /customerId must be a text/);
  } finally {
    created.shutdown();
    await running;
    await connection.close();
    await created.connection.close();
  }
});
