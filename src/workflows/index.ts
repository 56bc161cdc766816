/**
 * The workflow bundle the svcflow worker loads. Deterministic code only (see eslint.config.js).
 * The default export is a dynamic workflow: it runs every process, under the process's own
 * name as workflow type (`Installation`, `Repair`, …), from the IR it was started with.
 */
import { runProcess, type ProcessArgs } from './run-process.js';
import { metered } from './metrics.js';

/**
 * Not async: each pending async frame costs every cached waiting instance a promise and the
 * source-mapped stack trace the SDK keeps for it (1.5 KiB each). The interpreter keeps its chain
 * of awaits short for the same reason (interpret.ts `block`, run-process.ts `wait`).
 */
export default function svcflowProcess(args: ProcessArgs): ReturnType<typeof runProcess> {
  // Started, completed, failed, cancelled: svcflow's metrics (nothing in history).
  return metered(() => runProcess(args));
}
