/**
 * The svcflow worker: hosts the process interpreter (workflows) and the system activities
 * on one task queue. Run as many as you like against the same task queue to scale out.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { connectionOptions, type TemporalConfig } from './connection.js';

export const DEFAULT_TASK_QUEUE = 'svcflow';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.js', import.meta.url));

export interface WorkerConfig {
  temporal: TemporalConfig;
  taskQueue?: string;
  activities?: WorkerOptions['activities'];
  /** Extra options passed to Temporal's Worker.create (tuning, interceptors, …). */
  options?: Partial<WorkerOptions>;
}

export async function createWorker(config: WorkerConfig): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(connectionOptions(config.temporal));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowsPath,
    activities: config.activities ?? {},
    ...config.options,
  });
  return { worker, connection };
}
