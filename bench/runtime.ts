/**
 * `npm run bench:runtime`: the same process run by svcflow's interpreter (the DSL compiled to IR,
 * run by the workflow bundle of src/workflows) and by a hand-written Temporal workflow
 * (bench/handwritten-workflows.ts), with identical activities, on one dev server started here.
 *
 * Throughput and latency: `process BenchN` (N = 1, 5, 20 sequential notification.sendSms calls).
 * Each round starts a fixed number of workflows at once per size and kind and waits for every
 * result; the two kinds alternate which goes first, so drift and noise hit both. Medians.
 * History: events per workflow from fetchHistory, by event type, so any extra event is named.
 * Memory: K instances of `Hold` (`wait signal go within 30d`) cached by one worker that keeps
 * them all; heap and RSS after GC, before and with them; per instance, median over rounds.
 * Writes bench/results/runtime.json and prints a table. Needs `node --expose-gc`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import protos from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { bundleOptions } from '../src/engine/worker.js';
import { chooseTemporal, startTemporal } from '../src/infra/temporal.js';
import { stderrLogger } from '../src/infra/log.js';
import { BASELINE } from '../src/workflows/patches.js';
import type { ProcessArgs } from '../src/workflows/run-process.js';
import { SMS_OPTIONS } from './handwritten-workflows.js';
import { compileBench, SIZES } from './bench-processes.js';

const proto = protos.temporal;

const ROUNDS = 8;
/** Workflows started at once per round, by size. */
const BATCH: Record<number, number> = { 1: 100, 5: 60, 20: 30 };
const HISTORY_SAMPLES = 3;
const HOLD_INSTANCES = 200;
const MEMORY_ROUNDS = 4;

type Kind = 'interp' | 'hand';
const KINDS: Kind[] = ['interp', 'hand'];

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:runtime does)');
Runtime.install({ logger: new DefaultLogger('WARN') });

// ── the processes ──────────────────────────────────────────────────────────────────────────
const irs = compileBench();
// The baseline must use the options the IR carries, or the comparison is void.
for (const n of SIZES) {
  for (const s of irs.get(`Bench${n}`)!.steps) {
    const r = s.kind === 'call' ? s.retry : undefined;
    const same = s.kind === 'call' && s.startToCloseMs === SMS_OPTIONS.startToCloseTimeout && r?.maximumAttempts === SMS_OPTIONS.retry.maximumAttempts &&
      r.initialIntervalMs === SMS_OPTIONS.retry.initialInterval && r.backoffCoefficient === SMS_OPTIONS.retry.backoffCoefficient &&
      r.maximumIntervalMs === SMS_OPTIONS.retry.maximumInterval && !r.nonRetryableErrorTypes?.length;
    if (!same) throw new Error(`step ${s.id} of Bench${n} carries ${JSON.stringify(s)}; update SMS_OPTIONS in handwritten-workflows.ts`);
  }
}
const input = { msisdn: '13800138000' };
/** As the engine starts a process: the IR, the IR of the processes it calls (none), the input. */
const argsOf = (kind: Kind, type: string): [ProcessArgs] | [typeof input] =>
  // As engine.start starts an instance: on the patch baseline by argument (no patch marker).
  kind === 'interp' ? [{ ir: irs.get(type)!, children: {}, input, baseline: BASELINE }] : [input];

let sent = 0;
const activities = {
  'notification.sendSms': async (_input: { to: string; template: string }, _meta: { idempotencyKey: string }) => ({ messageId: `m${++sent}`, status: 'sent' }),
};

// ── helpers ────────────────────────────────────────────────────────────────────────────────
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)]! + (s[Math.ceil(i)]! - s[Math.floor(i)]!) * (i - Math.floor(i));
};
const median = (xs: number[]) => quantile(xs, 0.5);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}
const tag = Date.now().toString(36);

interface HistoryShape {
  events: number;
  bytes: number;
  types: Record<string, number>;
}
async function historyOf(client: Client, workflowId: string): Promise<HistoryShape> {
  const h = await client.workflow.getHandle(workflowId).fetchHistory();
  const types: Record<string, number> = {};
  for (const e of h.events ?? []) {
    const t = (proto.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
    types[t] = (types[t] ?? 0) + 1;
  }
  return { events: h.events?.length ?? 0, bytes: proto.api.history.v1.History.encode(h).finish().length, types };
}
/** Event types the interpreter's history has more (or fewer) of than the hand-written one's. */
function extraEvents(interp: HistoryShape, hand: HistoryShape): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of new Set([...Object.keys(interp.types), ...Object.keys(hand.types)])) {
    const d = (interp.types[t] ?? 0) - (hand.types[t] ?? 0);
    if (d) out[t] = d;
  }
  return out;
}
async function sampleHistories(client: Client, ids: string[]): Promise<HistoryShape> {
  const shapes = await Promise.all(ids.map((id) => historyOf(client, id)));
  const counts = new Set(shapes.map((s) => s.events));
  if (counts.size !== 1) throw new Error(`histories of the same workflow differ in length: ${[...counts].join(', ')} events`);
  return { ...shapes[0]!, bytes: median(shapes.map((s) => s.bytes)) };
}

// ── the run ────────────────────────────────────────────────────────────────────────────────
const started = performance.now();
const loadBefore = loadavg()[0]!;
if (loadBefore > cpus().length / 2) console.warn(`warning: load average ${loadBefore.toFixed(1)} on ${cpus().length} CPUs: the figures will be noisy`);
const server = await startTemporal({ log: stderrLogger });
/** What to stop at the end, newest first. */
const stops: Array<() => Promise<unknown>> = [() => server.stop()];
try {
  const connection = await Connection.connect({ address: server.address });
  stops.unshift(() => connection.close());
  const client = new Client({ connection, namespace: server.namespace });
  const native = await NativeConnection.connect({ address: server.address });
  stops.unshift(() => native.close());
  const bundles: Record<Kind, { code: string }> = {
    interp: await bundleWorkflowCode({ ...bundleOptions, logger: new DefaultLogger('WARN') }), // as svcflow's worker builds it
    hand: await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./handwritten-workflows.js', import.meta.url)), logger: new DefaultLogger('WARN') }),
  };
  /** One worker per kind, identical but for the workflow bundle; runs until `stop`. */
  const workers = async (phase: string, options: Partial<WorkerOptions>) => {
    const out = {} as Record<Kind, { worker: Worker; queue: string; running: Promise<void> }>;
    for (const kind of KINDS) {
      const queue = `bench-${phase}-${kind}-${tag}`;
      const worker = await Worker.create({ connection: native, namespace: server.namespace, taskQueue: queue, workflowBundle: bundles[kind], activities, ...options });
      out[kind] = { worker, queue, running: worker.run() };
    }
    const stop = async () => {
      for (const k of KINDS) out[k].worker.shutdown();
      await Promise.all(KINDS.map((k) => out[k].running));
    };
    return { ...out, stop };
  };

  // Throughput and latency, with production worker settings (workflows in a worker thread).
  const tw = await workers('steps', {});
  stops.unshift(tw.stop);
  const runs: Record<string, Array<{ throughput: number; cpuMs: number; latencies: number[]; ids: string[] }>> = {};
  const batch = async (kind: Kind, n: number, count: number, label: string) => {
    const ids = range(count).map((j) => `${kind}-bench${n}-${label}-${j}-${tag}`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const latencies = await Promise.all(
      ids.map(async (workflowId) => {
        const s = performance.now();
        const handle = await client.workflow.start(`Bench${n}`, { taskQueue: tw[kind].queue, workflowId, args: argsOf(kind, `Bench${n}`) });
        await handle.result();
        return performance.now() - s;
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    return { throughput: count / ((performance.now() - t0) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / count, latencies, ids };
  };
  for (const n of SIZES) for (const kind of KINDS) await batch(kind, n, Math.ceil(BATCH[n]! / 5), 'warmup');
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, n] of SIZES.entries()) {
      const order: Kind[] = (r + i) % 2 === 0 ? ['interp', 'hand'] : ['hand', 'interp'];
      for (const kind of order) (runs[`${kind}${n}`] ??= []).push(await batch(kind, n, BATCH[n]!, `r${r}`));
    }
    process.stderr.write(`[bench] round ${r + 1}/${ROUNDS} done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }
  const sizes = [];
  const pairedAll: number[] = [];
  for (const n of SIZES) {
    const interp = runs[`interp${n}`]!;
    const hand = runs[`hand${n}`]!;
    const paired = interp.map((x, r) => x.throughput / hand[r]!.throughput);
    pairedAll.push(...paired);
    const lat = (k: Array<{ latencies: number[] }>, q: number) => round(quantile(k.flatMap((x) => x.latencies), q), 1);
    const [hi, hh] = await Promise.all([interp, hand].map((k) => sampleHistories(client, k.at(-1)!.ids.slice(0, HISTORY_SAMPLES))));
    sizes.push({
      steps: n,
      workflows_per_round: BATCH[n],
      throughput_interp: round(median(interp.map((x) => x.throughput)), 1),
      throughput_hand: round(median(hand.map((x) => x.throughput)), 1),
      throughput_ratio_vs_handwritten: round(median(paired), 3),
      throughput_ratio_of_medians: round(median(interp.map((x) => x.throughput)) / median(hand.map((x) => x.throughput)), 3),
      cpu_ms_per_workflow_interp: round(median(interp.map((x) => x.cpuMs))),
      cpu_ms_per_workflow_hand: round(median(hand.map((x) => x.cpuMs))),
      p50_ms_interp: lat(interp, 0.5),
      p95_ms_interp: lat(interp, 0.95),
      p50_ms_hand: lat(hand, 0.5),
      p95_ms_hand: lat(hand, 0.95),
      events_per_workflow_interp: hi!.events,
      events_per_workflow_hand: hh!.events,
      events_per_step_interp: round(hi!.events / n, 2),
      events_per_step_hand: round(hh!.events / n, 2),
      events_per_step_ratio: round(hi!.events / hh!.events, 3),
      extra_events_interp: extraEvents(hi!, hh!),
      history_bytes_interp: hi!.bytes,
      history_bytes_hand: hh!.bytes,
      event_types_hand: hh!.types,
    });
  }
  await tw.stop();
  stops.shift();

  // Memory per cached waiting instance. debugMode runs the workflows in this thread, so that
  // process.memoryUsage().heapUsed sees them after gc(); reuseV8Context stays at its default (on).
  const mw = await workers('hold', { debugMode: true, maxCachedWorkflows: HOLD_INSTANCES + 50 });
  stops.unshift(mw.stop);
  const settled = async () => {
    for (let i = 0; i < 4; i++) {
      gc!();
      await delay(50);
    }
    return process.memoryUsage();
  };
  const memory: Record<Kind, Array<{ heap: number; rss: number; external: number; cpuMs: number }>> = { interp: [], hand: [] };
  const holdIds: Record<Kind, string[]> = { interp: [], hand: [] };
  const hold = async (kind: Kind, k: number, label: string) => {
    const { worker, queue } = mw[kind];
    const before = await settled();
    const ids = range(k).map((j) => `${kind}-hold-${label}-${j}-${tag}`);
    const cpu0 = process.cpuUsage();
    const handles: WorkflowHandle[] = await Promise.all(ids.map((workflowId) => client.workflow.start('Hold', { taskQueue: queue, workflowId, args: argsOf(kind, 'Hold') })));
    await until(`${k} cached ${kind} instances`, () => {
      const s = worker.getStatus();
      return s.numCachedWorkflows >= k && s.numInFlightWorkflowActivations === 0;
    });
    const cpu = process.cpuUsage(cpu0);
    await delay(200);
    const during = await settled();
    if (worker.getStatus().numCachedWorkflows < k) throw new Error(`the ${kind} worker evicted instances; raise maxCachedWorkflows`);
    await Promise.all(handles.map((h) => h.signal('go')));
    await Promise.all(handles.map((h) => h.result()));
    await until(`the ${kind} cache to empty`, () => worker.getStatus().numCachedWorkflows === 0);
    holdIds[kind] = ids.slice(0, HISTORY_SAMPLES);
    return {
      heap: (during.heapUsed - before.heapUsed) / k,
      rss: (during.rss - before.rss) / k,
      external: (during.external - before.external) / k,
      cpuMs: (cpu.user + cpu.system) / 1000 / k,
    };
  };
  for (const kind of KINDS) await hold(kind, 50, 'warmup');
  for (let r = 0; r < MEMORY_ROUNDS; r++) {
    for (const kind of r % 2 === 0 ? KINDS : [...KINDS].reverse()) memory[kind].push(await hold(kind, HOLD_INSTANCES, `r${r}`));
  }
  process.stderr.write(`[bench] memory rounds done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  const [holdInterp, holdHand] = await Promise.all(KINDS.map((k) => sampleHistories(client, holdIds[k])));
  await mw.stop();
  stops.shift();

  const med = (kind: Kind, key: 'heap' | 'rss' | 'external' | 'cpuMs') => median(memory[kind].map((m) => m[key]));
  const heapRatio = median(memory.interp.map((m, r) => m.heap / memory.hand[r]!.heap));
  const memoryResult = {
    instances: HOLD_INSTANCES,
    rounds: MEMORY_ROUNDS,
    worker: { debugMode: true, reuseV8Context: true, maxCachedWorkflows: HOLD_INSTANCES + 50 },
    heap_bytes_per_instance_interp: Math.round(med('interp', 'heap')),
    heap_bytes_per_instance_hand: Math.round(med('hand', 'heap')),
    heap_ratio: round(heapRatio, 3),
    heap_ratio_of_medians: round(med('interp', 'heap') / med('hand', 'heap'), 3),
    rss_bytes_per_instance_interp: Math.round(med('interp', 'rss')),
    rss_bytes_per_instance_hand: Math.round(med('hand', 'rss')),
    rss_ratio: round(med('interp', 'rss') / med('hand', 'rss'), 3),
    external_bytes_per_instance_interp: Math.round(med('interp', 'external')),
    external_bytes_per_instance_hand: Math.round(med('hand', 'external')),
    cpu_ms_per_instance_start_interp: round(med('interp', 'cpuMs')),
    cpu_ms_per_instance_start_hand: round(med('hand', 'cpuMs')),
    per_round: memory,
    hold_events_per_workflow_interp: holdInterp!.events,
    hold_events_per_workflow_hand: holdHand!.events,
    hold_extra_events_interp: extraEvents(holdInterp!, holdHand!),
    hold_history_bytes_interp: holdInterp!.bytes,
    hold_history_bytes_hand: holdHand!.bytes,
  };

  // ── results ──────────────────────────────────────────────────────────────────────────────
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const version = (pkg: string) => (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const source = chooseTemporal(process.env);
  const cli = source.kind === 'binary' ? spawnSync(source.path, ['--version'], { encoding: 'utf8' }).stdout.trim() : source.kind;
  const totalInterp = sizes.reduce((s, x) => s + x.events_per_workflow_interp, 0);
  const totalHand = sizes.reduce((s, x) => s + x.events_per_workflow_hand, 0);
  const cpu = cpus();
  const results = {
    benchmark: 'runtime',
    date: new Date().toISOString(),
    machine: {
      cpus: cpu.length,
      cpu_model: cpu[0]?.model ?? 'unknown',
      memory_gb: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      load_average_1m: { before: round(loadBefore), after: round(loadavg()[0]!) },
    },
    versions: { '@temporalio/worker': version('@temporalio/worker'), temporal_server: cli },
    runs: { rounds: ROUNDS, history_samples: HISTORY_SAMPLES, memory_rounds: MEMORY_ROUNDS, seconds: round((performance.now() - started) / 1000, 0) },
    sizes,
    memory: memoryResult,
    throughput_ratio_vs_handwritten: round(median(pairedAll), 3),
    events_per_step_ratio: round(totalInterp / totalHand, 3),
    memory_per_instance_ratio: round(heapRatio, 3),
    goals: { throughput_ratio_vs_handwritten: '>= 0.95', events_per_step_ratio: '= 1.00', memory_per_instance_ratio: '<= 1.1' },
    notes: [
      'interp: the DSL process compiled to IR and run by svcflow\'s workflow bundle; hand: bench/handwritten-workflows.ts. Same activity, options, task-queue settings and worker options.',
      'throughput: workflows completed per second, a batch of workflows_per_round started at once and awaited; throughput_ratio_vs_handwritten is the median over rounds of interp/hand in the same round (throughput_ratio_of_medians for comparison); the top-level figure is the median over every round of every size.',
      'cpu_ms_per_workflow: CPU time of this process (client, worker, activities; not the Temporal server) per workflow, median over rounds.',
      'p50/p95: milliseconds from the start request to the result, over every workflow of every round (under the batch\'s own load).',
      'events_per_step_ratio: per size, interp events / hand events per workflow; top level, the sum over sizes. extra_events_interp lists event types by how many more the interpreter has.',
      'memory: heap (and RSS) growth per cached instance of Hold after gc(), median over rounds; memory_per_instance_ratio is the median over rounds of interp/hand heap per instance. cpu_ms_per_instance_start: CPU of this process from the starts until every instance is cached, per instance.',
    ],
  };
  const outDir = join(root, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'runtime.json'), `${JSON.stringify(results, null, 2)}\n`);

  const pad = (s: string | number, w: number) => String(s).padStart(w);
  console.log(`runtime benchmark · node ${process.version} · ${cpu.length} CPUs · ${results.versions.temporal_server.split('\n')[0]} · medians of ${ROUNDS} interleaved rounds`);
  console.log(`${pad('steps', 5)} ${pad('wf/s interp', 12)} ${pad('wf/s hand', 10)} ${pad('ratio', 6)} ${pad('p50/p95 ms interp', 18)} ${pad('p50/p95 ms hand', 16)} ${pad('events i/h', 11)} ${pad('CPU ms/wf i/h', 14)}`);
  for (const s of sizes) {
    console.log(
      `${pad(s.steps, 5)} ${pad(s.throughput_interp, 12)} ${pad(s.throughput_hand, 10)} ${pad(s.throughput_ratio_vs_handwritten, 6)} ` +
        `${pad(`${s.p50_ms_interp}/${s.p95_ms_interp}`, 18)} ${pad(`${s.p50_ms_hand}/${s.p95_ms_hand}`, 16)} ${pad(`${s.events_per_workflow_interp}/${s.events_per_workflow_hand}`, 11)} ${pad(`${s.cpu_ms_per_workflow_interp}/${s.cpu_ms_per_workflow_hand}`, 14)}`,
    );
  }
  const m = memoryResult;
  console.log(
    `memory per cached waiting instance (${m.instances} × ${m.rounds} rounds): heap ${(m.heap_bytes_per_instance_interp / 1024).toFixed(1)} KiB interp, ` +
      `${(m.heap_bytes_per_instance_hand / 1024).toFixed(1)} KiB hand (ratio ${m.heap_ratio}); RSS ${(m.rss_bytes_per_instance_interp / 1024).toFixed(1)} / ${(m.rss_bytes_per_instance_hand / 1024).toFixed(1)} KiB`,
  );
  console.log(
    `throughput_ratio_vs_handwritten ${results.throughput_ratio_vs_handwritten} (goal >= 0.95) · events_per_step_ratio ${results.events_per_step_ratio} (goal 1.00) · ` +
      `memory_per_instance_ratio ${results.memory_per_instance_ratio} (goal <= 1.1) · ${results.runs.seconds} s · written to bench/results/runtime.json`,
  );
} finally {
  for (const stop of stops) await stop().catch((err: Error) => console.error(`while stopping: ${err.message}`));
}
