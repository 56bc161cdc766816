/**
 * The workflow bundle the svcflow worker loads. Deterministic code only (see eslint.config.js).
 * The default export is a dynamic workflow: it runs every process, under the process's own
 * name as workflow type (`Installation`, `Repair`, …), from the IR it was started with.
 */
import { runProcess, type ProcessArgs } from './run-process.js';

export default async function svcflowProcess(args: ProcessArgs) {
  return runProcess(args);
}
