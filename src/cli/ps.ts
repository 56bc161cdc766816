/**
 * `svcflow ps`: the process instances Temporal's visibility knows, newest first, as a table —
 * id, process, version, status, current step, next deadline, started — or as JSON with --json.
 */
import type { ListFilter } from '../engine/engine.js';
import { localTime, table, timeAndDistance } from './format.js';
import { withEngine, type ConnectionFlags } from './options.js';

/** What `--status` accepts, and the ExecutionStatus each stands for. */
export const STATUSES = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  canceled: 'Canceled',
  terminated: 'Terminated',
  'timed-out': 'TimedOut',
  'continued-as-new': 'ContinuedAsNew',
} as const satisfies Record<string, NonNullable<ListFilter['status']>>;

export interface PsOptions extends ConnectionFlags {
  process?: string;
  status?: keyof typeof STATUSES;
  limit: number;
  json?: boolean;
}

/** `RUNNING` → `running`, `TIMED_OUT` → `timed-out`, `CANCELLED` → `canceled`: as `--status` spells it. */
export const statusWord = (name: string) => (name === 'CANCELLED' ? 'canceled' : name.toLowerCase().replaceAll('_', '-'));

export async function psCommand(opts: PsOptions): Promise<number> {
  return withEngine(opts, async (engine) => {
    const filter: ListFilter = { process: opts.process, status: opts.status && STATUSES[opts.status], limit: opts.limit };
    const rows = await engine.list(filter);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(rows.map((r) => ({ ...r, status: statusWord(r.status) })), null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      process.stderr.write('no process instances match\n');
      return 0;
    }
    const now = Date.now();
    const cells = rows.map((r) => [
      r.id,
      r.process,
      r.version === undefined ? '' : `v${r.version}`,
      statusWord(r.status),
      r.status === 'RUNNING' ? (r.currentStep ?? '') : '',
      r.nextDeadline ? timeAndDistance(r.nextDeadline, now) : '',
      localTime(r.startTime),
    ]);
    process.stdout.write(table(['ID', 'PROCESS', 'VERSION', 'STATUS', 'STEP', 'NEXT DEADLINE', 'STARTED'], cells));
    if (rows.length === opts.limit) process.stderr.write(`(the first ${opts.limit}; --limit shows more)\n`);
    return 0;
  });
}
