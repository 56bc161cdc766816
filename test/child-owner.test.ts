/**
 * A child's owner is computed at run time, so no engine checked its size: on the real dev server
 * (which enforces Temporal's search attribute limits, as the time-skipping one does not), one
 * over the limit is left out of the child's attributes and the parent goes on, instead of its
 * workflow task failing on every retry.
 */
import test from 'ava';
import { createWorker } from '../src/engine/worker.js';
import { devClient, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { argsFor, compileOrThrow, recordingActivities } from './helpers/runtime.js';
import { equals } from '../src/engine/visibility.js';
import { Owner } from '../src/workflows/search-attributes.js';

const family = compileOrThrow(`process Kid version 1
  input { who: string }
  owner input.who
  end "ok"

process Parent version 1
  input { ref: string, msisdn: phone }
  sent: call notification.sendSms(to: input.msisdn, template: "sp.confirm.done", vars: { product: "x" }) as sent
  kid: call process Kid(who: sent.messageId)
  end "done"
`);

test("a child whose owner is over a search attribute's limit starts without Owner, and the parent goes on", async (t) => {
  const taskQueue = uniqueQueue('kid-owner');
  const { client, connection } = await devClient();
  const { activities } = recordingActivities({ 'notification.sendSms': () => ({ messageId: 'o'.repeat(3000), status: 'sent' }) });
  const created = await createWorker({ temporal: { address: temporalAddress(), namespace: temporalNamespace() }, taskQueue, activities, log: () => {} });
  const running = created.run();
  try {
    const handle = await client.workflow.start('Parent', { taskQueue, workflowId: `parent-${taskQueue}`, args: [argsFor(family, 'Parent', { ref: 'R-1', msisdn: '13800138000' })], workflowExecutionTimeout: '60s' });
    t.deepEqual(await handle.result(), { outcome: 'done', output: null });
    const kid = [];
    for await (const wf of client.workflow.list({ query: equals('ParentWorkflowId', handle.workflowId, 'workflow id') })) kid.push(wf);
    t.is(kid.length, 1);
    t.is(kid[0]!.typedSearchAttributes.get(Owner), undefined, 'no Owner: it would not fit');
  } finally {
    created.shutdown();
    await running;
    await created.connection.close();
    await connection.close();
  }
});
