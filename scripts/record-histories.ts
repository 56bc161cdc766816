/**
 * `npm run record:histories`: runs every process of processes/ once on the time-skipping test
 * server — sample input from its declared fields, each activity answering a sample of its
 * catalog output, no signal ever sent, so every wait takes its time limit — and writes each
 * history to test/histories/<Process>.json. test/replay.test.ts replays them on every run:
 * a change to the interpreter that would break a running instance fails that test, and must
 * be guarded with `patched()` (see src/workflows/run-process.ts).
 *
 * Record again only when processes/ changes, never to make a failing replay pass.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { compileSources } from '../src/dsl/compile.js';
import { reachableChildren } from '../src/ir/walk.js';
import { CATALOG } from '../src/activities/catalog/index.js';
import { workflowCode } from '../src/engine/worker.js';
import { ensureTestServer } from '../src/infra/test-server.js';
import { stderrLogger } from '../src/infra/log.js';
import { timeSkippingEnv, uniqueQueue } from '../test/helpers/servers.js';
import { sampleInput, sampleOfSchema } from '../test/helpers/samples.js';

const root = new URL('../../', import.meta.url).pathname;
const out = join(root, 'test', 'histories');
const dir = join(root, 'processes');
const sources = readdirSync(dir)
  .filter((f) => f.endsWith('.flow'))
  .map((f) => ({ file: `processes/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
const { processes, diagnostics } = compileSources(sources);
if (diagnostics.some((d) => d.severity === 'error')) throw new Error('processes/ has errors: run svcflow check processes/*.flow');

process.env.SVCFLOW_TEST_SERVER ??= await ensureTestServer(stderrLogger);
const activities = Object.fromEntries([...CATALOG].map(([name, c]) => [name, async () => sampleOfSchema(c.output)]));
const byName = new Map(processes.map((p) => [p.name, p]));
const { History } = proto.temporal.api.history.v1;
mkdirSync(out, { recursive: true });
const sizes: Array<Record<string, unknown>> = [];
for (const ir of processes) {
  // A server of its own for each process: time skipping moves one clock for everyone.
  const env = await timeSkippingEnv();
  try {
    const taskQueue = uniqueQueue('record');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowCode, activities });
    const children = reachableChildren(ir, (name) => byName.get(name)!);
    const handle = await env.client.workflow.start(ir.name, { taskQueue, workflowId: `history-${ir.name}`, args: [{ ir, children, input: sampleInput(ir.input) }] });
    const ending = await worker.runUntil(handle.result().then((r) => `completed: ${JSON.stringify(r)}`, (e: Error) => `failed: ${(e.cause as Error | undefined)?.message ?? e.message}`));
    const history = History.fromObject(await handle.fetchHistory());
    // protobuf's JSON form: int64 as strings, payload bytes as base64; read back with History.fromObject.
    const json = History.toObject(history, { longs: String, bytes: String, enums: String });
    writeFileSync(join(out, `${ir.name}.json`), JSON.stringify(json, null, 1) + '\n');
    const started = history.events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data?.length ?? 0;
    const size = { process: ir.name, events: history.events.length, historyBytes: History.encode(history).finish().length, inputBytes: started, children: Object.keys(children) };
    sizes.push(size);
    stderrLogger(`${ir.name}: ${size.events} events, ${size.historyBytes} B of history of which ${size.inputBytes} B is the input (IR + children + input); ${ending}`);
  } finally {
    await env.teardown();
  }
}
writeFileSync(join(out, 'sizes.json'), JSON.stringify(sizes, null, 1) + '\n');
