/**
 * svcflow registers its search attributes on any Temporal it connects to, not only on the dev
 * server its own scripts start: a worker on a bare server (no attributes registered) makes the
 * server ready, and the engine's first start then succeeds. Real dev server, started bare here.
 */
import test from 'ava';
import { Connection } from '@temporalio/client';
import { createEngine } from '../src/engine/engine.js';
import { createWorker } from '../src/engine/worker.js';
import { chooseTemporal } from '../src/infra/temporal.js';
import { freePort, startProcess, waitForPort } from '../src/infra/processes.js';
import { Owner, SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes.js';
import { inspect, render } from '../src/cli/show.js';
import { databaseUrl, eventually, uniqueQueue } from './helpers/servers.js';
import { recordingActivities } from './helpers/runtime.js';
import { fixtureCatalog } from './helpers/catalog.js';

test('a worker on a bare Temporal server registers the search attributes; the first start succeeds', async (t) => {
  const source = chooseTemporal({ ...process.env, TEMPORAL_ADDRESS: '' });
  if (source.kind !== 'binary') throw new Error('npm test installs the temporal CLI; it is not on this machine');
  const port = await freePort();
  // No --search-attribute flags: a server as an operator's cluster would be, before svcflow.
  const server = startProcess('bare temporal dev server', source.path, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error']);
  try {
    await waitForPort(port, server, 60_000);
    const temporal = { address: `127.0.0.1:${port}`, namespace: 'default' };
    const before = await Connection.connect({ address: temporal.address });
    const had = Object.keys((await before.operatorService.listSearchAttributes({ namespace: 'default' })).customAttributes ?? {});
    await before.close();
    t.false(had.includes('ProcessName'), 'the server starts without them');

    const taskQueue = uniqueQueue('bare');
    const { activities } = recordingActivities();
    const { worker, connection } = await createWorker({ temporal, taskQueue, activities, databaseUrl: databaseUrl() });
    const running = worker.run();
    const engine = await createEngine({ temporal, databaseUrl: databaseUrl(), taskQueue, catalog: fixtureCatalog });
    try {
      const listed = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      t.deepEqual(
        SEARCH_ATTRIBUTES.map((a) => a.name).filter((n) => !Object.hasOwn(listed.customAttributes ?? {}, n)),
        [],
        'every svcflow attribute is registered',
      );
      const name = `Bare${Date.now().toString(36)}`;
      await engine.deploy([{ file: 'bare.flow', text: `process ${name} version 1\n  input { ref: string, desk: { taker: string } }\n  index ref\n  owner input.desk.taker\n  end "done"\n` }]);
      await engine.start(name, { ref: 'R-1', desk: { taker: 'agent-7' } }, { id: `bare-${name}` });
      t.deepEqual(await engine.result(`bare-${name}`), { outcome: 'done', output: null });
      // The declared owner is a search attribute from the start: listed, and shown by `svcflow show`.
      const described = await engine.client.workflow.getHandle(`bare-${name}`).describe();
      t.is(described.typedSearchAttributes.get(Owner), 'agent-7');
      t.regex(render(await inspect(engine, `bare-${name}`)), /^ {2}owner +agent-7$/m);
      const row = await eventually(async () => (await engine.list({ process: name })).find((r) => r.owner !== undefined), 'the instance listed with its owner');
      t.is(row.owner, 'agent-7');
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
      await engine.close();
    }
  } finally {
    await server.stop();
  }
});
