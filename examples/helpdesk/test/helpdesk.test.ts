/**
 * The helpdesk example, end to end on the Temporal dev server and the PostgreSQL that `npm test`
 * starts: its catalog and process compiled from its own files, its `tickets` implementation
 * served by createRuntime, instances started through the engine. And the committed systems.ts
 * is what `svcflow types` renders from systems/tickets.flow, so the two cannot drift.
 */
import anyTest, { type TestFn } from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime as TemporalRuntime } from '@temporalio/worker';
import { compileCatalog, loadProject, renderTypes, type Runtime } from 'svcflow';
import { startHelpdesk } from '../src/helpdesk.js';
import { createTickets, type Ticket } from '../src/tickets.js';

// Tests run from dist/examples/helpdesk/test; the .flow files stay in examples/helpdesk.
const root = fileURLToPath(new URL('../../../../examples/helpdesk/', import.meta.url));

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this test with \`npm test\`, which starts the servers`);
  return value;
}

// The worker logs every state change at INFO; the test wants only what went wrong.
TemporalRuntime.install({ logger: new DefaultLogger('WARN') });

const test = anyTest as TestFn<{ runtime: Runtime; store: Map<string, Ticket> }>;
const run = `${process.pid}-${Date.now().toString(36)}`;

test.before(async (t) => {
  const { tickets, store } = createTickets(new Set(['blocked@example.com']));
  t.context.store = store;
  t.context.runtime = await startHelpdesk({
    root,
    temporal: { address: env('TEMPORAL_ADDRESS'), namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' },
    databaseUrl: env('DATABASE_URL'),
    taskQueue: `helpdesk-${run}`,
    tickets,
  });
});

test.after.always(async (t) => {
  await t.context.runtime?.stop();
});

/** Resolves once the instance waits (for the agent's answer). */
async function waiting(runtime: Runtime, id: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if ((await runtime.engine.query(id)).waiting) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${id} never waited`);
}

test('the committed systems.ts is what `svcflow types` renders from the declarations', async (t) => {
  const { catalog, diagnostics } = compileCatalog((await loadProject(root)).systems);
  t.deepEqual(diagnostics, []);
  t.deepEqual(catalog.systems.map((s) => s.name), ['tickets']);
  t.is(readFileSync(`${root}/src/systems.ts`, 'utf8'), renderTypes(catalog), 'run `svcflow types --out src/systems.ts` in examples/helpdesk');
});

test('a request answered in time: the ticket is opened once, the agent resolves it, it is closed', async (t) => {
  const { runtime, store } = t.context;
  const id = `support-answered-${run}`;
  await runtime.engine.start('SupportRequest', { requestId: id, customerEmail: 'ann@example.com', subject: 'Refund for my invoice', answerWithin: 60_000 }, { id });
  await waiting(runtime, id);
  await runtime.engine.update(id, 'resolveTicket', { agent: 'bo', resolution: 'refunded' });
  const result = await runtime.engine.result(id);
  const opened = [...store.values()].filter((x) => x.customerEmail === 'ann@example.com');
  t.is(opened.length, 1, 'one ticket');
  const ticket = opened[0];
  t.deepEqual(result, { outcome: 'resolved', output: { ticketId: ticket!.ticketId, resolution: 'refunded' } });
  t.like(ticket, { status: 'closed', resolution: 'refunded', subject: 'Refund for my invoice' });
});

test('a request nobody answers within its time is escalated to a supervisor', async (t) => {
  const { runtime, store } = t.context;
  const id = `support-unanswered-${run}`;
  await runtime.engine.start('SupportRequest', { requestId: id, customerEmail: 'cy@example.com', subject: 'Where is my order?', answerWithin: 1_500 }, { id });
  const result = await runtime.engine.result(id);
  const [ticket] = [...store.values()].filter((x) => x.customerEmail === 'cy@example.com');
  t.deepEqual(result, { outcome: 'escalated', output: { ticketId: ticket!.ticketId, supervisor: 'duty-supervisor' } });
  t.is(ticket!.status, 'escalated');
});

test("a declared business error from the implementation fails the instance with its code, not retried", async (t) => {
  const { runtime } = t.context;
  const id = `support-blocked-${run}`;
  await runtime.engine.start('SupportRequest', { requestId: id, customerEmail: 'blocked@example.com', subject: 'Hello', answerWithin: 60_000 }, { id });
  const err = await t.throwsAsync(runtime.engine.result(id));
  const causes: Array<{ type?: string; message?: string }> = [];
  for (let c = err as { cause?: unknown } | undefined; c && causes.length < 6; c = c.cause as { cause?: unknown } | undefined) causes.push(c as never);
  t.true(causes.some((c) => c.type === 'tickets/blocked-customer'), JSON.stringify(causes.map((c) => [c.type, c.message])));
  const history = await runtime.engine.client.workflow.getHandle(id).fetchHistory();
  t.is(history.events?.filter((e) => e.activityTaskStartedEventAttributes).length, 1, 'one attempt');
});
