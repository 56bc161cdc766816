/**
 * The engine API against the real dev server and the real PostgreSQL of `npm test`: deploy to the
 * registry, typed errors before anything is written, visibility by search attributes, message
 * correlation by business key, and updates whose rejection leaves history untouched.
 */
import anyTest, { type TestFn } from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { InstanceNotRunningError, InvalidInputError, UnknownProcessError, VersionConflictError } from '../src/engine/errors.js';
import { dataConverterOption, workflowCode } from '../src/engine/worker.js';
import { WaitingFor } from '../src/workflows/search-attributes.js';
import { databaseUrl, eventually, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { recordingActivities } from './helpers/runtime.js';
import { fixtureCatalog } from './helpers/catalog.js';

const test = anyTest as TestFn<{ engine: Engine; worker: Worker; running: Promise<void>; connection: NativeConnection; calls: ReturnType<typeof recordingActivities>['calls'] }>;
const dir = fileURLToPath(new URL('../../processes/', import.meta.url));
const sources = readdirSync(dir)
  .filter((f) => f.endsWith('.flow'))
  .map((f) => ({ file: `processes/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
const afterReply = {
  file: 'after-reply.flow',
  text: `process AfterReply version 1
  input { ref: string, msisdn: phone @pii }
  index ref
  wait reply = message smsReply(from: input.msisdn) within 24h on timeout { end "no-reply" }
  sleep 2h
  end "replied"
`,
};
const reschedule = {
  file: 'reschedule.flow',
  text: `process Reschedule version 1
  input { orderId: string }
  index orderId
  wait change = update reschedule(windowStart: time) within 24h on timeout { end "kept" }
  end "moved"
`,
};

test.before(async (t) => {
  const taskQueue = uniqueQueue('engine');
  const temporal = { address: temporalAddress(), namespace: temporalNamespace() };
  t.context.engine = await createEngine({ temporal, databaseUrl: databaseUrl(), taskQueue, catalog: fixtureCatalog });
  const { activities, calls } = recordingActivities({ 'billing.chargeSubscription': () => ({ chargeId: 'CH-1' }) });
  t.context.calls = calls;
  t.context.connection = await NativeConnection.connect({ address: temporal.address });
  t.context.worker = await Worker.create({ connection: t.context.connection, namespace: temporal.namespace, taskQueue, ...workflowCode, ...dataConverterOption({ databaseUrl: databaseUrl() }), activities });
  t.context.running = t.context.worker.run();
  await t.context.engine.deploy([...sources, reschedule, afterReply]);
});

test.after.always(async (t) => {
  t.context.worker?.shutdown();
  await t.context.running;
  await t.context.connection?.close();
  await t.context.engine?.close();
});

const input = { subscriptionId: `SUB-${Date.now()}`, msisdn: '13800138001', product: '彩铃', monthlyFee: { fen: 500, currency: 'CNY' } };

test.serial('deploy keeps every version; the same content again is a no-op; changed content needs a new version', async (t) => {
  const { engine } = t.context;
  const again = await engine.deploy([reschedule]);
  t.deepEqual(again.map((r) => [r.name, r.version, r.created]), [['Reschedule', 1, false]]);
  await t.throwsAsync(engine.deploy([{ ...reschedule, text: reschedule.text.replace('"moved"', '"rescheduled"') }]), { instanceOf: VersionConflictError });
  const v2 = await engine.deploy([{ ...reschedule, text: reschedule.text.replace('version 1', 'version 2') }]);
  t.deepEqual(v2.map((r) => [r.name, r.version, r.created]), [['Reschedule', 2, true]]);
  t.true((await engine.registry.list()).filter((v) => v.name === 'Reschedule').length === 2);
});

test.serial('an unknown process is a typed error listing the deployed ones', async (t) => {
  const err = await t.throwsAsync(t.context.engine.start('Instalation', {}, { id: 'x-1' }), { instanceOf: UnknownProcessError });
  t.regex(err!.message, /there is no deployed process 'Instalation'; deployed: .*Installation/);
});

test.serial('invalid start input is rejected before anything is started', async (t) => {
  const { engine } = t.context;
  const id = `bad-${Date.now()}`;
  const err = await t.throwsAsync(engine.start('SecondaryConfirmation', { ...input, msisdn: 'call me', monthlyFee: 5 }, { id }), { instanceOf: InvalidInputError });
  t.regex(err!.message, /msisdn must be a phone number/);
  t.regex(err!.message, /monthlyFee must be money/);
  await t.throwsAsync(engine.client.workflow.getHandle(id).describe());
});

test.serial('an instance is found by its business key; an SMS reply reaches the one instance waiting for it', async (t) => {
  const { engine, calls } = t.context;
  const id = `sc-${input.subscriptionId}`;
  await engine.start('SecondaryConfirmation', input, { id });
  const listed = await eventually(async () => {
    const l = await engine.list({ process: 'SecondaryConfirmation', key: { subscriptionId: input.subscriptionId } });
    return l.length ? l : undefined;
  }, 'the list query');
  t.deepEqual(listed.map((i) => [i.id, i.process, i.version, i.status]), [[id, 'SecondaryConfirmation', 2, 'RUNNING']]);
  const waiting = await eventually(async () => {
    const s = await engine.query(id);
    return s.waiting ? s : undefined;
  }, 'the wait');
  t.is(waiting.currentStep, 'reply');
  t.is((waiting.variables.input as Record<string, unknown>).msisdn, '***', 'PII is masked in the state query');
  t.false(JSON.stringify(waiting).includes(input.msisdn), 'also in what it waits for');
  const delivered = await eventually(async () => {
    const ids = await engine.deliver('smsReply', { from: input.msisdn }, { from: input.msisdn, text: 'Y', receivedAt: new Date().toISOString(), channel: 'sms' });
    return ids.length ? ids : undefined;
  }, 'WaitingFor to be visible');
  t.deepEqual(delivered, [id]);
  t.deepEqual(await engine.result(id), { outcome: 'subscribed', output: null });
  t.true(calls.some((c) => c.activity === 'billing.chargeSubscription' && c.key.startsWith(`${id}/`) && c.key.endsWith('/charge')));
  await t.throwsAsync(engine.signal(id, 'anything'), { instanceOf: InstanceNotRunningError });
});

test.serial('a bad update payload is refused with a typed error, and the workflow validator writes nothing to history', async (t) => {
  const { engine } = t.context;
  const id = `re-${Date.now()}`;
  await engine.start('Reschedule', { orderId: 'O-1' }, { id, version: 1 });
  await eventually(async () => ((await engine.query(id)).waiting ? true : undefined), 'the wait');
  await t.throwsAsync(engine.update(id, 'reschedule', { windowStart: 'tomorrow' }), { instanceOf: InvalidInputError });
  const handle = engine.client.workflow.getHandle(id);
  const before = (await handle.fetchHistory()).events?.length;
  // Straight to the workflow, past the engine's own check: its validator must refuse it too.
  await t.throwsAsync(handle.executeUpdate('reschedule', { args: [{ windowStart: 'tomorrow' }] }));
  t.is((await handle.fetchHistory()).events?.length, before);
  await engine.update(id, 'reschedule', { windowStart: '2026-11-23T09:00:00+08:00' });
  t.deepEqual(await engine.result(id), { outcome: 'moved', output: null });
  await t.throwsAsync(engine.update(id, 'reschedule', { windowStart: '2026-11-23T09:00:00+08:00' }), { instanceOf: InstanceNotRunningError });
});

test.serial('a reply reaches one instance; once its wait is over, a late reply finds nobody there', async (t) => {
  const { engine } = t.context;
  const msisdn = '13700009999';
  const id = `after-${Date.now()}`;
  await engine.start('AfterReply', { ref: 'R-1', msisdn }, { id });
  const sms = { from: msisdn, text: 'Y', receivedAt: new Date().toISOString(), channel: 'sms' };
  t.deepEqual(await eventually(async () => {
    const ids = await engine.deliver('smsReply', { from: msisdn }, sms);
    return ids.length ? ids : undefined;
  }, 'the wait to be visible'), [id]);
  // Still running (sleeping 2h), but no longer waiting: WaitingFor was cleared.
  const sleeping = await eventually(async () => {
    const [row] = await engine.list({ key: { ref: 'R-1' } });
    return row?.currentStep === 'sleep' ? row : undefined;
  }, 'the sleep');
  // The deadline shown is the sleep's (2h), no longer the finished wait's (24h).
  t.true(sleeping.nextDeadline!.getTime() < Date.now() + 3 * 3_600_000);
  t.is((await engine.client.workflow.getHandle(id).describe()).typedSearchAttributes.get(WaitingFor)?.length ?? 0, 0);
  const late = await eventually(async () => {
    const ids = await engine.deliver('smsReply', { from: msisdn }, sms);
    return ids.length === 0 ? ids : undefined;
  }, 'WaitingFor to be cleared');
  t.deepEqual(late, []);
  await engine.cancel(id);
});
