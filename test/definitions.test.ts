/**
 * Definitions by reference (src/engine/definitions.ts), on the real dev server and registry: a
 * start, a child's start and a continue-as-new carry the definitions' hashes, not their IR; the
 * worker resolves them and the instance runs as before. Unit cases: what the codec leaves alone.
 */
import test from 'ava';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createEngine } from '../src/engine/engine.js';
import { createWorker } from '../src/engine/worker.js';
import { DefinitionCodec, DefinitionNotFoundError, REFERENCE_METADATA } from '../src/engine/definitions.js';
import { Registry } from '../src/engine/registry.js';
import { BASELINE } from '../src/workflows/patches.js';
import { compileOrThrow, recordingActivities } from './helpers/runtime.js';
import { telecomCatalog } from './helpers/catalog.js';
import { databaseUrl, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import pg from 'pg';

const run = Date.now().toString(36);
const Parent = `ByRef${run}`;
const Child = `ByRefChild${run}`;
const flow = {
  file: 'by-ref.flow',
  text: `process ${Child} version 1
  input { ref: string }
  output { sent: string }
  call notification.sendSms(to: "13800000000", template: "sp.confirm.done", vars: { product: input.ref }) as sms
  end "sent" with { sent: sms.messageId }

process ${Parent} version 1
  input { ref: string, msisdn: phone @pii }
  index ref
  call process ${Child}(ref: input.ref) as child
  wait go = signal go within 1h on timeout { end "late" }
  end "done"
`,
};
const temporal = () => ({ address: temporalAddress(), namespace: temporalNamespace() });
const json = (p: Payload | null | undefined) => Buffer.from(p?.data ?? []).toString('utf8');

test.serial('a start and a child start carry hashes, not IR; the worker resolves them and the instance runs', async (t) => {
  const taskQueue = uniqueQueue('byref');
  const engine = await createEngine({ temporal: temporal(), databaseUrl: databaseUrl(), taskQueue, catalog: telecomCatalog });
  const { activities } = recordingActivities({ 'notification.sendSms': () => ({ messageId: 'M-7', status: 'queued' }) });
  const { worker, connection } = await createWorker({ temporal: temporal(), taskQueue, activities, databaseUrl: databaseUrl() });
  const running = worker.run();
  try {
    const [child, parent] = await engine.deploy([flow]);
    const id = `byref-${run}`;
    await engine.start(Parent, { ref: 'R-1', msisdn: '13912345678' }, { id });
    await engine.signal(id, 'go');
    t.is((await engine.result(id)).outcome, 'done');

    // The raw history: a client without svcflow's codecs sees what Temporal stores.
    const raw = new Client({ connection: await Connection.connect({ address: temporalAddress() }), namespace: temporalNamespace() });
    const history = await raw.workflow.getHandle(id).fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    // The hash alone names a definition (its name is the workflow type); the baseline it runs on
    // is an argument, so no patch marker is recorded (src/workflows/patches.ts).
    t.deepEqual(JSON.parse(json(started)), { definition: { hash: parent!.hash }, children: { [Child]: { hash: child!.hash } }, input: { ref: 'R-1', msisdn: '13912345678' }, baseline: BASELINE });
    t.is(Buffer.from(started.metadata![REFERENCE_METADATA]!).toString(), 'ref/v1');
    const childStart = history.events!.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)!.startChildWorkflowExecutionInitiatedEventAttributes!;
    const childArgs = JSON.parse(json(childStart.input!.payloads![0]));
    t.deepEqual(childArgs.definition, { hash: child!.hash });
    t.is(childArgs.baseline, BASELINE);
    // What the start gives visibility: the version (svcflow's mark on its instances) and the
    // business keys; the name is the workflow type, the hash the registry's for that version.
    const attributes = history.events![0]!.workflowExecutionStartedEventAttributes!.searchAttributes!.indexedFields!;
    t.deepEqual(Object.keys(attributes).sort(), ['BusinessKeys', 'ProcessVersion']);
    // A child carries its hash too: its definition came with the parent's, which a raw start may have given.
    t.deepEqual(Object.keys(childStart.searchAttributes!.indexedFields!).sort(), ['ProcessHash', 'ProcessVersion']);
    t.false(history.events!.some((e) => e.markerRecordedEventAttributes), 'no patch marker');
    t.false(JSON.stringify(history).includes('TemporalChangeVersion'), 'no TemporalChangeVersion upsert');
    t.false(JSON.stringify(history).includes('irVersion'), 'no IR anywhere in the parent history');
    // Decoded, as a worker decodes it, the arguments are whole again.
    const [whole] = await codecFor().decode([started]);
    const args = defaultPayloadConverter.fromPayload(whole!) as { ir: { hash: string }; children: Record<string, { hash: string }> };
    t.is(args.ir.hash, parent!.hash);
    t.is(args.children[Child]!.hash, child!.hash);
    t.is(whole!.metadata![REFERENCE_METADATA], undefined);
    await raw.connection.close();
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await engine.close();
  }
});

const codecFor = () => new DefinitionCodec(new Registry(new pg.Pool({ connectionString: databaseUrl(), max: 1, allowExitOnIdle: true })));
const payload = (value: unknown) => defaultPayloadConverter.toPayload(value)!;

test('an IR the registry does not hold travels whole; other payloads pass untouched; old payloads decode unchanged', async (t) => {
  const codec = codecFor();
  const ir = compileOrThrow(`process NotDeployed${run} version 1\n  input { a: string }\n  end "x"\n`).get(`NotDeployed${run}`)!;
  for (const p of [payload({ ir, children: {}, input: { a: 'x' } }), payload({ ir: 'not an IR' }), payload({ a: 1 }), payload('{"ir":{')]) {
    const [encoded] = await codec.encode([p]);
    t.deepEqual(encoded, p);
    t.deepEqual((await codec.decode([p]))[0], p);
  }
});

test('a reference to no deployed definition, or a malformed one, is a DefinitionNotFoundError (the task is retried)', async (t) => {
  const codec = codecFor();
  const tagged = (value: unknown): Payload => ({ ...payload(value), metadata: { ...payload(value).metadata, [REFERENCE_METADATA]: Buffer.from('ref/v1') } });
  await t.throwsAsync(codec.decode([tagged({ definition: { hash: 'f'.repeat(64) }, input: {} })]), { instanceOf: DefinitionNotFoundError, message: /f{64}/ });
  await t.throwsAsync(codec.decode([tagged({ definition: { hash: "x' or 1=1 --" }, input: {} })]), { instanceOf: DefinitionNotFoundError });
  await t.throwsAsync(codec.decode([tagged({ input: {} })]), { instanceOf: DefinitionNotFoundError });
  await t.throwsAsync(codec.decode([tagged({ definition: { hash: 'f'.repeat(64) }, children: 5 })]), { instanceOf: DefinitionNotFoundError });
});
