/**
 * `npm run bench:start`: what a process instance costs to start and to keep, against a
 * hand-written Temporal workflow with the same activities (bench/handwritten-workflows.ts), on a
 * dev server and a PostgreSQL registry started here.
 *
 * History: bytes per instance of `BenchN` (N sequential sendSms calls), read raw from the server:
 * started by `engine.start` (definitions by reference, src/engine/definitions.ts), started with
 * the IR inline (as every start did before), and hand-written. Medians of samples.
 * Starts: `Hold` (`wait signal go within 30d`), COUNT instances per kind and round, CONCURRENCY
 * requests in flight: `engine.start` (registry lookup, input checks, reference) against a plain
 * `client.workflow.start`, calls per second; then start-to-all-waiting: from the first start
 * until every instance has answered a query (its first workflow task done, it waits), with a
 * worker per kind running. Rounds alternate which kind goes first; ratios are medians of
 * interp/hand per round. Writes bench/results/start.json.
 */
import { cpus, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createEngine } from '../src/engine/engine.js';
import { bundleOptions, dataConverterOption } from '../src/engine/worker.js';
import { startStack } from '../src/infra/stack.js';
import { stderrLogger } from '../src/infra/log.js';
import type { ProcessIR } from '../src/ir/schema.js';
import { startAttributes } from '../src/workflows/search-attributes.js';
import { BENCH_CATALOG, BENCH_SOURCE, compileBench, SIZES } from './bench-processes.js';

const proto = protos.temporal;
const HISTORY_SAMPLES = 3;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COUNT = Number(process.env.BENCH_COUNT ?? 1000);
const CONCURRENCY = 50;
Runtime.install({ logger: new DefaultLogger('WARN') });

const source = BENCH_SOURCE;
const catalog = BENCH_CATALOG;
const irs = compileBench();
const input = { msisdn: '13800138000' };
const activities = { 'notification.sendSms': async () => ({ messageId: 'm', status: 'sent' }) };

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Runs `task` for 0..count-1 with `limit` in flight. */
async function pool(count: number, limit: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) await task(next++);
  }));
}
const tag = Date.now().toString(36);
const started = performance.now();
const loadBefore = loadavg()[0]!;

const stack = await startStack({ mode: 'test', log: stderrLogger });
const stops: Array<() => Promise<unknown>> = [() => stack.stop()];
try {
  const temporal = { address: stack.temporal.address, namespace: stack.temporal.namespace };
  // Names of equal length on both sides: a task queue's name is in every task's event, an id in every idempotency key.
  const interpQueue = `start-i-${tag}`;
  const handQueue = `start-h-${tag}`;
  const engine = await createEngine({ temporal, databaseUrl: stack.databaseUrl, taskQueue: interpQueue, catalog });
  stops.unshift(() => engine.close());
  await engine.deploy([source]);
  const connection = await Connection.connect({ address: temporal.address });
  stops.unshift(() => connection.close());
  const raw = new Client({ connection, namespace: temporal.namespace });
  const native = await NativeConnection.connect({ address: temporal.address });
  stops.unshift(() => native.close());
  const bundle = {
    interp: await bundleWorkflowCode({ ...bundleOptions, logger: new DefaultLogger('WARN') }),
    hand: await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./handwritten-workflows.js', import.meta.url)), logger: new DefaultLogger('WARN') }),
  };
  const interpWorker = await Worker.create({ connection: native, namespace: temporal.namespace, taskQueue: interpQueue, workflowBundle: bundle.interp, activities, ...dataConverterOption({ databaseUrl: stack.databaseUrl }) });
  const handWorker = await Worker.create({ connection: native, namespace: temporal.namespace, taskQueue: handQueue, workflowBundle: bundle.hand, activities });
  const runs = [interpWorker.run(), handWorker.run()];
  stops.unshift(async () => {
    interpWorker.shutdown();
    handWorker.shutdown();
    await Promise.all(runs);
  });

  /** What engine.start gives an operator besides the arguments: search attributes, summary, details. */
  const visibleStart = (ir: ProcessIR) => ({ typedSearchAttributes: startAttributes(ir, input), staticSummary: `${ir.name} v${ir.version}`, staticDetails: ir.description });

  // ── history bytes ──
  const bytesOf = async (id: string) => {
    await raw.workflow.getHandle(id).result();
    return proto.api.history.v1.History.encode(await raw.workflow.getHandle(id).fetchHistory()).finish().length;
  };
  /** Bytes of one history by event type (markers by name), to name what the interpreter adds. */
  const bytesByType = async (id: string) => {
    const out: Record<string, number> = {};
    for (const e of (await raw.workflow.getHandle(id).fetchHistory()).events ?? []) {
      const type = (proto.api.enums.v1.EventType[e.eventType ?? 0] ?? '?').replace(/^EVENT_TYPE_/, '');
      const key = e.markerRecordedEventAttributes ? `${type}:${e.markerRecordedEventAttributes.markerName}` : type;
      out[key] = (out[key] ?? 0) + proto.api.history.v1.HistoryEvent.encode(e).finish().length;
    }
    return out;
  };
  const history = [];
  for (const n of SIZES) {
    const type = `Bench${n}`;
    const ids = { ref: [] as string[], inline: [] as string[], hand: [] as string[], handVisible: [] as string[] };
    for (let i = 0; i < HISTORY_SAMPLES; i++) {
      ids.ref.push((await engine.start(type, input, { id: `r-${n}-${i}-${tag}` })).id);
      const inline = await raw.workflow.start(type, { taskQueue: interpQueue, workflowId: `n-${n}-${i}-${tag}`, args: [{ ir: irs.get(type)!, children: {}, input }] });
      ids.inline.push(inline.workflowId);
      ids.hand.push((await raw.workflow.start(type, { taskQueue: handQueue, workflowId: `h-${n}-${i}-${tag}`, args: [input] })).workflowId);
      ids.handVisible.push((await raw.workflow.start(type, { taskQueue: handQueue, workflowId: `v-${n}-${i}-${tag}`, args: [input], ...visibleStart(irs.get(type)!) })).workflowId);
    }
    const [ref, inline, hand, handVisible] = await Promise.all([ids.ref, ids.inline, ids.hand, ids.handVisible].map(async (xs) => median(await Promise.all(xs.map(bytesOf)))));
    const [refTypes, handTypes] = await Promise.all([ids.ref[0]!, ids.hand[0]!].map(bytesByType));
    const extra: Record<string, number> = {};
    for (const t of new Set([...Object.keys(refTypes!), ...Object.keys(handTypes!)])) {
      const d = (refTypes![t] ?? 0) - (handTypes![t] ?? 0);
      if (d) extra[t] = d;
    }
    history.push({
      extra_bytes_by_event_type: extra, steps: n, bytes_by_reference: ref!, bytes_inline_ir: inline!, bytes_hand: hand!, bytes_hand_visible: handVisible!,
      ratio_by_reference: round(ref! / hand!), ratio_inline_ir: round(inline! / hand!), ratio_by_reference_vs_hand_visible: round(ref! / handVisible!),
    });
  }

  // ── starts ──
  // The hand-written workflow started with what engine.start gives an operator (search
  // attributes, summary, details): what of the gap is the engine, and what the visibility.
  const visible = visibleStart((await engine.registry.get('Hold'))!.ir);
  const kinds = {
    interp: (id: string) => engine.start('Hold', input, { id }).then((r) => r.id),
    hand: (id: string) => raw.workflow.start('Hold', { taskQueue: handQueue, workflowId: id, args: [input] }).then((h) => h.workflowId),
    hand_visible: (id: string) => raw.workflow.start('Hold', { taskQueue: handQueue, workflowId: id, args: [input], ...visible }).then((h) => h.workflowId),
  };
  type Kind = keyof typeof kinds;
  const rounds: Array<Record<Kind, { calls_per_s: number; all_waiting_per_s: number }>> = [];
  const warm = async (kind: Kind) => pool(50, CONCURRENCY, (i) => kinds[kind](`warm-${kind}-${i}-${tag}`));
  for (const kind of Object.keys(kinds) as Kind[]) await warm(kind);
  const orders: Kind[][] = [['interp', 'hand', 'hand_visible'], ['hand_visible', 'hand', 'interp'], ['hand', 'interp', 'hand_visible']];
  for (let r = 0; r < ROUNDS; r++) {
    const order = orders[r % orders.length]!;
    const result = {} as Record<Kind, { calls_per_s: number; all_waiting_per_s: number }>;
    for (const kind of order) {
      const ids: string[] = [];
      const t0 = performance.now();
      await pool(COUNT, CONCURRENCY, async (i) => ids.push(await kinds[kind](`hold-${kind}-${r}-${i}-${tag}`)));
      const calls = (performance.now() - t0) / 1000;
      // Every instance answers a query once its first workflow task is done: it waits.
      await pool(ids.length, CONCURRENCY, (i) => raw.workflow.getHandle(ids[i]!).query('__temporal_workflow_metadata'));
      const all = (performance.now() - t0) / 1000;
      result[kind] = { calls_per_s: round(COUNT / calls, 1), all_waiting_per_s: round(COUNT / all, 1) };
    }
    rounds.push(result);
    process.stderr.write(`[bench] round ${r + 1}/${ROUNDS}: ${JSON.stringify(result)}\n`);
  }
  const ratio = (k: 'calls_per_s' | 'all_waiting_per_s', base: Kind = 'hand') => round(median(rounds.map((x) => x.interp[k] / x[base][k])));
  const results = {
    benchmark: 'start',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, load_average_1m: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) } },
    runs: { rounds: ROUNDS, instances_per_kind_and_round: COUNT, concurrency: CONCURRENCY, seconds: Math.round((performance.now() - started) / 1000) },
    history,
    history_ratio_by_reference: round(median(history.map((h) => h.ratio_by_reference))),
    history_ratio_inline_ir: round(median(history.map((h) => h.ratio_inline_ir))),
    history_ratio_vs_hand_visible: round(median(history.map((h) => h.ratio_by_reference_vs_hand_visible))),
    starts: rounds,
    start_calls_ratio: ratio('calls_per_s'),
    start_to_all_waiting_ratio: ratio('all_waiting_per_s'),
    against_hand_visible: { start_calls_ratio: ratio('calls_per_s', 'hand_visible'), start_to_all_waiting_ratio: ratio('all_waiting_per_s', 'hand_visible') },
    goals: { history_ratio_by_reference: '<= 1.15', start_calls_ratio: '>= 0.95', start_to_all_waiting_ratio: '>= 0.95' },
    notes: [
      'history: bytes of the whole history (protobuf) of one completed instance, median of samples; by_reference is how engine.start starts now, inline_ir how every start carried its definition before; hand is the hand-written workflow.',
      'bytes_hand_visible: the hand-written workflow started with the search attributes, summary and details engine.start gives (what an operator sees of it); ratio_by_reference_vs_hand_visible is what the interpreter adds beyond them.',
      'hand_visible is the hand-written workflow started with the search attributes, summary and details engine.start gives an operator: against_hand_visible is the engine\'s own cost.',
      'starts: interp is engine.start (registry lookup of the hash, input checks, definition by reference); hand is client.workflow.start of the hand-written workflow. calls_per_s: start requests completed per second; all_waiting_per_s: instances per second from the first start until every instance answered a query.',
    ],
  };
  const outDir = join(fileURLToPath(new URL('../../', import.meta.url)), 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'start.json'), `${JSON.stringify(results, null, 2)}\n`);
  for (const h of history) console.log(`Bench${h.steps}: history ${h.bytes_by_reference} B by reference, ${h.bytes_inline_ir} B inline, ${h.bytes_hand} B hand-written (${h.bytes_hand_visible} B with svcflow's start attributes): ratios ${h.ratio_by_reference} (was ${h.ratio_inline_ir}; ${h.ratio_by_reference_vs_hand_visible} against the visible one)`);
  console.log(`against the hand-written workflow with svcflow's search attributes, summary and details: start calls ${results.against_hand_visible.start_calls_ratio} · start to all waiting ${results.against_hand_visible.start_to_all_waiting_ratio}`);
  console.log(`history ratio ${results.history_ratio_by_reference} (goal <= 1.15; inline IR: ${results.history_ratio_inline_ir}) · start calls ratio ${results.start_calls_ratio} · start to all waiting ratio ${results.start_to_all_waiting_ratio} (goals >= 0.95) · ${results.runs.seconds} s · bench/results/start.json`);
} finally {
  for (const stop of stops) await stop().catch((err: Error) => console.error(`while stopping: ${err.message}`));
}
