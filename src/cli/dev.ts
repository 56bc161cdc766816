/**
 * `svcflow dev` (what `npm start` runs): brings up the stack on embedded defaults — the Temporal
 * dev server with its Web UI on :8233 and state in .svcflow/temporal.db, PostgreSQL with data in
 * .svcflow/postgres — applies the migrations, deploys processes/*.flow, and runs a worker
 * hosting the PostgreSQL systems plus the HTTP endpoints (:8088), until Ctrl-C; then stops
 * everything it started.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceFromBytes } from '../dsl/compile.js';
import { DEV_CODEC_PORT, DEV_UI_PORT, startStack } from '../infra/stack.js';
import { devCodecKeys } from '../infra/codec-keys.js';
import { createCodecServer } from '../engine/codec-server.js';
import { stderrLogger } from '../infra/log.js';
import { DEFAULT_TASK_QUEUE } from '../engine/worker.js';
import { temporalConfigFromEnv } from '../engine/connection.js';
import type { Engine } from '../engine/engine.js';
import { createRuntime } from '../engine/runtime.js';
import { DEFAULT_METRICS_ADDRESS, installTelemetry, metricsFromEnv, type MetricsOptions } from '../engine/telemetry.js';
import { tracingFromEnv, tracingTarget } from '../engine/tracing.js';
import { VersionConflictError } from '../engine/errors.js';
import { consoleSender } from '../../modules/telecom/index.js';
import { redactUrl } from './options.js';
import { hostedModules } from './modules.js';
import { CliError } from './errors.js';
import { projectCatalog } from './catalog.js';

export const DEFAULT_HTTP_PORT = 8088;

export interface DevOptions {
  taskQueue?: string;
  processes?: string;
  httpPort?: number;
}

export async function dev(options: DevOptions): Promise<void> {
  const log = stderrLogger;
  // Payloads are encrypted in history; the Web UI decrypts them through the codec server.
  const codec = devCodecKeys();
  const codecPort = Number(process.env.SVCFLOW_CODEC_PORT ?? DEV_CODEC_PORT);
  const codecUrl = `http://127.0.0.1:${codecPort}`;
  const stack = await startStack({ mode: 'dev', log, uiCodecEndpoint: `${codecUrl}/${codec.token}` });
  const cleanup: Array<() => Promise<unknown>> = [() => stack.stop()];
  const stopAll = async () => {
    for (const step of cleanup.reverse()) await step().catch((err) => log(`while stopping: ${(err as Error).message}`));
  };
  let stopping = false;
  try {
    const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    const temporal = { ...temporalConfigFromEnv(stack.temporal.address), namespace: stack.temporal.namespace };
    // The project's systems (svcflow.config.json): what the processes deployed here are checked against.
    const { catalog, diagnostics } = await projectCatalog();
    if (diagnostics.some((d) => d.severity === 'error')) throw new CliError(`the project's system declarations have errors: run svcflow check on them`);
    const httpPort = options.httpPort ?? Number(process.env.SVCFLOW_HTTP_PORT ?? DEFAULT_HTTP_PORT);
    const metrics = devMetrics(log);
    // Traces only when the standard OpenTelemetry variables point at a collector.
    const tracing = tracingFromEnv();
    // The telecom module with its demo data (plans, areas, templates, a few accounts); its SMS
    // replies arrive on its declared channel.
    const runtime = await createRuntime({
      temporal,
      databaseUrl: stack.databaseUrl,
      taskQueue,
      codec: codec.keys,
      modules: hostedModules({ sender: consoleSender }),
      demo: true,
      catalog,
      http: { port: httpPort },
      telemetry: { ...(metrics ? { metrics } : {}), ...(tracing ? { tracing } : {}) },
      log,
    });
    cleanup.push(() => runtime.stop());
    await deployFolder(runtime.engine, options.processes ?? 'processes', log);
    const codecServer = await createCodecServer({ keys: codec.keys, token: codec.token, uiOrigin: stack.temporal.uiUrl ?? `http://localhost:${DEV_UI_PORT}` });
    await codecServer.listen({ host: '127.0.0.1', port: codecPort });
    cleanup.push(() => codecServer.close());
    await runtime.start();

    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: shutting down the worker and the servers`);
      void runtime.stop();
    };
    // The SDK's own signal handling would also shut the worker down; ours adds the servers.
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    console.log(`svcflow is running.
  Temporal      ${stack.temporal.address} (namespace ${stack.temporal.namespace})
  Web UI        ${stack.temporal.uiUrl ?? '(the UI of your Temporal cluster)'}
  PostgreSQL    ${redactUrl(stack.databaseUrl)}
  HTTP          http://127.0.0.1:${httpPort} (POST /channels/:channel/messages, /instances/:id/{signals,updates}/:name, /sms/inbound, /work-orders/:id/{ack,on-site,report})
  metrics       ${metrics ? `http://${metrics.bindAddress}/metrics (Prometheus; Grafana dashboard: docs/grafana-svcflow.json)` : 'off'}
  traces        ${tracing ? `OpenTelemetry, OTLP/HTTP to ${tracingTarget(tracing)}` : 'off (OTEL_EXPORTER_OTLP_ENDPOINT turns them on)'}
  codec server  ${codecUrl} (payloads are encrypted in history; keys and token in .svcflow/codec-keys, .svcflow/codec-token)
  task queue    ${taskQueue}
Start a process with:  svcflow start SecondaryConfirmation --input @input.json
Press Ctrl-C to stop.`);
    await runtime.finished;
  } finally {
    await stopAll();
    log('stopped');
  }
}

/**
 * Prometheus metrics on 127.0.0.1:9464 unless SVCFLOW_METRICS says another address or `off`;
 * a port already taken is said and the stack runs without them (a malformed address is refused:
 * metricsFromEnv throws before anything is installed).
 */
function devMetrics(log: (m: string) => void): MetricsOptions | undefined {
  const metrics = process.env.SVCFLOW_METRICS === undefined ? { bindAddress: DEFAULT_METRICS_ADDRESS } : metricsFromEnv();
  if (!metrics) return undefined;
  try {
    installTelemetry({ metrics });
    return metrics;
  } catch (err) {
    log(`${(err as Error).message}: running without metrics (SVCFLOW_METRICS=<ip>:<port> serves them elsewhere)`);
    return undefined;
  }
}

/** Deploys every .flow file of a folder; a changed file that kept its version is reported, not fatal. */
async function deployFolder(engine: Engine, dir: string, log: (m: string) => void): Promise<void> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.flow'));
  } catch {
    log(`no ${dir}/ folder: nothing deployed`);
    return;
  }
  const sources = files.map((f) => sourceFromBytes(join(dir, f), readFileSync(join(dir, f))));
  try {
    const deployed = await engine.deploy(sources);
    const fresh = deployed.filter((d) => d.created);
    log(`deployed ${deployed.length} process(es) from ${dir}/${fresh.length ? ` (new: ${fresh.map((d) => `${d.name} v${d.version}`).join(', ')})` : ' (all already deployed)'}`);
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
    log(`${err.message}; the running worker keeps the deployed versions`);
  }
}
