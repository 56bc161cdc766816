/**
 * svcflow's generic inbound interfaces (src/engine/http/), on the real dev server and PostgreSQL:
 * a message on a declared channel reaches the instance waiting for its declared correlation key,
 * recorded first and once per Idempotency-Key; signals and updates reach an instance by its id or
 * by a business key, once per Idempotency-Key; and every bad request is a 4xx that records and
 * sends nothing.
 */
import anyTest, { type TestFn } from 'ava';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { dataConverterOption, workflowCode } from '../src/engine/worker.js';
import { createHttpServer } from '../src/engine/http/server.js';
import type { ChannelSpec } from '../src/engine/http/channels.js';
import { databaseUrl, eventually, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { recordingActivities } from './helpers/runtime.js';
import { fixtureCatalog } from './helpers/catalog.js';
import { mergeCatalogs, type Catalog } from '../src/dsl/catalog.js';

interface Ctx {
  engine: Engine;
  pool: pg.Pool;
  http: FastifyInstance;
  worker: Worker;
  running: Promise<void>;
  connection: NativeConnection;
}
const test = anyTest as TestFn<Ctx>;
const run = Date.now().toString(36);
const TOKEN = 'inbound-secret';
const auth = { authorization: `Bearer ${TOKEN}` };

/** A channel of a form on a web site: declared as a module's system would declare it. */
const webReply: ChannelSpec = {
  name: 'webReply',
  description: 'A reply typed into a web form.',
  payload: [
    { name: 'from', type: { t: 'phone' }, optional: false, pii: true },
    { name: 'text', type: { t: 'string' }, optional: false, pii: false },
    { name: 'receivedAt', type: { t: 'time' }, optional: false, pii: false },
    { name: 'channel', type: { t: 'string' }, optional: false, pii: false },
  ],
  correlate: ['from'],
};
/** A channel whose correlation field a message may leave out (its type allows it; correlation does not). */
const optionalKey: ChannelSpec = {
  name: 'optionalKey',
  payload: [
    { name: 'ticket', type: { t: 'string' }, optional: true, pii: false },
    { name: 'text', type: { t: 'string' }, optional: false, pii: false },
  ],
  correlate: ['ticket'],
};

/** The system that declares the two channels: what the engine checks the processes against, and the routes deliver on. */
const web: Catalog = { systems: [{ name: 'web', operations: [], channels: [webReply, optionalKey] }] };

const Reply = `InboundReply${run}`;
const Steer = `InboundSteer${run}`;
const flows = [
  {
    file: 'reply.flow',
    text: `process ${Reply} version 1
  input { ref: string, phone: phone @pii }
  index ref
  wait reply = message webReply(from: input.phone) within 1h on timeout { end "none" }
  if reply.text == "Y" { end "yes" }
  end "no"
`,
  },
  {
    file: 'steer.flow',
    text: `process ${Steer} version 1
  input { ref: string }
  index ref
  wait decision = update decide(answer: "yes" | "no") within 1h on timeout { end "expired" }
  wait note = signal proceed(note: string) within 1h on timeout { end "no-note" }
  if decision.answer == "yes" { end "approved" }
  end "refused"
`,
  },
];

test.before(async (t) => {
  const taskQueue = uniqueQueue('inbound');
  const temporal = { address: temporalAddress(), namespace: temporalNamespace() };
  t.context.engine = await createEngine({ temporal, databaseUrl: databaseUrl(), taskQueue, catalog: mergeCatalogs(fixtureCatalog, web) });
  t.context.pool = new pg.Pool({ connectionString: databaseUrl(), max: 3 });
  t.context.connection = await NativeConnection.connect({ address: temporal.address });
  const { activities } = recordingActivities();
  t.context.worker = await Worker.create({ connection: t.context.connection, namespace: temporal.namespace, taskQueue, ...workflowCode, ...dataConverterOption({ databaseUrl: databaseUrl() }), activities });
  t.context.running = t.context.worker.run();
  await t.context.engine.deploy(flows);
  t.context.http = await createHttpServer({ engine: t.context.engine, catalog: web, token: TOKEN, bodyLimit: 2048, relayEveryMs: 0 });
});

test.after.always(async (t) => {
  await t.context.http?.close();
  t.context.worker?.shutdown();
  await t.context.running;
  await t.context.connection?.close();
  await t.context.engine?.close();
  await t.context.pool?.end();
});

const phone = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
const message = (from: string, text = 'Y') => ({ from, text, receivedAt: new Date().toISOString(), channel: 'web' });

/** Waits until visibility shows the instance at `step` (what a delivery by key searches). */
async function atStep(engine: Engine, process: string, ref: string, step: string): Promise<void> {
  await eventually(async () => ((await engine.list({ process, key: { ref } }))[0]?.currentStep === step ? true : undefined), `${ref} at ${step}`);
}

async function signalsIn(engine: Engine, id: string, name: string): Promise<number> {
  const history = await engine.client.workflow.getHandle(id).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name).length;
}

const rowsFor = async (pool: pg.Pool, channel: string, requestId: string) =>
  (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM svcflow_inbound_messages WHERE channel = $1 AND request_id = $2', [channel, requestId])).rows[0]!.n;
const allRows = async (pool: pg.Pool) => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM svcflow_inbound_messages')).rows[0]!.n;

test('a message on a declared channel reaches the instance waiting for its correlation key, recorded once per Idempotency-Key', async (t) => {
  const { engine, http, pool } = t.context;
  const from = phone();
  const ref = `R-${run}-1`;
  const { id } = await engine.start(Reply, { ref, phone: from }, { id: `inbound-reply-${run}-1` });
  await atStep(engine, Reply, ref, 'reply');
  const key = `web-${run}-1`;
  const post = () => http.inject({ method: 'POST', url: '/channels/webReply/messages', headers: { ...auth, 'idempotency-key': key }, payload: message(from) });
  const first = await post();
  t.is(first.statusCode, 202, first.body);
  t.like(first.json(), { channel: 'webReply', state: 'delivered', matched: true, deliveredTo: id });
  t.deepEqual(await engine.result(id), { outcome: 'yes', output: null });
  // The same request again: the same message, to the same instance, and nothing more in its history.
  const again = await post();
  t.is(again.statusCode, 200);
  t.like(again.json(), { messageId: first.json<{ messageId: string }>().messageId, state: 'delivered', deliveredTo: id, duplicate: true });
  t.is(await rowsFor(pool, 'webReply', key), 1);
  t.is(await signalsIn(engine, id, 'svcflow.message'), 1);
});

test('10 concurrent POSTs of one message with one Idempotency-Key are one row and one message in the history', async (t) => {
  const { engine, http, pool } = t.context;
  const from = phone();
  const ref = `R-${run}-2`;
  const { id } = await engine.start(Reply, { ref, phone: from }, { id: `inbound-reply-${run}-2` });
  await atStep(engine, Reply, ref, 'reply');
  const key = `web-${run}-2`;
  const answers = await Promise.all(Array.from({ length: 10 }, () => http.inject({ method: 'POST', url: '/channels/webReply/messages', headers: { ...auth, 'idempotency-key': key }, payload: message(from, 'N') })));
  t.deepEqual([...new Set(answers.map((a) => a.statusCode))].sort(), answers.some((a) => a.statusCode === 200) ? [200, 202] : [202]);
  t.is(answers.filter((a) => a.statusCode === 202).length, 1);
  t.deepEqual(await engine.result(id), { outcome: 'no', output: null });
  t.is(await rowsFor(pool, 'webReply', key), 1);
  t.is(await signalsIn(engine, id, 'svcflow.message'), 1);
});

test('a message nobody waits for is recorded as unmatched, not dropped', async (t) => {
  const { http } = t.context;
  const r = await http.inject({ method: 'POST', url: '/channels/webReply/messages', headers: auth, payload: message(phone()) });
  t.is(r.statusCode, 202);
  t.like(r.json(), { state: 'unmatched', matched: false });
});

// Serial: it counts every recorded row, which the other tests of this file add to.
test.serial('bad messages are 4xx and record nothing: unknown channel, missing correlation field, wrong type, too large, not an object, bad key, bad token', async (t) => {
  const { http, pool } = t.context;
  const before = await allRows(pool);
  const post = (url: string, payload: unknown, headers: Record<string, string> = auth) =>
    http.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });
  const cases: Array<[string, Awaited<ReturnType<typeof post>>, number, string]> = [
    ['unknown channel', await post('/channels/email/messages', message(phone())), 404, 'http/unknown-channel'],
    ['a name of Object.prototype is no channel', await post('/channels/constructor/messages', message(phone())), 404, 'http/unknown-channel'],
    ['missing correlation field', await post('/channels/optionalKey/messages', { text: 'hello' }), 400, 'http/missing-correlation'],
    ['missing correlation field (declared)', await post('/channels/webReply/messages', { text: 'Y', receivedAt: new Date().toISOString(), channel: 'web' }), 400, 'http/missing-correlation'],
    ['wrong type', await post('/channels/webReply/messages', { ...message(phone()), receivedAt: 'yesterday' }), 422, 'engine/invalid-input'],
    ['wrong type of the key', await post('/channels/webReply/messages', { ...message(phone()), from: 'call me' }), 422, 'engine/invalid-input'],
    ['a NUL in a text', await post('/channels/webReply/messages', { ...message(phone()), text: 'Y\u0000' }), 422, 'engine/invalid-input'],
    ['too large', await post('/channels/webReply/messages', { ...message(phone()), text: 'x'.repeat(4096) }), 413, 'http/FST_ERR_CTP_BODY_TOO_LARGE'],
    ['not an object', await post('/channels/webReply/messages', ['Y']), 400, 'http/invalid-body'],
    ['a key with a control character', await post('/channels/webReply/messages', message(phone()), { ...auth, 'idempotency-key': 'a\u0001b' }), 400, 'http/invalid-idempotency-key'],
    ['no token', await post('/channels/webReply/messages', message(phone()), {}), 401, 'http/unauthorized'],
    ['wrong token', await post('/channels/webReply/messages', message(phone()), { authorization: 'Bearer nope' }), 401, 'http/unauthorized'],
  ];
  for (const [what, r, status, error] of cases) {
    t.is(r.statusCode, status, `${what}: ${r.body}`);
    t.is(r.json<{ error: string }>().error, error, what);
  }
  t.is(await allRows(pool), before, 'nothing recorded');
});

test('signals and updates reach an instance by its id, once per Idempotency-Key', async (t) => {
  const { engine, http } = t.context;
  const ref = `S-${run}-1`;
  const { id } = await engine.start(Steer, { ref }, { id: `inbound-steer-${run}-1` });
  const update = () => http.inject({ method: 'POST', url: `/instances/${id}/updates/decide`, headers: { ...auth, 'idempotency-key': 'u-1' }, payload: { answer: 'yes' } });
  const decided = await update();
  t.is(decided.statusCode, 200, decided.body);
  t.like(decided.json(), { instance: id, update: 'decide' });
  const repeated = await update();
  t.is(repeated.statusCode, 200, repeated.body);
  const signal = () => http.inject({ method: 'POST', url: `/instances/${id}/signals/proceed`, headers: { ...auth, 'idempotency-key': 's-1' }, payload: { note: 'ok' } });
  await atStep(engine, Steer, ref, 'note');
  t.is((await signal()).statusCode, 202);
  t.deepEqual(await engine.result(id), { outcome: 'approved', output: null });
  t.is(await signalsIn(engine, id, 'proceed'), 1);
  const updates = (await engine.client.workflow.getHandle(id).fetchHistory()).events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes) ?? [];
  t.is(updates.length, 1, 'the repeated update is the same update');
});

test('signals and updates reach the one running instance with a business key', async (t) => {
  const { engine, http } = t.context;
  const ref = `S-${run}-2`;
  const { id } = await engine.start(Steer, { ref }, { id: `inbound-steer-${run}-2` });
  await atStep(engine, Steer, ref, 'decision');
  const decided = await http.inject({ method: 'POST', url: `/processes/${Steer}/instances/by/ref/${ref}/updates/decide`, headers: auth, payload: { answer: 'no' } });
  t.is(decided.statusCode, 200, decided.body);
  t.like(decided.json(), { instance: id });
  await atStep(engine, Steer, ref, 'note');
  const noted = await http.inject({ method: 'POST', url: `/processes/${Steer}/instances/by/ref/${encodeURIComponent(ref)}/signals/proceed`, headers: auth, payload: { note: 'fine' } });
  t.is(noted.statusCode, 202, noted.body);
  t.deepEqual(await engine.result(id), { outcome: 'refused', output: null });
});

test('bad signals and updates are 4xx: unknown instance, unknown signal, wrong type, no instance with the key, bad token', async (t) => {
  const { engine, http } = t.context;
  const ref = `S-${run}-3`;
  const { id } = await engine.start(Steer, { ref }, { id: `inbound-steer-${run}-3` });
  const post = (url: string, payload: unknown, headers: Record<string, string> = auth) => http.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });
  const cases: Array<[string, Awaited<ReturnType<typeof post>>, number, string]> = [
    ['unknown instance', await post(`/instances/nobody-${run}/signals/proceed`, { note: 'x' }), 404, 'engine/unknown-instance'],
    ['unknown instance (update)', await post(`/instances/nobody-${run}/updates/decide`, { answer: 'yes' }), 404, 'engine/unknown-instance'],
    ['unknown signal', await post(`/instances/${id}/signals/toString`, { note: 'x' }), 409, 'engine/unknown-signal'],
    ['wrong type', await post(`/instances/${id}/updates/decide`, { answer: 'maybe' }), 422, 'engine/invalid-input'],
    ['wrong type (signal)', await post(`/instances/${id}/signals/proceed`, { note: 7 }), 422, 'engine/invalid-input'],
    ['no instance with that key', await post(`/processes/${Steer}/instances/by/ref/none-${run}/signals/proceed`, { note: 'x' }), 404, 'http/no-instance'],
    ['a key that is not a name', await post(`/processes/${Steer}/instances/by/r%20ef/x/signals/proceed`, { note: 'x' }), 400, 'engine/invalid-query'],
    ['too large', await post(`/instances/${id}/signals/proceed`, { note: 'x'.repeat(4096) }), 413, 'http/FST_ERR_CTP_BODY_TOO_LARGE'],
    ['bad token', await post(`/instances/${id}/signals/proceed`, { note: 'x' }, { authorization: 'Bearer x' }), 401, 'http/unauthorized'],
  ];
  for (const [what, r, status, error] of cases) {
    t.is(r.statusCode, status, `${what}: ${r.body}`);
    t.is(r.json<{ error: string }>().error, error, what);
  }
  t.is(await signalsIn(engine, id, 'proceed'), 0, 'nothing was sent');
  await engine.cancel(id);
});
