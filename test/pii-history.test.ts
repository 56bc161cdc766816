/**
 * No @pii value in plain text anywhere in Temporal, for every shipped process: each one runs on
 * the real dev server, started by the engine with a key ring, until it waits (an SMS reply
 * delivered through the engine finds its instance), then is cancelled and compensates. The raw
 * history of it and of its children — payloads, failures, search attributes (`WaitingFor`,
 * `BusinessKeys`) — holds none of the input's @pii texts: payloads are encrypted, and keys that
 * are @pii are stored as keyed hashes.
 */
import anyTest, { type TestFn } from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { createWorker } from '../src/engine/worker.js';
import { newKeyRingText, parseKeyRing } from '../src/engine/codec.js';
import { equals } from '../src/engine/visibility.js';
import { CATALOG } from '../modules/telecom/src/catalog/index.js';
import type { Field, TypeRef } from '../src/ir/schema.js';
import { databaseUrl, eventually, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { sampleInput, sampleOfSchema } from './helpers/samples.js';
import { telecomCatalog } from './helpers/catalog.js';

const test = anyTest as TestFn<{ engine: Engine; stop: () => Promise<void> }>;
const run = Date.now().toString(36);
const temporal = () => ({ address: temporalAddress(), namespace: temporalNamespace() });
const dir = fileURLToPath(new URL('../../processes/', import.meta.url));
const sources = readdirSync(dir)
  .filter((f) => f.endsWith('.flow'))
  .map((f) => ({ file: `processes/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
const PHONE = '13912345678';

/** A sample input whose @pii fields (at any depth) hold texts this test can look for: what it returns in `secrets`. */
function piiInput(fields: Field[], secrets: Set<string>): Record<string, unknown> {
  const sample = sampleInput(fields);
  const fill = (type: TypeRef, name: string, pii: boolean, value: unknown): unknown => {
    if (pii && (type.t === 'phone' || type.t === 'string')) {
      const secret = type.t === 'phone' ? PHONE : `pii-${name}-${run}`;
      secrets.add(secret);
      return secret;
    }
    if (type.t === 'record' && value && typeof value === 'object') return walk(type.fields, value as Record<string, unknown>);
    return value;
  };
  const walk = (fs: Field[], value: Record<string, unknown>) => Object.fromEntries(fs.map((f) => [f.name, fill(f.type, f.name, f.pii, value[f.name])]));
  return walk(fields, sample);
}

test.before(async (t) => {
  const ring = parseKeyRing(newKeyRingText('k1'));
  const taskQueue = uniqueQueue('pii');
  t.context.engine = await createEngine({ temporal: temporal(), databaseUrl: databaseUrl(), taskQueue, codec: ring, catalog: telecomCatalog });
  const activities = Object.fromEntries([...CATALOG].map(([name, c]) => [name, async () => sampleOfSchema(c.output)]));
  const { worker, connection } = await createWorker({ temporal: temporal(), taskQueue, activities, codec: ring, databaseUrl: databaseUrl() });
  const running = worker.run();
  t.context.stop = async () => {
    worker.shutdown();
    await running;
    await connection.close();
  };
});

test.after.always(async (t) => {
  await t.context.stop?.();
  await t.context.engine?.close();
});

const bytesOf = (h: proto.temporal.api.history.v1.IHistory) => Buffer.from(proto.temporal.api.history.v1.History.encode(h).finish());

test.serial('every shipped process: no @pii input text in the raw history, its search attributes included; an SMS reply still finds its instance', async (t) => {
  const { engine } = t.context;
  const deployed = await engine.deploy(sources);
  const names = deployed.map((d) => d.name);
  t.true(names.length >= 8, `the shipped processes: ${names.join(', ')}`);
  const irs = new Map((await Promise.all(names.map((n) => engine.registry.get(n)))).map((v) => [v!.name, v!.ir]));
  let replied = 0;
  for (const name of names) {
    const ir = irs.get(name)!;
    const secrets = new Set<string>();
    const input = piiInput(ir.input, secrets);
    if (!secrets.size) continue;
    const id = `pii-${name}-${run}`;
    await engine.start(name, input, { id });
    const handle = engine.client.workflow.getHandle(id);
    const state = await eventually(async () => {
      if ((await handle.describe()).status.name !== 'RUNNING') return { closed: true as const };
      const s = await engine.query(id);
      return s.waiting ? s : undefined;
    }, `${id} waiting or closed`);
    if (!('closed' in state) && state.waiting?.type === 'message') {
      // The reply is correlated by the number it comes from, which visibility holds only as a keyed hash.
      const took = await eventually(async () => {
        const ids = await engine.deliver(state.waiting!.type === 'message' ? state.waiting!.channel : '', { from: PHONE }, { from: PHONE, text: 'Y', receivedAt: new Date().toISOString(), channel: 'sms' });
        return ids.length ? ids : undefined;
      }, `a reply to ${id}`);
      t.deepEqual(took, [id]);
      replied++;
    }
    if ((await handle.describe()).status.name === 'RUNNING') await engine.cancel(id);
    await handle.result().catch(() => undefined);
    const executions = [];
    for await (const wf of engine.client.workflow.list({ query: equals('RootWorkflowId', id, 'workflow id') })) executions.push(wf.workflowId);
    if (!executions.includes(id)) executions.push(id);
    for (const wid of executions) {
      const raw = bytesOf(await engine.client.workflow.getHandle(wid).fetchHistory());
      for (const secret of secrets) t.false(raw.includes(Buffer.from(secret)), `${secret} is readable in the raw history of ${wid}`);
    }
  }
  t.true(replied >= 1, 'at least one process waited for an SMS reply, and got it');
});

test.serial('a search by a @pii business key sends Temporal its keyed hashes only, never the number', async (t) => {
  const { engine } = t.context;
  const name = `PiiSearched${run}`;
  // A field name no other process of the shared registry indexes (one that indexes it in plain would need the plain form too).
  const field = `line${run}`;
  await engine.deploy([{ file: 'pii-searched.flow', text: `process ${name} version 1\n  input { ref: string, ${field}: phone @pii }\n  index ref, ${field}\n  wait go = signal proceed within 1h on timeout { end "late" }\n  end "done"\n` }]);
  const number = '13987650001';
  const id = `pii-searched-${run}`;
  await engine.start(name, { ref: `S-${run}`, [field]: number }, { id });
  const queries: string[] = [];
  const workflows = engine.client.workflow;
  const list = workflows.list.bind(workflows);
  workflows.list = (options) => {
    queries.push(options?.query ?? '');
    return list(options);
  };
  try {
    const found = await eventually(async () => {
      const rows = await engine.list({ key: { [field]: number } });
      return rows.length ? rows : undefined;
    }, 'the instance by its number');
    t.deepEqual(found.map((r) => r.id), [id]);
    t.deepEqual(await engine.list({ key: { ref: `S-${run}` } }).then((rows) => rows.map((r) => r.id)), [id], 'a key not @pii is searched in plain');
  } finally {
    workflows.list = list;
  }
  t.true(queries.length >= 2);
  for (const q of queries) t.false(q.includes(number), q);
  await engine.cancel(id);
});

test.serial('a @pii business key is stored as its keyed hash: the instance is found by the number, which no history or summary holds', async (t) => {
  const { engine } = t.context;
  const name = `PiiKeyed${run}`;
  await engine.deploy([
    {
      file: 'pii-keyed.flow',
      text: `process ${name} version 1
  input { ref: string, msisdn: phone @pii }
  index ref, msisdn
  wait go = signal proceed within 1h on timeout { end "late" }
  end "done"
`,
    },
  ]);
  const msisdn = '13987654321';
  const id = `pii-keyed-${run}`;
  await engine.start(name, { ref: `R-${run}`, msisdn }, { id });
  const found = await eventually(async () => {
    const rows = await engine.list({ key: { msisdn } });
    return rows.length ? rows : undefined;
  }, 'the instance by its number');
  t.deepEqual(found.map((r) => r.id), [id]);
  t.true(found[0]!.businessKeys.includes(`ref=R-${run}`));
  t.regex(found[0]!.businessKeys.find((k) => k.startsWith('msisdn='))!, /^msisdn=hmac:k1:[A-Za-z0-9_-]{22}$/);
  t.deepEqual(await engine.list({ key: { msisdn: '13987654320' } }), [], 'another number finds nothing');
  const description = await engine.client.workflow.getHandle(id).describe();
  t.false(JSON.stringify(description.raw).includes(msisdn), 'not in the description (summary, search attributes)');
  await engine.cancel(id);
  await engine.client.workflow.getHandle(id).result().catch(() => undefined);
  t.false(bytesOf(await engine.client.workflow.getHandle(id).fetchHistory()).includes(Buffer.from(msisdn)));
});
