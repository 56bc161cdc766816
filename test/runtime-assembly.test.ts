/**
 * One runtime assembly (src/engine/runtime.ts), on a bare Temporal dev server started here (no
 * search attributes: an operator's own cluster) and the database of `npm test`: it registers
 * svcflow's attributes with or without a worker, hosts the modules' activities and the
 * embedder's, serves the generic routes and the modules' adapters, and stops as one.
 */
import anyTest, { type TestFn } from 'ava';
import { Connection } from '@temporalio/client';
import { createRuntime } from '../src/engine/runtime.js';
import { telecomModule, type OutgoingMessage } from '../modules/telecom/index.js';
import { chooseTemporal } from '../src/infra/temporal.js';
import { freePort, startProcess, waitForPort, type Managed } from '../src/infra/processes.js';
import { SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes.js';
import { databaseUrl, uniqueQueue } from './helpers/servers.js';
import { telecomDatabase } from './helpers/telecom.js';

const test = anyTest as TestFn<{ server: Managed; temporal: { address: string; namespace: string } }>;

test.before(async (t) => {
  await telecomDatabase();
  const source = chooseTemporal({ ...process.env, TEMPORAL_ADDRESS: '' });
  if (source.kind !== 'binary') throw new Error('npm test installs the temporal CLI; it is not on this machine');
  const port = await freePort();
  const server = startProcess('bare temporal dev server', source.path, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error']);
  t.context.server = server;
  await waitForPort(port, server, 60_000);
  t.context.temporal = { address: `127.0.0.1:${port}`, namespace: 'default' };
});

test.after.always(async (t) => {
  await t.context.server?.stop();
});

async function missingAttributes(address: string): Promise<string[]> {
  const c = await Connection.connect({ address });
  try {
    const listed = await c.operatorService.listSearchAttributes({ namespace: 'default' });
    return SEARCH_ATTRIBUTES.map((a) => a.name).filter((n) => !Object.hasOwn(listed.customAttributes ?? {}, n));
  } finally {
    await c.close();
  }
}

test.serial('without a worker, it registers the search attributes on the Temporal it connects to', async (t) => {
  const { temporal } = t.context;
  t.true((await missingAttributes(temporal.address)).length > 0, 'the server starts without them');
  const said: string[] = [];
  const rt = await createRuntime({ temporal, databaseUrl: databaseUrl(), worker: false, log: (m) => said.push(m) });
  await rt.start();
  t.deepEqual(await missingAttributes(temporal.address), []);
  t.true(said.some((m) => /registered search attributes/.test(m)));
  t.is(rt.worker, undefined);
  await rt.stop();
  await rt.finished;
});

test.serial('engine, worker, relays and HTTP start and stop as one: a process runs on the module’s and the embedder’s activities', async (t) => {
  const { temporal } = t.context;
  const sent: OutgoingMessage[] = [];
  const port = await freePort();
  const asked: unknown[] = [];
  const rt = await createRuntime({
    temporal,
    databaseUrl: databaseUrl(),
    taskQueue: uniqueQueue('assembly'),
    modules: [telecomModule({ sender: { send: async (m) => void sent.push(m) } })],
    implementations: { 'crm.lookupCustomer': async (input: never) => (asked.push(input), { customerId: 'C-1' }) },
    http: { port },
    log: () => {},
  });
  t.true(rt.activities.includes('notification.sendSms') && rt.activities.includes('crm.lookupCustomer'));
  await rt.start();
  const name = `Assembly${Date.now().toString(36)}`;
  await rt.engine.deploy([
    {
      file: 'assembly.flow',
      text: `process ${name} version 1
  input { ref: string, phone: phone }
  index ref
  call notification.sendSms(to: input.phone, template: "sp.confirm.done", vars: { product: "彩铃" })
  end "done"
`,
    },
  ]);
  const { id } = await rt.engine.start(name, { ref: 'R-1', phone: '13800138000' }, { id: `assembly-${name}` });
  t.deepEqual(await rt.engine.result(id), { outcome: 'done', output: null });
  t.is(sent.filter((m) => m.to === '13800138000').length, 1, 'the module’s sender, from its activity');
  // The generic routes and the module's adapters, on one server.
  t.is((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  const sms = await fetch(`http://127.0.0.1:${port}/sms/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"from":"not a phone"}' });
  t.is(sms.status, 400);
  const signal = await fetch(`http://127.0.0.1:${port}/instances/nobody/signals/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.is(signal.status, 404);
  await rt.stop();
  await rt.finished;
  await t.throwsAsync(fetch(`http://127.0.0.1:${port}/healthz`), undefined, 'the server is closed');
  await rt.stop(); // twice: nothing more
});

test.serial('an activity implemented twice is refused before anything runs', async (t) => {
  const { temporal } = t.context;
  const error = await t.throwsAsync(
    createRuntime({ temporal, databaseUrl: databaseUrl(), modules: [telecomModule({ sender: null })], implementations: { 'billing.charge': async () => ({}) }, log: () => {} }),
  );
  t.regex(error!.message, /activity billing\.charge is implemented twice \(by module telecom and by the implementations given\)/);
});
