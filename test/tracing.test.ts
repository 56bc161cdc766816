/**
 * OpenTelemetry tracing through Temporal's interceptors, on the dev server of `npm test`: with
 * it on, a worker's instance gives spans for the workflow and its activity in one trace (the
 * workflow's come out of the sandbox through the interceptors' sink); with it off, none, no
 * trace header in history, and the same history as with it on.
 */
import anyTest, { type TestFn } from 'ava';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createWorker, type CreatedWorker } from '../src/engine/worker.js';
import { checkOtlpUrl, tracingFromEnv, tracingTarget } from '../src/engine/tracing.js';
import { TelemetryError } from '../src/engine/telemetry.js';
import { devClient, temporalAddress, temporalNamespace, uniqueQueue } from './helpers/servers.js';
import { argsFor, compileOrThrow, recordingActivities } from './helpers/runtime.js';

const test = anyTest as TestFn<{ client: Client; connection: Connection }>;

const irs = compileOrThrow(`process Traced version 1
  input { ref: string }
  index ref
  call dispatch.reserveNumber(number: "13900000000") as number
  end "done"
`);

// Whatever the global API would trace goes here too: with tracing off, nothing must.
const everything = new InMemorySpanExporter();
const global = new BasicTracerProvider();
global.addSpanProcessor(new SimpleSpanProcessor(everything));
trace.setGlobalTracerProvider(global);

test.before(async (t) => {
  Object.assign(t.context, await devClient());
});
test.after.always(async (t) => {
  await t.context.connection?.close();
});

/** Runs one Traced instance on a worker of its own; returns its id and its history's events. */
async function runOne(t: { context: { client: Client } }, tracing: Parameters<typeof createWorker>[0]['telemetry']) {
  const taskQueue = uniqueQueue('tracing');
  const created: CreatedWorker = await createWorker({
    temporal: { address: temporalAddress(), namespace: temporalNamespace() },
    taskQueue,
    activities: recordingActivities({ 'dispatch.reserveNumber': () => '13900000000' }).activities,
    ...(tracing ? { telemetry: tracing } : {}),
    log: () => {},
  });
  const running = created.run();
  try {
    const workflowId = `traced-${taskQueue}`;
    const handle = await t.context.client.workflow.start('Traced', { taskQueue, workflowId, args: [argsFor(irs, 'Traced', { ref: 'R-1' })] });
    await handle.result();
    const { events } = await handle.fetchHistory();
    return { workflowId, events: events ?? [] };
  } finally {
    created.shutdown();
    await running;
    await created.connection.close();
  }
}

const traceHeaders = (events: temporal.api.history.v1.IHistoryEvent[]) =>
  events.filter((e) => Object.keys(e.activityTaskScheduledEventAttributes?.header?.fields ?? {}).includes('_tracer-data')).length;
const types = (events: temporal.api.history.v1.IHistoryEvent[]) => events.map((e) => e.eventType);

test.serial('with tracing on, the workflow and its activity are spans of one trace; off, there are none and history is the same', async (t) => {
  const exporter = new InMemorySpanExporter();
  const on = await runOne(t, { tracing: { spanProcessor: new SimpleSpanProcessor(exporter) } });
  // The activity's span names the workflow; the workflow's spans carry its info (workflowId).
  const spans = exporter.getFinishedSpans().filter((s) => s.attributes.temporalWorkflowId === on.workflowId || s.attributes.workflowId === on.workflowId);
  const names = spans.map((s) => s.name);
  for (const name of ['RunWorkflow:Traced', 'StartActivity:dispatch.reserveNumber', 'RunActivity:dispatch.reserveNumber']) t.true(names.includes(name), `${name} in ${names.join(', ')}`);
  t.is(new Set(spans.map((s) => s.spanContext().traceId)).size, 1, 'one trace');
  const started = spans.find((s) => s.name.startsWith('StartActivity'))!;
  t.is(spans.find((s) => s.name.startsWith('RunActivity'))!.parentSpanId, started.spanContext().spanId, 'the activity runs under the workflow span that scheduled it');
  t.is(spans.find((s) => s.name.startsWith('RunWorkflow'))!.resource.attributes['service.name'], 'svcflow-worker');
  t.is(traceHeaders(on.events), 1);
  // Only plain values on the workflow's spans: not its search attributes, memo or last result.
  const run = spans.find((s) => s.name.startsWith('RunWorkflow'))!;
  t.is(run.attributes.workflowType, 'Traced');
  t.deepEqual(Object.entries(run.attributes).filter(([, v]) => typeof v === 'object' && !Array.isArray(v)).map(([k]) => k), []);

  everything.reset();
  const off = await runOne(t, undefined);
  t.deepEqual(everything.getFinishedSpans().map((s) => s.name), [], 'no span at all');
  t.is(traceHeaders(off.events), 0, 'no trace header in history');
  t.deepEqual(types(off.events), types(on.events), 'the same events');
});

test.serial('with an OTLP endpoint, the spans are posted there (OTLP/HTTP JSON) by the time the worker has stopped', async (t) => {
  const bodies: string[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      bodies.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
    const { workflowId } = await runOne(t, { tracing: { otlp: { url }, serviceName: 'svcflow-test' } });
    const posted = bodies.join('\n');
    t.regex(posted, /^POST \/v1\/traces /m);
    for (const s of ['RunWorkflow:Traced', 'RunActivity:dispatch.reserveNumber', workflowId, 'svcflow-test']) t.true(posted.includes(s), s);
  } finally {
    receiver.close();
  }
});

test('tracing is on with an OTLP endpoint in the standard OpenTelemetry variables, off without or when disabled', (t) => {
  t.is(tracingFromEnv({}), undefined);
  t.deepEqual(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), { otlp: {} });
  t.deepEqual(tracingFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces', OTEL_SERVICE_NAME: 'billing-worker' }), { otlp: {}, serviceName: 'billing-worker' });
  t.is(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }), undefined);
  t.is(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }), undefined);
  t.is(tracingTarget({ otlp: {} }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }), 'http://collector:4318/v1/traces');
  t.throws(() => tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), { instanceOf: TelemetryError, message: /invalid OTLP endpoint "collector:4318": expected an http:\/\/ or https:\/\/ URL/ });
  for (const bad of ['ftp://x/v1/traces', 'not a url', ' http://x:4318']) t.throws(() => checkOtlpUrl(bad), { instanceOf: TelemetryError }, bad);
});
