/**
 * `svcflow worker`: the process an operator runs (one or many, on any machine) against a
 * Temporal server or cluster and the svcflow database. Through the runtime assembly
 * (src/engine/runtime.ts) it registers svcflow's search attributes on that Temporal, applies the
 * migrations (the engine's and the telecom module's), hosts the process interpreter and the
 * module's activities on one task queue, runs its relays, and with --http serves the HTTP
 * endpoints; on SIGINT/SIGTERM it stops taking new tasks, lets the ones in flight finish, and exits 0.
 */
import { DEFAULT_TASK_QUEUE } from '../engine/worker.js';
import { createRuntime, type Runtime } from '../engine/runtime.js';
import { metricsFromEnv, parseBindAddress } from '../engine/telemetry.js';
import { checkOtlpUrl, tracingFromEnv, tracingTarget } from '../engine/tracing.js';
import { consoleSender } from '../../modules/telecom/index.js';
import { CliError } from './errors.js';
import { hostedModules } from './modules.js';
import { engineConfig, redactUrl, unreachable, type ConnectionFlags } from './options.js';

export async function workerCommand(flags: ConnectionFlags & { http?: number; httpHost?: string; sms?: string; metrics?: string; otlp?: string }): Promise<number> {
  const config = await engineConfig(flags);
  // Refused here, before anything starts, when malformed.
  const metrics = flags.metrics === undefined ? metricsFromEnv() : { bindAddress: parseBindAddress(flags.metrics).bindAddress };
  const tracing = flags.otlp === undefined ? tracingFromEnv() : { otlp: { url: checkOtlpUrl(flags.otlp) } };
  const taskQueue = flags.taskQueue ?? DEFAULT_TASK_QUEUE;
  const log = (m: string) => process.stderr.write(`[svcflow worker] ${m}\n`);
  // Messages: printed (PII in the logs) only when asked; otherwise left in the outbox for the
  // operator's SMS gateway relay to send and mark.
  const sender = flags.sms === 'console' ? consoleSender : null;
  const host = flags.httpHost ?? '127.0.0.1';
  let runtime: Runtime;
  try {
    runtime = await createRuntime({
      temporal: config.temporal,
      databaseUrl: config.databaseUrl,
      codec: config.codec,
      taskQueue,
      modules: hostedModules({ sender }),
      ...(flags.http === undefined ? {} : { http: { port: flags.http, host } }),
      telemetry: { ...(metrics ? { metrics } : {}), ...(tracing ? { tracing } : {}) },
      log: (m) => process.stderr.write(`[svcflow] ${m}\n`),
    });
  } catch (err) {
    throw unreachable(err, config);
  }
  try {
    await runtime.start();
  } catch (err) {
    await runtime.stop();
    throw new CliError(`cannot serve HTTP on port ${flags.http}: ${(err as Error).message}`);
  }

  // Temporal's runtime also shuts its workers down on these signals; ours says so and counts.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: no new tasks; finishing the ones in flight`);
    void runtime.stop();
  };
  const onSigint = () => stop('SIGINT');
  const onSigterm = () => stop('SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);

  const names = runtime.activities;
  process.stdout.write(
    [
      'svcflow worker running',
      `  Temporal     ${config.temporal.address} (namespace ${config.temporal.namespace})`,
      `  PostgreSQL   ${redactUrl(config.databaseUrl)}`,
      `  migrations   ${runtime.applied.length ? `applied ${runtime.applied.join(', ')}` : 'up to date'}`,
      `  task queue   ${taskQueue}`,
      `  payloads     ${config.codec ? `encrypted (key ${config.codec.current}, ${config.codec.keys.size} in the ring)` : 'plain JSON (set SVCFLOW_CODEC_KEYS to encrypt them)'}`,
      `  messages     ${sender ? 'printed on stderr (--sms console)' : 'left queued in notification_outbox for your SMS gateway relay (--sms console prints them)'}`,
      ...(flags.http === undefined ? [] : [`  HTTP         http://${host}:${flags.http} (POST /channels/:channel/messages, /instances/:id/{signals,updates}/:name, /sms/inbound, /work-orders/:id/{ack,on-site,report})`]),
      `  metrics      ${metrics ? `http://${metrics.bindAddress}/metrics (Prometheus)` : 'off (--metrics <ip:port> or SVCFLOW_METRICS serve them)'}`,
      `  traces       ${tracing ? `OpenTelemetry, OTLP/HTTP to ${tracingTarget(tracing)}` : 'off (--otlp <url> or OTEL_EXPORTER_OTLP_ENDPOINT turn them on)'}`,
      `  activities   ${names.length ? `${names.length} registered` : 'none (processes that call activities wait until a worker with them polls)'}`,
      'Stop with Ctrl-C or SIGTERM.',
      '',
    ].join('\n'),
  );
  try {
    await runtime.finished;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    await runtime.stop();
  }
  log('stopped');
  return 0;
}
