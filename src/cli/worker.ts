/**
 * `svcflow worker`: the process an operator runs (one or many, on any machine) against a
 * Temporal server or cluster and the svcflow database. It applies the migrations, hosts the
 * process interpreter and the system activities on one task queue, and on SIGINT/SIGTERM stops
 * taking new tasks, lets the ones in flight finish, and exits 0.
 */
import pg from 'pg';
import type { WorkerOptions } from '@temporalio/worker';
import { createWorker, DEFAULT_TASK_QUEUE } from '../engine/worker.js';
import { hostedModules, migrateAll } from './modules.js';
import { consoleSender, createSystemActivities, type MessageSender } from '../../modules/telecom/src/systems/index.js';
import { startOutboxRelay } from '../../modules/telecom/src/systems/notification.js';
import { CliError } from './errors.js';
import { engineConfig, redactUrl, unreachable, type ConnectionFlags } from './options.js';

/** The one place where the worker's activities are built: the system adapters, on the svcflow database. */
function buildActivities(deps: { pool: pg.Pool; sender: MessageSender | null }): NonNullable<WorkerOptions['activities']> {
  return createSystemActivities({ pool: deps.pool, sender: deps.sender });
}

export async function workerCommand(flags: ConnectionFlags & { http?: number; httpHost?: string; sms?: string }): Promise<number> {
  const config = await engineConfig(flags);
  const taskQueue = flags.taskQueue ?? DEFAULT_TASK_QUEUE;
  const log = (m: string) => process.stderr.write(`[svcflow worker] ${m}\n`);

  let applied: string[];
  try {
    applied = await migrateAll(config.databaseUrl, hostedModules());
  } catch (err) {
    throw unreachable(err, config);
  }
  const pool = new pg.Pool({ connectionString: config.databaseUrl });
  // Messages: printed (PII in the logs) only when asked; otherwise left in the outbox for the
  // operator's SMS gateway relay to send and mark.
  const sender = flags.sms === 'console' ? consoleSender : null;
  const activities = buildActivities({ pool, sender });
  let created;
  try {
    created = await createWorker({ temporal: config.temporal, taskQueue, activities, codec: config.codec });
  } catch (err) {
    await pool.end();
    throw unreachable(err, config);
  }
  const { worker, connection } = created;
  let http: { close(): Promise<void> } | undefined;
  try {
    http = flags.http === undefined ? undefined : await serveHttp(config, pool, flags.http, flags.httpHost ?? '127.0.0.1', sender);
  } catch (err) {
    await connection.close();
    await pool.end();
    throw new CliError(`cannot serve HTTP on port ${flags.http}: ${(err as Error).message}`);
  }
  // The outbox relay: messages whose send failed are sent again from here.
  const stopRelay = startOutboxRelay({ pool, sender, clock: () => new Date() });

  // Temporal's runtime also shuts its workers down on these signals; ours says so and counts.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: no new tasks; finishing the ones in flight`);
    worker.shutdown();
  };
  const onSigint = () => stop('SIGINT');
  const onSigterm = () => stop('SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);

  const names = Object.keys(activities);
  process.stdout.write(
    [
      'svcflow worker running',
      `  Temporal     ${config.temporal.address} (namespace ${config.temporal.namespace})`,
      `  PostgreSQL   ${redactUrl(config.databaseUrl)}`,
      `  migrations   ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`,
      `  task queue   ${taskQueue}`,
      `  payloads     ${config.codec ? `encrypted (key ${config.codec.current}, ${config.codec.keys.size} in the ring)` : 'plain JSON (set SVCFLOW_CODEC_KEYS to encrypt them)'}`,
      `  messages     ${sender ? 'printed on stderr (--sms console)' : 'left queued in notification_outbox for your SMS gateway relay (--sms console prints them)'}`,
      ...(http ? [`  HTTP         http://${flags.httpHost ?? '127.0.0.1'}:${flags.http} (POST /sms/inbound, POST /work-orders/:id/{ack,on-site,report})`] : []),
      `  activities   ${names.length ? `${names.length} registered` : 'none (processes that call activities wait until a worker with them polls)'}`,
      'Stop with Ctrl-C or SIGTERM.',
      '',
    ].join('\n'),
  );
  try {
    await worker.run();
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    stopRelay();
    await http?.close();
    await connection.close();
    await pool.end();
  }
  log('stopped');
  return 0;
}

/** The HTTP endpoints next to the worker: they need the engine (to route SMS and reports). */
async function serveHttp(config: Awaited<ReturnType<typeof engineConfig>>, pool: pg.Pool, port: number, host: string, sender: MessageSender | null): Promise<{ close(): Promise<void> }> {
  const { createEngine } = await import('../engine/engine.js');
  const { createHttpServer } = await import('../../modules/telecom/src/http/routes.js');
  const engine = await createEngine(config);
  const app = await createHttpServer({ engine, notification: { pool, sender, clock: () => new Date() } });
  try {
    await app.listen({ host, port });
  } catch (err) {
    await engine.close();
    throw err;
  }
  return {
    async close() {
      await app.close();
      await engine.close();
    },
  };
}
