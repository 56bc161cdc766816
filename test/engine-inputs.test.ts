/**
 * What the engine refuses at its edges, against the real dev server and PostgreSQL of `npm test`:
 * a payload the workflow would drop is refused before it is sent (the caller is never told
 * "sent" for an event the instance then drops); every id, limit and key a caller gives is
 * checked and refused with a typed error, never a TypeError or a server's error; a request id
 * makes a repeated signal or message one event in the history.
 */
import anyTest, { type TestFn } from 'ava';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { InvalidInputError, InvalidQueryError, SvcflowError } from '../src/engine/errors.js';
import { dataConverterOption, workflowCode } from '../src/engine/worker.js';
import { databaseUrl, eventually, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { compileOrThrow, recordingActivities } from './helpers/runtime.js';
import { fixtureCatalog } from './helpers/catalog.js';
import { hashIR } from '../src/dsl/lower.js';
import type { TypeRef } from '../src/ir/schema.js';

const test = anyTest as TestFn<{ engine: Engine; worker: Worker; running: Promise<void>; connection: NativeConnection; taskQueue: string }>;
const run = Date.now().toString(36);

const Reply = `Reply${run}`;
const Report = `Report${run}`;
const Keyed = `Keyed${run}`;
const sources = [
  {
    file: 'reply.flow',
    text: `process ${Reply} version 1
  input { ref: string, msisdn: phone }
  wait reply = message smsReply(from: input.msisdn) within 24h on timeout { end "no-reply" }
  end "replied"
`,
  },
  {
    file: 'report.flow',
    text: `process ${Report} version 1
  input { ref: string }
  wait got = signal report within 24h on timeout { end "late" }
  wait again = signal report within 24h on timeout { end "late" }
  wait noted = update note(text: string) within 24h on timeout { end "kept" }
  end "noted"
`,
  },
  {
    file: 'keyed.flow',
    text: `process ${Keyed} version 1
  input { ref: string, other: string }
  wait reply = message ticketReply(ticket: input.ref) within 24h on timeout { end "no-reply" }
  end "replied"

system tickets
  channel ticketReply
    payload { ticket: string, from: string, text: string, receivedAt: time, channel: string }
    correlate ticket
`,
  },
];

test.before(async (t) => {
  const taskQueue = uniqueQueue('inputs');
  t.context.taskQueue = taskQueue;
  const temporal = { address: temporalAddress(), namespace: temporalNamespace() };
  t.context.engine = await createEngine({ temporal, databaseUrl: databaseUrl(), taskQueue, catalog: fixtureCatalog });
  t.context.connection = await NativeConnection.connect({ address: temporal.address });
  const { activities } = recordingActivities({});
  t.context.worker = await Worker.create({ connection: t.context.connection, namespace: temporal.namespace, taskQueue, ...workflowCode, ...dataConverterOption({ databaseUrl: databaseUrl() }), activities });
  t.context.running = t.context.worker.run();
  await t.context.engine.deploy(sources);
});

test.after.always(async (t) => {
  t.context.worker?.shutdown();
  await t.context.running;
  await t.context.connection?.close();
  await t.context.engine?.close();
});

async function signalsIn(engine: Engine, id: string, name: string): Promise<number> {
  const history = await engine.client.workflow.getHandle(id).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name).length;
}

const waiting = (engine: Engine, id: string) => eventually(async () => ((await engine.query(id)).waiting ? true : undefined), `${id} waiting`);
/**
 * Waiting for a message, and listed so by visibility (which lags the wait, and is where deliver
 * finds its instance): before it is, a delivery goes nowhere.
 */
const listedWaiting = async (engine: Engine, id: string) => {
  await waiting(engine, id);
  await eventually(async () => ((await engine.client.workflow.count(`WorkflowId = '${id}' AND WaitingFor IS NOT NULL`)).count ? true : undefined), `${id} listed as waiting`);
};

test.serial('a signal, update or message payload the workflow would drop is refused at once, and nothing is sent', async (t) => {
  const { engine } = t.context;
  const id = `report-${run}`;
  await engine.start(Report, { ref: 'r' }, { id });
  await waiting(engine, id);
  // 300,000 characters: within Temporal's 2 MiB, beyond what the workflow keeps.
  const big = await t.throwsAsync(engine.signal(id, 'report', { note: 'x'.repeat(300_000) }), { instanceOf: InvalidInputError });
  t.regex(big!.message, /'report' payload: .*too large/);
  let deep: unknown = 'leaf';
  for (let i = 0; i < 40; i++) deep = [deep];
  await t.throwsAsync(engine.signal(id, 'report', deep), { instanceOf: InvalidInputError, message: /nested too deep/ });
  await t.throwsAsync(engine.signal(id, 'report', Array.from({ length: 20_000 }, () => 1)), { instanceOf: InvalidInputError, message: /more than 10000 values/ });
  t.is(await signalsIn(engine, id, 'report'), 0, 'nothing was sent');
  t.is((await engine.query(id)).rejected, undefined, 'the instance rejected nothing: it was never sent anything');

  const replyId = `reply-${run}`;
  await engine.start(Reply, { ref: 'r', msisdn: '13911112222' }, { id: replyId });
  await listedWaiting(engine, replyId);
  for (const payload of [{ text: 5 }, { from: '13911112222', text: 'Y', receivedAt: 'yesterday', channel: 'sms' }, null, 'Y']) {
    await t.throwsAsync(engine.deliver('smsReply', { from: '13911112222' }, payload as never), { instanceOf: InvalidInputError }, JSON.stringify(payload));
  }
  t.is(await signalsIn(engine, replyId, 'svcflow.message'), 0, 'no message was sent');
  t.deepEqual(await engine.deliver('smsReply', { from: '13911112222' }, { from: '13911112222', text: 'Y', receivedAt: new Date().toISOString(), channel: 'sms' }), [replyId]);
  t.deepEqual(await engine.result(replyId), { outcome: 'replied', output: null });
  await engine.cancel(id);
});

test.serial('list limits, deliver keys and instance ids are checked with typed errors', async (t) => {
  const { engine } = t.context;
  for (const limit of [Number.NaN, 0, -1, 1e9, 1.5, Infinity, '5' as unknown as number]) {
    await t.throwsAsync(engine.list({ limit }), { instanceOf: InvalidQueryError, message: /limit/ }, String(limit));
  }
  t.true((await engine.list({ limit: 1 })).length <= 1);
  t.true(Array.isArray(await engine.list({ limit: 1000 })));
  const message = { from: '13900000000', text: 'Y', receivedAt: new Date().toISOString(), channel: 'sms' };
  const manyKeys = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
  for (const keys of [null, undefined, 'from', ['13900000000'], manyKeys, { from: 'x'.repeat(300) }, { from: 5 }]) {
    const err = await t.throwsAsync(engine.deliver('smsReply', keys as never, message));
    t.true(err instanceof SvcflowError, `${JSON.stringify(keys)}: ${String(err)}`);
  }
  for (const id of ['', 'x'.repeat(1001), '€'.repeat(400), 'a\nb', 'tab\there', '\u0000', 5 as unknown as string]) {
    const err = await t.throwsAsync(engine.start(Reply, { ref: 'r', msisdn: '13900000000' }, { id }));
    t.true(err instanceof InvalidInputError, `start ${JSON.stringify(id)}: ${String(err)}`);
    for (const [what, call] of [
      ['signal', () => engine.signal(id, 'report')],
      ['update', () => engine.update(id, 'note', { text: 'x' })],
      ['query', () => engine.query(id)],
      ['cancel', () => engine.cancel(id)],
      ['result', () => engine.result(id)],
    ] as const) {
      const e = await t.throwsAsync(call());
      t.true(e instanceof InvalidInputError, `${what} ${JSON.stringify(id)}: ${String(e)}`);
    }
  }
  const none = await t.throwsAsync(engine.result(`nobody-${run}`));
  t.true(none instanceof SvcflowError, `result of an unknown id: ${String(none)}`);
  // 1,000 bytes exactly is an id.
  const longest = `${run}-`.padEnd(1000, 'i');
  await engine.start(Reply, { ref: 'r', msisdn: '13900000001' }, { id: longest });
  await engine.cancel(longest);
});

test.serial('a repeated signal or message with one request id is one event in the history', async (t) => {
  const { engine } = t.context;
  // Typed as the engine now has them (before the request ids, the options were ignored).
  const signal = engine.signal.bind(engine) as (id: string, name: string, payload: unknown, options?: { requestId?: string }) => Promise<void>;
  const deliver = engine.deliver.bind(engine) as (channel: string, keys: Record<string, string>, payload: unknown, options?: { requestId?: string }) => Promise<string[]>;
  const id = `once-${run}`;
  await engine.start(Report, { ref: 'r' }, { id });
  await waiting(engine, id);
  await signal(id, 'report', { n: 1 }, { requestId: `req-${run}` });
  await signal(id, 'report', { n: 1 }, { requestId: `req-${run}` });
  t.is(await signalsIn(engine, id, 'report'), 1);
  await t.throwsAsync(signal(id, 'report', null, { requestId: '' }), { instanceOf: InvalidInputError });
  await engine.cancel(id);

  const replyId = `once-reply-${run}`;
  await engine.start(Reply, { ref: 'r', msisdn: '13911113333' }, { id: replyId });
  await listedWaiting(engine, replyId);
  const message = { from: '13911113333', text: 'Y', receivedAt: new Date().toISOString(), channel: 'sms' };
  t.deepEqual(await deliver('smsReply', { from: '13911113333' }, message, { requestId: `sms-${run}` }), [replyId]);
  // The instance may have finished already; a retry that still finds it adds nothing.
  await deliver('smsReply', { from: '13911113333' }, message, { requestId: `sms-${run}` }).catch(() => []);
  t.is(await signalsIn(engine, replyId, 'svcflow.message'), 1);
  t.deepEqual(await engine.result(replyId), { outcome: 'replied', output: null });
});

test.serial('a start carries its definition by reference: a payload limit smaller than the definition is no obstacle; the input still counts', async (t) => {
  const temporal = { address: temporalAddress(), namespace: temporalNamespace() };
  // 300 bytes: more than the input and the reference (about 250), less than the definition.
  const small = await createEngine({ temporal, databaseUrl: databaseUrl(), taskQueue: t.context.taskQueue, limits: { payloadBytes: 300 }, catalog: fixtureCatalog });
  try {
    await small.start(Reply, { ref: 'r', msisdn: '13900000002' }, { id: `small-${run}` });
    await small.cancel(`small-${run}`);
    const err = await t.throwsAsync(small.start(Reply, { ref: 'r'.repeat(200), msisdn: '13900000002' }, { id: `small2-${run}` }), { instanceOf: InvalidInputError });
    t.regex(err!.message, /\bref\b is/);
  } finally {
    await small.close();
  }
});

test.serial('a message wait keyed by an input field refuses, at start, a value no message could ever be delivered to', async (t) => {
  const { engine } = t.context;
  for (const [i, ref] of ['dq"x', 'back\\slash', 'a&b=c', 'x'.repeat(300), 'tab\tin'].entries()) {
    const id = `keyed-${run}-${i}`;
    const err = await t.throwsAsync(engine.start(Keyed, { ref, other: 'o' }, { id }), { instanceOf: InvalidInputError }, JSON.stringify(ref));
    t.regex(err?.message ?? '', /ref/);
    await t.throwsAsync(engine.client.workflow.getHandle(id).describe(), undefined, `${id} was not started`);
  }
  // A field that is no key may hold them; a searchable key is delivered to.
  const id = `keyed-${run}-ok`;
  await engine.start(Keyed, { ref: 'T-1', other: 'dq"x\\' }, { id });
  await listedWaiting(engine, id);
  const message = { ticket: 'T-1', from: '13900000003', text: 'Y', receivedAt: new Date().toISOString(), channel: 'ticket' };
  t.deepEqual(await engine.deliver('ticketReply', { ticket: 'T-1' }, message), [id]);
  t.deepEqual(await engine.result(id), { outcome: 'replied', output: null });
});

test.serial('deliver checks a message against the payload its channel declares: a wrong one is refused and nothing is sent, a right one is taken', async (t) => {
  const { engine } = t.context;
  const Mailed = `Mailed${run}`;
  const compiled = compileOrThrow(`process ${Mailed} version 1
  input { address: string }
  wait mail = message email(from: input.address) within 24h on timeout { end "no-reply" }
  end "replied"
`).get(Mailed)!;
  // As lowering will set it from the catalog's channel (the registry holds what deploy stored).
  const email: TypeRef = { t: 'record', fields: ['from', 'subject', 'text'].map((name) => ({ name, type: { t: 'string' }, optional: false, pii: false })) };
  const ir = structuredClone(compiled);
  (ir.steps[0] as { trigger: { payload?: TypeRef } }).trigger.payload = email;
  ir.hash = hashIR(ir);
  await engine.registry.deploy([{ ir, source: '' }]);
  const address = `ann-${run}@example.com`;
  const id = `mailed-${run}`;
  await engine.start(Mailed, { address }, { id });
  await waiting(engine, id);
  const sms = { from: '13900000004', text: 'Y', receivedAt: new Date().toISOString(), channel: 'sms' };
  // The engine's catalog declares the channel: its payload is checked whoever waits, and
  // before visibility lists anyone (a wrong message to a key nobody waits for is still wrong).
  await t.throwsAsync(engine.deliver('email', { from: `nobody-${run}@example.com` }, sms), { instanceOf: InvalidInputError }, 'nobody waits');
  for (const payload of [sms, { from: address, subject: 5, text: 'x' }, null]) {
    await t.throwsAsync(engine.deliver('email', { from: address }, payload as never), { instanceOf: InvalidInputError }, JSON.stringify(payload));
  }
  t.is(await signalsIn(engine, id, 'svcflow.message'), 0, 'no message was sent');
  // Visibility lags the wait: the right message is taken once the instance is listed.
  const took = await eventually(async () => {
    const ids = await engine.deliver('email', { from: address }, { from: address, subject: 'Re: repair', text: 'yes' });
    return ids.length ? ids : undefined;
  }, `${id} listed as waiting`);
  t.deepEqual(took, [id]);
  t.deepEqual(await engine.result(id), { outcome: 'replied', output: null });
  // Nobody waits any more: only the bounds every payload has are checked, and nobody takes it.
  t.deepEqual(await engine.deliver('email', { from: address }, { from: address, subject: 'again', text: 'yes' }), []);
  await t.throwsAsync(engine.deliver('email', { from: address }, { text: 'x'.repeat(300_000) }), { instanceOf: InvalidInputError, message: /too large/ });
});
