/**
 * The foundation is real: a real Temporal dev server, a real time-skipping test server and a
 * real PostgreSQL, all started by `npm test` itself.
 */
import anyTest, { type TestFn } from 'ava';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { NativeConnection, Worker } from '@temporalio/worker';
import { databaseUrl, devClient, temporalAddress, timeSkippingEnv, uniqueQueue } from './helpers/servers.js';
import * as activities from './fixtures/smoke-activities.js';
import { ProcessName } from '../src/workflows/search-attributes.js';
import { choosePostgres, startPostgres } from '../src/infra/postgres.js';
import { chooseTemporal, startTemporal } from '../src/infra/temporal.js';
import { silentLogger } from '../src/infra/log.js';

const test = anyTest as TestFn<unknown>;
const workflowsPath = fileURLToPath(new URL('./fixtures/smoke-workflows.js', import.meta.url));

test('a workflow with one activity completes on the dev server and is found by a custom search attribute', async (t) => {
  const { client, connection } = await devClient();
  const taskQueue = uniqueQueue('smoke');
  const native = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await Worker.create({ connection: native, taskQueue, workflowsPath, activities });
  const marker = `Smoke-${taskQueue}`;
  try {
    const result = await worker.runUntil(
      client.workflow.execute('smokeGreeting', {
        taskQueue,
        workflowId: `smoke-${taskQueue}`,
        args: ['客户'],
        typedSearchAttributes: [{ key: ProcessName, value: marker }],
      }),
    );
    t.is(result, '你好, 客户');
    // Visibility is eventually consistent: poll the list query for a while.
    let found: string[] = [];
    for (let i = 0; i < 50 && found.length === 0; i++) {
      found = [];
      for await (const wf of client.workflow.list({ query: `ProcessName = "${marker}"` })) found.push(wf.workflowId);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    t.deepEqual(found, [`smoke-${taskQueue}`]);
  } finally {
    await connection.close();
    await native.close();
  }
});

test('a workflow sleeping 30 days completes on the time-skipping server', async (t) => {
  const env = await timeSkippingEnv();
  try {
    const taskQueue = uniqueQueue('long-sleep');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
    const slept = await worker.runUntil(env.client.workflow.execute('smokeLongSleep', { taskQueue, workflowId: taskQueue }));
    t.true(slept >= 30 * 24 * 3600 * 1000, `workflow time advanced ${slept} ms`);
  } finally {
    await env.teardown();
  }
});

test('a round trip through PostgreSQL', async (t) => {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    await client.query('create temporary table smoke (id serial primary key, note text not null)');
    await client.query('insert into smoke (note) values ($1)', ['同城移机不改号']);
    const { rows } = await client.query<{ note: string }>('select note from smoke');
    t.deepEqual(rows, [{ note: '同城移机不改号' }]);
    const { rows: version } = await client.query<{ server_version_num: string }>('show server_version_num');
    t.true(Number(version[0]!.server_version_num) >= 130000);
  } finally {
    await client.end();
  }
});

test('with TEMPORAL_ADDRESS and DATABASE_URL set, nothing is started', async (t) => {
  const env = { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), DATABASE_URL: databaseUrl() };
  const temporal = await startTemporal({ log: silentLogger }, env);
  const postgres = await startPostgres({ log: silentLogger }, env);
  t.deepEqual(temporal.started, []);
  t.deepEqual(postgres.started, []);
  t.is(temporal.address, temporalAddress());
  t.is(postgres.url, databaseUrl());
  await temporal.stop();
  await postgres.stop();
});

test('PostgreSQL: DATABASE_URL wins, then testcontainers when Docker answers, then a local server', (t) => {
  t.deepEqual(choosePostgres({ DATABASE_URL: 'postgres://x/y' }, true), { kind: 'url', url: 'postgres://x/y' });
  t.deepEqual(choosePostgres({ DATABASE_URL: 'postgres://x/y' }, false), { kind: 'url', url: 'postgres://x/y' });
  t.deepEqual(choosePostgres({}, true), { kind: 'testcontainers' });
  t.deepEqual(choosePostgres({ SVCFLOW_NO_TESTCONTAINERS: '1' }, true), { kind: 'local' });
  t.deepEqual(choosePostgres({}, false), { kind: 'local' });
});

test('Temporal: TEMPORAL_ADDRESS wins, then a binary, then go install, then the SDK download', (t) => {
  const none = () => false;
  t.deepEqual(chooseTemporal({ TEMPORAL_ADDRESS: 'h:1', TEMPORAL_CLI: '/t' }, () => true), { kind: 'address', address: 'h:1' });
  t.deepEqual(chooseTemporal({ TEMPORAL_CLI: '/opt/temporal', PATH: '' }, (p) => p === '/opt/temporal'), {
    kind: 'binary',
    path: '/opt/temporal',
  });
  t.deepEqual(chooseTemporal({ PATH: '', GOBIN: '/gb' }, (p) => p === '/gb/temporal'), { kind: 'binary', path: '/gb/temporal' });
  t.deepEqual(chooseTemporal({ PATH: '', GOBIN: '/gb' }, (p) => p === '/usr/local/go/bin/go'), {
    kind: 'go-install',
    go: '/usr/local/go/bin/go',
  });
  t.deepEqual(chooseTemporal({ PATH: '', GOBIN: '/gb' }, none), { kind: 'sdk-download' });
});
