/**
 * The engine's edges, against the real dev server and PostgreSQL of `npm test`: no value a caller
 * gives becomes part of a visibility query's syntax; a business id names one instance, ever;
 * sizes are checked against Temporal's limits before anything is sent; money is money.
 */
import anyTest, { type TestFn } from 'ava';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { InstanceExistsError, InvalidInputError, InvalidQueryError, UnknownProcessError } from '../src/engine/errors.js';
import { ProcessVersion, WaitingFor } from '../src/workflows/search-attributes.js';
import { waitKey } from '../src/workflows/run-process.js';
import { dataConverterOption, workflowCode } from '../src/engine/worker.js';
import { databaseUrl, eventually, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { recordingActivities } from './helpers/runtime.js';
import { fixtureCatalog } from './helpers/catalog.js';

const test = anyTest as TestFn<{ engine: Engine; worker: Worker; running: Promise<void>; connection: NativeConnection }>;
const run = Date.now().toString(36);

const keyed = (name: string) => ({
  file: `${name}.flow`,
  text: `process ${name} version 1
  input { ref: string, msisdn: phone @pii, note?: string, taker?: string }
  index ref
  owner input.taker
  wait reply = message smsReply(from: input.msisdn) within 24h on timeout { end "no-reply" }
  end "replied"
`,
});
const Edge = `Edge${run}`;
const Note = {
  file: 'note.flow',
  text: `process Note${run} version 1
  input { ref: string }
  wait change = update note(text: string) within 24h on timeout { end "kept" }
  end "noted"
`,
};
const Secret = `Secret${run}`;

test.before(async (t) => {
  const taskQueue = uniqueQueue('edges');
  const temporal = { address: temporalAddress(), namespace: temporalNamespace() };
  t.context.engine = await createEngine({ temporal, databaseUrl: databaseUrl(), taskQueue, catalog: fixtureCatalog });
  t.context.connection = await NativeConnection.connect({ address: temporal.address });
  const { activities } = recordingActivities({});
  t.context.worker = await Worker.create({ connection: t.context.connection, namespace: temporal.namespace, taskQueue, ...workflowCode, ...dataConverterOption({ databaseUrl: databaseUrl() }), activities });
  t.context.running = t.context.worker.run();
  await t.context.engine.deploy([keyed(Edge), keyed(Secret), Note]);
});

test.after.always(async (t) => {
  t.context.worker?.shutdown();
  await t.context.running;
  await t.context.connection?.close();
  await t.context.engine?.close();
});

// Each key is stored as it is and must find exactly its own instance, and nothing else.
const HOSTILE = [
  `x' OR ProcessName = '${Secret}`,
  `quote'd`,
  `abc`,
  `ABC`,
  `ab`,
  `a*`,
  `%`,
  `_`,
  `x OR y`,
  `(x) AND NOT y --`,
  `工单 #1`,
  `ref=abc`,
];
// Values the dev server's visibility cannot match: refused at start, and in a filter.
const UNSEARCHABLE = [`x\\' OR ProcessName = "${Secret}" -- `, `back\\slash`, `\\`, `dq"x"`, `x'`, 'tab\tin'];

test.serial('hostile business keys find their own instance and only it; none changes the query', async (t) => {
  const { engine } = t.context;
  const ids: string[] = [];
  for (const [i, ref] of HOSTILE.entries()) {
    const id = `edge-${run}-${i}`;
    await engine.start(Edge, { ref, msisdn: `1380000${String(i).padStart(4, '0')}` }, { id });
    ids.push(id);
  }
  await engine.start(Secret, { ref: 'x', msisdn: '13900000000' }, { id: `secret-${run}` });
  for (const [i, ref] of HOSTILE.entries()) {
    const found = await eventually(async () => {
      const l = await engine.list({ key: { ref } });
      return l.length ? l : undefined;
    }, `the instance keyed ${ref}`);
    t.deepEqual(found.map((f) => f.id), [ids[i]], `key ${JSON.stringify(ref)}`);
  }
  t.deepEqual((await engine.list({ process: Secret, key: { ref: 'x' } })).map((f) => f.id), [`secret-${run}`]);
  for (const [i, ref] of UNSEARCHABLE.entries()) {
    const err = await t.throwsAsync(engine.start(Edge, { ref, msisdn: '13800009999' }, { id: `edge-${run}-u${i}` }), { instanceOf: InvalidInputError }, JSON.stringify(ref));
    t.regex(err!.message, /ref is indexed, and .*could never be searched for/);
    await t.throwsAsync(engine.list({ key: { ref } }), { instanceOf: InvalidQueryError }, JSON.stringify(ref));
  }
  await t.throwsAsync(engine.list({ process: `${Edge}' OR ProcessName = '${Secret}` }), { instanceOf: InvalidQueryError });
});

test.serial('a filter that cannot be a name is a typed error, not a server error', async (t) => {
  const { engine } = t.context;
  await t.throwsAsync(engine.list({ key: { "ref' OR 1=1 --": 'x' } }), { instanceOf: InvalidQueryError });
  await t.throwsAsync(engine.list({ status: 'Running\' OR 1=1' as never }), { instanceOf: InvalidQueryError });
  await t.throwsAsync(engine.list({ key: { ref: 'a\u0000b' } }), { instanceOf: InvalidQueryError });
  await t.throwsAsync(engine.deliver('smsReply', { "from' OR 'a'='a": '1' }, {}), { instanceOf: InvalidQueryError });
  await t.throwsAsync(engine.deliver("smsReply' OR 'a'='a", { from: '1' }, {}), { instanceOf: InvalidQueryError });
  await t.throwsAsync(engine.deliver('smsReply', { from: 'a\\b' }, {}), { instanceOf: InvalidQueryError });
  await t.throwsAsync(engine.deliver('smsReply', { from: '1&to=2' }, {}), { instanceOf: InvalidQueryError });
  await t.throwsAsync(engine.deliver('smsReply', { from: 5 as never }, {}), { instanceOf: InvalidQueryError });
});

test.serial('deliver with a crafted key signals nobody; the genuine key reaches its own instance', async (t) => {
  const { engine } = t.context;
  const msisdn = '13700001111';
  const id = `deliver-${run}`;
  await engine.start(Edge, { ref: `d-${run}`, msisdn }, { id });
  const sms = { from: msisdn, text: 'Y', receivedAt: new Date().toISOString(), channel: 'sms' };
  await eventually(async () => ((await engine.list({ key: { ref: `d-${run}` } })).length ? true : undefined), 'visibility');
  for (const crafted of [`x' OR WaitingFor IS NOT NULL -- `, `${msisdn}' OR ExecutionStatus = 'Running`, `${msisdn} OR x`]) {
    t.deepEqual(await engine.deliver('smsReply', { from: crafted }, sms), [], crafted);
  }
  t.deepEqual(await eventually(async () => {
    const got = await engine.deliver('smsReply', { from: msisdn }, sms);
    return got.length ? got : undefined;
  }, 'the wait to be visible'), [id]);
  t.deepEqual(await engine.result(id), { outcome: 'replied', output: null });
});

test.serial('a business id names one instance: starting it again, running or closed, is a typed error', async (t) => {
  const { engine } = t.context;
  const id = `once-${run}`;
  const first = await engine.start(Edge, { ref: `once-${run}`, msisdn: '13700002222' }, { id });
  const running = await t.throwsAsync(engine.start(Edge, { ref: `once-${run}`, msisdn: '13700002222' }, { id }), { instanceOf: InstanceExistsError });
  t.regex(running!.message, new RegExp(`instance ${id} already exists \\(running\\)`));
  await engine.cancel(id);
  await t.throwsAsync(engine.result(id));
  const closed = await t.throwsAsync(engine.start(Edge, { ref: `once-${run}`, msisdn: '13700002222' }, { id }), { instanceOf: InstanceExistsError });
  t.regex(closed!.message, /cancelled/);
  const runs: string[] = [];
  for await (const w of engine.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs.push(w.runId);
  t.deepEqual(runs, [first.runId], 'no second run was started');
});

test.serial('sizes are checked against Temporal limits before anything is sent, naming the field and the limit', async (t) => {
  const { engine } = t.context;
  const big = `big-${run}`;
  const err = await t.throwsAsync(engine.start(Edge, { ref: 'r', msisdn: '13700003333', note: 'x'.repeat(5 * 1024 * 1024) }, { id: big }), { instanceOf: InvalidInputError });
  t.regex(err!.message, /note .*5\.0 MiB.*at most 2\.0 MiB/);
  const indexed = await t.throwsAsync(engine.start(Edge, { ref: 'r'.repeat(3000), msisdn: '13700003333' }, { id: `${big}-ix` }), { instanceOf: InvalidInputError });
  t.regex(indexed!.message, /ref .*indexed.*at most 2048 bytes/);
  const owned = await t.throwsAsync(engine.start(Edge, { ref: 'r', msisdn: '13700003333', taker: 't'.repeat(3000) }, { id: `${big}-owner` }), { instanceOf: InvalidInputError });
  t.regex(owned!.message, /taker .*owner.*at most 2048 bytes/);
  for (const id of [big, `${big}-ix`, `${big}-owner`]) await t.throwsAsync(engine.client.workflow.getHandle(id).describe(), undefined, `${id} was not started`);
  const noted = `note-${run}`;
  await engine.start(`Note${run}`, { ref: 'n' }, { id: noted });
  await eventually(async () => ((await engine.query(noted)).waiting ? true : undefined), 'the wait');
  const update = await t.throwsAsync(engine.update(noted, 'note', { text: 'y'.repeat(3 * 1024 * 1024) }), { instanceOf: InvalidInputError });
  t.regex(update!.message, /'note' payload: text is 3\.0 MiB/);
  t.deepEqual(await engine.update(noted, 'note', { text: 'fine' }), { accepted: true, step: 'change' });
  t.deepEqual(await engine.result(noted), { outcome: 'noted', output: null });
});

test.serial('a listed waiter whose ProcessVersion or type no definition could have does not stop a delivery, nor a signal', async (t) => {
  const { engine } = t.context;
  const msisdn = `138${String(Date.now()).slice(-8)}`;
  // Anyone's client may start any workflow with any search attributes; nobody polls this queue.
  const forged = [
    { type: `Forged${run}`, version: 3_000_000_000 },
    { type: `Forged\u0000${run}`, version: 1 },
  ];
  const ids: string[] = [];
  for (const [i, f] of forged.entries()) {
    const h = await engine.client.workflow.start(f.type, {
      taskQueue: `nobody-${run}`,
      workflowId: `forged-${i}-${run}`,
      args: [],
      typedSearchAttributes: [{ key: ProcessVersion, value: f.version }, { key: WaitingFor, value: [waitKey('smsReply', { from: msisdn })] }],
    });
    ids.push(h.workflowId);
  }
  try {
    await eventually(async () => ((await engine.client.workflow.count(`WorkflowId = '${ids[0]}'`)).count ? true : undefined), 'the forged waiter listed');
    const sms = { from: msisdn, text: 'Y', receivedAt: new Date().toISOString(), channel: 'sms' };
    // Nobody it could deliver to: the forged instances take the legacy record's check, and the signal goes nowhere it matters.
    await t.notThrowsAsync(engine.deliver('smsReply', { from: msisdn }, sms));
    await t.throwsAsync(engine.signal(ids[0]!, 'go'), { instanceOf: UnknownProcessError });
  } finally {
    for (const id of ids) await engine.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  }
});
