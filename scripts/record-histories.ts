/**
 * `npm run record:histories`: runs every process of processes/ once on the time-skipping test
 * server — sample input from its declared fields, each activity answering a sample of its
 * catalog output, no signal ever sent, so every wait takes its time limit — and writes each
 * history to test/histories/<Process>.json. test/replay.test.ts replays them on every run:
 * a change to the interpreter that would break a running instance fails that test, and must
 * be guarded with `patched()` (see src/workflows/run-process.ts).
 *
 * It then runs the scenarios of scripts/scenarios.ts (signals sent, failures on purpose) into
 * test/histories/scenarios/<name>.json. `--processes` or `--scenarios` records only those;
 * `--scenario <name>` only that one (a new scenario, beside the histories already recorded).
 *
 * Each process also runs once more with its definition by reference, as `engine.start` starts
 * it (the claim-check codec of src/engine/definitions.ts, over the compiled definitions), and
 * test/histories/sizes.json gets both sizes. `--sizes` measures the sizes alone, writing no history.
 *
 * Record again only when processes/ (or a scenario) changes, never to make a failing replay pass.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import proto from '@temporalio/proto';
import { compileSources } from '../src/dsl/compile.js';
import { reachableChildren } from '../src/ir/walk.js';
import { CATALOG } from '../modules/telecom/src/catalog/index.js';
import { workflowCode } from '../src/engine/worker.js';
import { BASELINE } from '../src/workflows/patches.js';
import { ensureTestServer } from '../src/infra/test-server.js';
import { stderrLogger } from '../src/infra/log.js';
import { timeSkippingEnv, uniqueQueue } from '../test/helpers/servers.js';
import { sampleInput, sampleOfSchema } from '../test/helpers/samples.js';
import type { ProcessIR } from '../src/ir/schema.js';
import { compileScenario, SCENARIOS } from './scenarios.js';
import { Client } from '@temporalio/client';
import { DefinitionCodec } from '../src/engine/definitions.js';
import { telecomCatalog } from '../test/helpers/catalog.js';

const root = new URL('../../', import.meta.url).pathname;
const out = join(root, 'test', 'histories');
const dir = join(root, 'processes');
const sources = readdirSync(dir)
  .filter((f) => f.endsWith('.flow'))
  .map((f) => ({ file: `processes/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
const { processes, diagnostics } = compileSources(sources, { catalog: telecomCatalog });
if (diagnostics.some((d) => d.severity === 'error')) throw new Error('processes/ has errors: run svcflow check processes/*.flow');

process.env.SVCFLOW_TEST_SERVER ??= await ensureTestServer(stderrLogger);
const activities = Object.fromEntries([...CATALOG].map(([name, c]) => [name, async () => sampleOfSchema(c.output)]));
const byName = new Map(processes.map((p) => [p.name, p]));
const { History } = proto.temporal.api.history.v1;
const sizesOnly = process.argv.includes('--sizes');
const oneScenario = process.argv.includes('--scenario') ? process.argv[process.argv.indexOf('--scenario') + 1] : undefined;
if (process.argv.includes('--scenario') && !SCENARIOS.some((s) => s.name === oneScenario)) throw new Error(`--scenario takes one of ${SCENARIOS.map((s) => s.name).join(', ')}`);
const only = sizesOnly || process.argv.includes('--processes') ? 'processes' : process.argv.includes('--scenarios') || oneScenario ? 'scenarios' : undefined;
/** The compiled definitions by hash, as the registry would hold them once deployed. */
const byHash = new Map(processes.map((p) => [p.hash, { ir: p }]));

interface Run {
  ir: ProcessIR;
  children: Record<string, unknown>;
  input: unknown;
  activities: Record<string, (input: Record<string, unknown>) => Promise<unknown>>;
  drive?: (handle: WorkflowHandle, env: TestWorkflowEnvironment) => Promise<void>;
}

/** The type of a workflow's failure: the process's code, or that of the activity failure it wraps. */
function failureType(e: Error): string {
  const cause = e.cause as { type?: string; message?: string; cause?: { type?: string } } | undefined;
  return cause?.type ?? cause?.cause?.type ?? cause?.message ?? e.message;
}

/**
 * Runs one instance to its end on a server of its own (time skipping moves one clock for
 * everyone), and writes its history to `file` (none: only its size is measured). `byReference`:
 * client and worker pass definitions by reference, as the engine's and svcflow's workers do,
 * and the start names the patch baseline, as the engine's does.
 */
async function record(run: Run, workflowId: string, file: string | undefined, byReference = false): Promise<{ ending: string; size: Record<string, unknown> }> {
  const env = await timeSkippingEnv();
  try {
    const taskQueue = uniqueQueue('record');
    const codec = byReference ? { payloadCodecs: [new DefinitionCodec({ byHash: async (hash) => byHash.get(hash) })] } : undefined;
    const client = codec ? new Client({ connection: env.connection, namespace: env.namespace, dataConverter: codec }) : env.client;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowCode, activities: run.activities, ...(codec ? { dataConverter: codec } : {}) });
    // By reference as engine.start starts it: on the patch baseline by argument (no marker).
    const args = { ir: run.ir, children: run.children, input: run.input, ...(byReference ? { baseline: BASELINE } : {}) };
    const handle = await client.workflow.start(run.ir.name, { taskQueue, workflowId, args: [args] });
    const ending = await worker.runUntil(async () => {
      await run.drive?.(handle, env);
      // The test environment's own client skips time while it waits for the result.
      if (codec) await env.client.workflow.getHandle(handle.workflowId).result().catch(() => undefined);
      return handle.result().then((r) => `completed: ${JSON.stringify(r)}`, (e: Error) => `failed: ${failureType(e)}`);
    });
    const history = History.fromObject(await handle.fetchHistory());
    // protobuf's JSON form: int64 as strings, payload bytes as base64; read back with History.fromObject.
    const json = History.toObject(history, { longs: String, bytes: String, enums: String });
    if (file) writeFileSync(file, JSON.stringify(json, null, 1) + '\n');
    const started = history.events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data?.length ?? 0;
    const size = { process: run.ir.name, events: history.events.length, historyBytes: History.encode(history).finish().length, inputBytes: started, children: Object.keys(run.children) };
    stderrLogger(`${workflowId}: ${size.events} events, ${size.historyBytes} B of history of which ${size.inputBytes} B is the input (IR + children + input); ${ending}`);
    return { ending, size };
  } finally {
    await env.teardown();
  }
}

mkdirSync(out, { recursive: true });
if (only !== 'scenarios') {
  const sizes: Array<Record<string, unknown>> = [];
  for (const ir of processes) {
    const children = reachableChildren(ir, (name) => byName.get(name)!);
    const run = { ir, children, input: sampleInput(ir.input), activities };
    const { size } = await record(run, `history-${ir.name}`, sizesOnly ? undefined : join(out, `${ir.name}.json`));
    const { size: referenced } = await record(run, `reference-${ir.name}`, undefined, true);
    sizes.push({ ...size, byReference: { events: referenced.events, historyBytes: referenced.historyBytes, inputBytes: referenced.inputBytes } });
  }
  writeFileSync(join(out, 'sizes.json'), JSON.stringify(sizes, null, 1) + '\n');
}
if (only !== 'processes') {
  mkdirSync(join(out, 'scenarios'), { recursive: true });
  for (const s of SCENARIOS.filter((x) => oneScenario === undefined || x.name === oneScenario)) {
    const { ir, children } = compileScenario(s);
    const { ending } = await record({ ir, children, input: s.input, activities: { ...activities, ...s.activities }, drive: s.drive }, `scenario-${s.name}`, join(out, 'scenarios', `${s.name}.json`));
    if (ending !== s.expect) throw new Error(`scenario ${s.name} ended '${ending}', not '${s.expect}'`);
  }
}
