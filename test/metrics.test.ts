/**
 * The worker's Prometheus endpoint (Temporal's Runtime telemetry), scraped over HTTP after
 * instances that complete, fail, are cancelled, escalate and miss a time limit, on the dev
 * server of `npm test`: svcflow's own counters with their labels, the SDK's beside them, no
 * input value anywhere in the scrape, and the Grafana dashboard naming only what is served.
 * The worker caches no workflow, so every activation replays the history before it: a counter
 * that counted again on replay would show it. Its own file: the Runtime is one per process.
 */
import { metricsAddress, samples, scrape, total } from './helpers/metrics-runtime.js';
import anyTest, { type TestFn } from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError, type Client, type Connection } from '@temporalio/client';
import { createWorker, type CreatedWorker } from '../src/engine/worker.js';
import { installTelemetry, parseBindAddress, TelemetryError } from '../src/engine/telemetry.js';
import { METRIC_NAMES } from '../src/workflows/metrics.js';
import { devClient, eventually, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { argsFor, compileOrThrow } from './helpers/runtime.js';
import { freePort } from '../src/infra/processes.js';

const test = anyTest as TestFn<{ client: Client; connection: Connection; created: CreatedWorker; running: Promise<void>; taskQueue: string }>;

const irs = compileOrThrow(`process Metered version 1
  input { ref: string, msisdn: phone @pii, mode: string }
  index ref
  if input.mode == "fail" { fail "not-eligible", input.msisdn }
  if input.mode == "regulator" {
    atGroup: escalate to "group"
    end "escalated"
  }
  if input.mode == "computed" {
    # A level from the input is no label: it counts as other.
    atRef: escalate to input.ref
    end "escalated"
  }
  answer: wait decision = signal decide(ok: bool) within 3s
    escalate after 1s to "province" { }
    escalate after 2s to "group" { }
    on timeout { end "late" }
  end "resolved"
`);
// A long loop that continues as new every few events: one instance, started and ended once.
const looping = compileOrThrow(`process Looping version 1
  input { ref: string }
  index ref
  set n = 0
  rounds: repeat 6 times {
    set n = n + 1
    pause: sleep 10ms
  }
  end "looped"
`);
const MSISDN = '13912345678';
/** The labels the SDK puts on what workflow code emits. */
const SDK_LABELS = ['namespace', 'taskQueue', 'workflowType'];

test.before(async (t) => {
  const taskQueue = uniqueQueue('metrics');
  t.context.taskQueue = taskQueue;
  Object.assign(t.context, await devClient());
  t.context.created = await createWorker({
    temporal: { address: temporalAddress(), namespace: temporalNamespace() },
    taskQueue,
    // Installed already (./helpers/metrics-runtime.js), at the same address: nothing to do.
    telemetry: { metrics: { bindAddress: metricsAddress } },
    options: { maxCachedWorkflows: 0 },
    log: () => {},
  });
  t.context.running = t.context.created.run();
});

test.after.always(async (t) => {
  t.context.created?.shutdown();
  await t.context.running;
  await t.context.created?.connection.close();
  await t.context.connection?.close();
});

const start = (t: { context: { client: Client; taskQueue: string } }, ref: string, mode: string) =>
  t.context.client.workflow.start('Metered', {
    taskQueue: t.context.taskQueue,
    workflowId: `metered-${t.context.taskQueue}-${ref}`,
    args: [argsFor(irs, 'Metered', { ref, msisdn: MSISDN, mode })],
  });

test.serial('the worker serves svcflow counters per process, with definition labels only and no input value', async (t) => {
  const failing = await start(t, 'F', 'fail');
  const answered = await start(t, 'A', 'wait');
  const cancelled = await start(t, 'C', 'wait');
  const late = await start(t, 'L', 'wait');
  const regulator = await start(t, 'R', 'regulator');
  const computed = await start(t, 'X-secret-level', 'computed');
  t.is((await regulator.result()).outcome, 'escalated');
  t.is((await computed.result()).outcome, 'escalated');
  await answered.signal('decide', { ok: true });
  t.is((await answered.result()).outcome, 'resolved');
  await cancelled.cancel();
  await t.throwsAsync(cancelled.result(), { instanceOf: WorkflowFailedError });
  await t.throwsAsync(failing.result(), { instanceOf: WorkflowFailedError });
  t.is((await late.result()).outcome, 'late');
  const loop = await t.context.client.workflow.start('Looping', {
    taskQueue: t.context.taskQueue,
    workflowId: `looping-${t.context.taskQueue}`,
    args: [{ ...argsFor(looping, 'Looping', { ref: 'L' }), continueAsNewAfterEvents: 5 }],
  });
  t.is((await loop.result()).outcome, 'looped');
  t.not((await loop.describe()).runId, loop.firstExecutionRunId, 'it continued as new');

  // Metrics from workflow code get the TS SDK's camelCase `taskQueue`; its own say `task_queue`.
  const where = { process: 'Metered', taskQueue: t.context.taskQueue };
  const text = await eventually(async () => {
    const s = await scrape();
    return total(samples(s), 'svcflow_instances_completed_total', where) >= 2 && total(samples(s), 'svcflow_instances_cancelled_total', where) >= 1 ? s : undefined;
  }, 'the counters on /metrics');
  const all = samples(text);
  t.is(total(all, 'svcflow_instances_started_total', where), 6);
  t.is(total(all, 'svcflow_instances_completed_total', { ...where, outcome: 'resolved' }), 1);
  t.is(total(all, 'svcflow_instances_completed_total', { ...where, outcome: 'late' }), 1);
  t.is(total(all, 'svcflow_instances_failed_total', { ...where, code: 'not-eligible' }), 1);
  t.is(total(all, 'svcflow_instances_failed_total', where), 1);
  t.is(total(all, 'svcflow_instances_cancelled_total', where), 1);
  t.is(total(all, 'svcflow_escalations_total', { ...where, level: 'province' }), 1);
  t.is(total(all, 'svcflow_escalations_total', { ...where, level: 'group' }), 2, 'a timer, and an escalate to step');
  t.is(total(all, 'svcflow_escalations_total', { ...where, level: 'other' }), 1, 'a level computed from the input');
  t.false(text.includes('X-secret-level'), 'no input value as a label');
  t.is(total(all, 'svcflow_time_limits_missed_total', { ...where, step: 'answer' }), 1);
  t.is(total(all, 'svcflow_instances_started_total', { process: 'Looping', taskQueue: t.context.taskQueue }), 1, 'a continue-as-new is no new start');
  t.is(total(all, 'svcflow_instances_completed_total', { process: 'Looping', taskQueue: t.context.taskQueue, outcome: 'looped' }), 1);
  // Each series has the documented labels (besides the SDK's), in snake_case.
  for (const { name, labels } of METRIC_NAMES) {
    for (const s of all.filter((x) => x.name === name && x.labels.taskQueue === t.context.taskQueue)) {
      t.deepEqual(Object.keys(s.labels).filter((l) => !SDK_LABELS.includes(l)).sort(), [...labels].sort(), name);
    }
  }
  // The SDK's own metrics come out of the same endpoint, counters with `_total`.
  t.true(total(all, 'temporal_workflow_completed_total', { task_queue: t.context.taskQueue }) >= 2);
  // No input value anywhere: not the number (it is also the failure's message), not the business key.
  t.false(text.includes(MSISDN), 'the phone number is not in the scrape');
  for (const id of [`metered-${t.context.taskQueue}-`, `looping-${t.context.taskQueue}`]) t.false(text.includes(id), 'no workflow id in the scrape');

  // The dashboard names only metrics the endpoint serves.
  const dashboard = JSON.parse(readFileSync(fileURLToPath(new URL('../../docs/grafana-svcflow.json', import.meta.url)), 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ definition: string }> };
  };
  const exprs = [...dashboard.panels.flatMap((p) => p.targets ?? []).map((x) => x.expr), ...dashboard.templating.list.map((v) => v.definition)];
  t.true(exprs.length >= METRIC_NAMES.length, 'a panel per svcflow metric at least');
  const served = new Set(all.map((s) => s.name));
  for (const expr of exprs) {
    const names = [...expr.matchAll(/\b((?:svcflow|temporal)_[a-z0-9_]+)/g)].map((m) => m[1]!);
    t.true(names.length > 0, `${expr} names a metric`);
    for (const n of names) t.true(served.has(n), `${n} (in ${expr}) is served`);
  }
  for (const { name } of METRIC_NAMES) t.true(exprs.some((e) => e.includes(name)), `the dashboard shows ${name}`);
});

test('a malformed metrics address is refused with a TelemetryError that says what is expected', (t) => {
  for (const bad of ['localhost:9464', '9464', '127.0.0.1', '127.0.0.1:99999', '127.0.0.1:0', '::1:9464', '[127.0.0.1]:9464', '300.1.1.1:9464', ' 127.0.0.1:9464', '127.0.0.1:9464/metrics']) {
    const err = t.throws(() => parseBindAddress(bad), { instanceOf: TelemetryError }, bad);
    t.regex(err!.message, /expected <ip>:<port>/);
  }
  t.is(parseBindAddress('[::1]:9464').host, '::1');
  t.is(parseBindAddress('0.0.0.0:9464').port, 9464);
});

test('the Runtime is installed once: metrics on another address are refused, naming the one in use', (t) => {
  const err = t.throws(() => installTelemetry({ metrics: { bindAddress: '127.0.0.1:1' } }), { instanceOf: TelemetryError });
  t.true(err!.message.includes(metricsAddress));
});

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Runs `svcflow worker` until `ready` has seen its banner (or it exits), then stops it. */
function svcflowWorker(args: string[], ready: (stdout: string) => Promise<void>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, SVCFLOW_TASK_QUEUE: uniqueQueue('metrics-cli') };
  const child = spawn(process.execPath, [cli, 'worker', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
    if (stdout.includes('Stop with Ctrl-C')) void ready(stdout).finally(() => child.kill('SIGTERM'));
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('svcflow worker --metrics serves /metrics there and says where; a malformed address is one error line', async (t) => {
  const bad = await svcflowWorker(['--metrics', 'localhost:9464'], async () => {});
  t.is(bad.code, 1);
  t.is(bad.stderr.trim(), 'svcflow: error: invalid metrics address "localhost:9464": the host must be an IP address (IPv6 in brackets); expected <ip>:<port>, e.g. 127.0.0.1:9464 or [::1]:9464');
  const address = `127.0.0.1:${await freePort()}`;
  let scraped = '';
  const good = await svcflowWorker(['--metrics', address], async () => {
    scraped = await (await fetch(`http://${address}/metrics`)).text();
  });
  t.is(good.code, 0, good.stderr);
  t.true(good.stdout.includes(`metrics      http://${address}/metrics`), good.stdout);
  t.regex(scraped, /^temporal_worker_task_slots_available\{/m);
});
