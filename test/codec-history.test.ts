/**
 * Encryption end to end, on the real dev server: with a key ring, nothing of an instance's
 * payloads — its input, an activity's input and result, a failure's message — is readable in
 * the raw history, while the engine, holding the keys, reads all of it. A worker without the key
 * fails the workflow task, which Temporal retries: the instance goes on once a worker with the
 * key polls, nothing corrupted.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chooseTemporal } from '../src/infra/temporal.js';
import { createCodecServer } from '../src/engine/codec-server.js';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { createEngine } from '../src/engine/engine.js';
import { createWorker } from '../src/engine/worker.js';
import { newKeyRingText, parseKeyRing } from '../src/engine/codec.js';
import { databaseUrl, eventually, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { recordingActivities } from './helpers/runtime.js';
import { fixtureCatalog } from './helpers/catalog.js';

const run = Date.now().toString(36);
const phone = '02199999999';
const Sealed = `Sealed${run}`;
const flow = {
  file: 'sealed.flow',
  text: `process ${Sealed} version 1
  input { ref: string, msisdn: phone @pii, street: string @pii }
  index ref
  call notification.sendSms(to: input.msisdn, template: "sp.confirm.done", vars: { product: input.street }) as sent
  call dispatch.reserveNumber(number: input.msisdn)
  end "done"
`,
};
const temporal = () => ({ address: temporalAddress(), namespace: temporalNamespace() });
const bytesOf = (h: proto.temporal.api.history.v1.IHistory) => Buffer.from(proto.temporal.api.history.v1.History.encode(h).finish());

test.serial('no @pii value, nor a failure message, is readable in the raw history; the keys read them', async (t) => {
  const ring = parseKeyRing(newKeyRingText('k1'));
  const taskQueue = uniqueQueue('codec');
  const engine = await createEngine({ temporal: temporal(), databaseUrl: databaseUrl(), taskQueue, codec: ring, catalog: fixtureCatalog });
  const { activities, calls } = recordingActivities({
    'notification.sendSms': (input) => ({ messageId: 'M-1', to: input.to }),
    'dispatch.reserveNumber': (input) => {
      throw ApplicationFailure.nonRetryable(`${String(input.number)} is not in the allocation pool`, 'dispatch/number-unavailable');
    },
  });
  const { worker, connection } = await createWorker({ temporal: temporal(), taskQueue, activities, codec: ring, databaseUrl: databaseUrl() });
  const running = worker.run();
  try {
    await engine.deploy([flow]);
    const id = `sealed-${run}`;
    await engine.start(Sealed, { ref: 'R-1', msisdn: phone, street: '南京路 1 号' }, { id });
    const err = await t.throwsAsync(engine.result(id));
    // The engine holds the keys: it reads the failure, number and all.
    t.regex(JSON.stringify({ message: err!.message, cause: (err as Error & { cause?: { cause?: Error } }).cause?.cause?.message }), /02199999999 is not in the allocation pool/);
    t.deepEqual(calls.map((c) => c.activity), ['notification.sendSms', 'dispatch.reserveNumber']);

    const history = await engine.client.workflow.getHandle(id).fetchHistory();
    const raw = bytesOf(history);
    for (const secret of [phone, '南京路', 'allocation pool']) t.false(raw.includes(Buffer.from(secret)), `${secret} is in the raw history`);
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    t.is(Buffer.from(started?.input?.payloads?.[0]?.metadata?.encoding ?? []).toString(), 'binary/encrypted');
    const failed = history.events?.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes?.failure;
    t.is(failed?.message, 'Encoded failure', 'the message travels in the encrypted attributes');
    t.true(raw.includes(Buffer.from('ref=R-1')), 'search attributes stay searchable');

    // The temporal CLI reads it through the codec server, with the token; without it, it cannot.
    const source = chooseTemporal({ ...process.env, TEMPORAL_ADDRESS: '' });
    if (source.kind !== 'binary') throw new Error('npm test installs the temporal CLI; it is not on this machine');
    const codecServer = await createCodecServer({ keys: ring, token: 'tok', uiOrigin: 'http://localhost:8233' });
    const url = await codecServer.listen({ host: '127.0.0.1', port: 0 });
    try {
      const show = (...extra: string[]) =>
        promisify(execFile)(source.path, ['workflow', 'show', '--workflow-id', id, '--address', temporalAddress(), '--namespace', temporalNamespace(), '--output', 'json', '--codec-endpoint', url, ...extra]).then(
          (r) => r.stdout,
          (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
        );
      // JSON output keeps payloads as base64 of what the codec gave back.
      const readable = (out: string) => [...out.matchAll(/"data": "([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join('\n');
      t.true(readable(await show('--codec-auth', 'Bearer tok')).includes(phone), 'decrypted for the token holder');
      t.false(readable(await show('--codec-auth', 'Bearer nope')).includes(phone), 'not for anyone else');
    } finally {
      await codecServer.close();
    }
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await engine.close();
  }
});

test.serial('a worker without the key fails the workflow task and Temporal retries it; a worker with the key goes on', async (t) => {
  const ring = parseKeyRing(newKeyRingText('k1'));
  const taskQueue = uniqueQueue('codec-wrong');
  const engine = await createEngine({ temporal: temporal(), databaseUrl: databaseUrl(), taskQueue, codec: ring, catalog: fixtureCatalog });
  await engine.deploy([flow]);
  const id = `sealed-wrong-${run}`;
  const { activities } = recordingActivities({ 'notification.sendSms': () => ({ messageId: 'M-2' }), 'dispatch.reserveNumber': () => ({}) });
  const wrong = await createWorker({ temporal: temporal(), taskQueue, activities, codec: parseKeyRing(newKeyRingText('other')), databaseUrl: databaseUrl() });
  const wrongRun = wrong.worker.run();
  await engine.start(Sealed, { ref: 'R-2', msisdn: phone, street: 'x' }, { id });
  const failed = await eventually(async () => {
    const h = await engine.client.workflow.getHandle(id).fetchHistory();
    return h.events?.find((e) => e.workflowTaskFailedEventAttributes) ?? undefined;
  }, 'the workflow task to fail on the unknown key');
  t.truthy(failed);
  wrong.worker.shutdown();
  await wrongRun;
  await wrong.connection.close();

  const right = await createWorker({ temporal: temporal(), taskQueue, activities, codec: ring, databaseUrl: databaseUrl() });
  const rightRun = right.worker.run();
  try {
    t.deepEqual(await engine.result(id), { outcome: 'done', output: null });
  } finally {
    right.worker.shutdown();
    await rightRun;
    await right.connection.close();
    await engine.close();
  }
});
