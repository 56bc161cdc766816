/**
 * `svcflow dev` (what `npm start` runs): brings up the stack on embedded defaults — the Temporal
 * dev server with its Web UI on :8233 and state in .svcflow/temporal.db, PostgreSQL with data in
 * .svcflow/postgres — and a worker, until Ctrl-C; then stops everything it started.
 */
import { startStack } from '../infra/stack.js';
import { stderrLogger } from '../infra/log.js';
import { createWorker, DEFAULT_TASK_QUEUE } from '../engine/worker.js';
import { temporalConfigFromEnv } from '../engine/connection.js';

export async function dev(options: { taskQueue?: string }): Promise<void> {
  const log = stderrLogger;
  const stack = await startStack({ mode: 'dev', log });
  let stopping = false;
  const { worker, connection } = await createWorker({
    temporal: { ...temporalConfigFromEnv(stack.temporal.address), namespace: stack.temporal.namespace },
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
  }).catch(async (err) => {
    await stack.stop();
    throw err;
  });
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down the worker and the servers`);
    worker.shutdown();
  };
  // The SDK's own signal handling would also shut the worker down; ours adds the servers.
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  console.log(`svcflow is running.
  Temporal      ${stack.temporal.address} (namespace ${stack.temporal.namespace})
  Web UI        ${stack.temporal.uiUrl ?? '(the UI of your Temporal cluster)'}
  PostgreSQL    ${redact(stack.databaseUrl)}
  task queue    ${options.taskQueue ?? DEFAULT_TASK_QUEUE}
Press Ctrl-C to stop.`);
  try {
    await worker.run();
  } finally {
    await connection.close();
    await stack.stop();
    log('stopped');
  }
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
