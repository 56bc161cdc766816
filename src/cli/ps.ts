/**
 * `svcflow ps`: the process instances Temporal's visibility knows, newest first, as a table —
 * id, process, version, status, business keys, current step (running) or outcome (closed), next
 * deadline, started — or as JSON with --json.
 */
import type { Engine, InstanceSummary, ListFilter } from '../engine/engine.js';
import { endingOf, endingWord } from './ending.js';
import { localTime, table, timeAndDistance, type TimeStyle } from './format.js';
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

export interface PsOptions extends ConnectionFlags, TimeStyle {
  process?: string;
  status?: keyof typeof STATUSES;
  limit: number;
  json?: boolean;
}

/** `RUNNING` → `running`, `TIMED_OUT` → `timed-out`, `CANCELLED` → `canceled`: as `--status` spells it. */
export const statusWord = (name: string) => (name === 'CANCELLED' ? 'canceled' : name.toLowerCase().replaceAll('_', '-'));

/** How many closed instances' outcomes are read from Temporal at once. */
const OUTCOME_READS = 8;

/** The outcome (completed) or failure type (failed) of each closed row, read from its history. */
async function outcomes(engine: Engine, rows: InstanceSummary[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const closed = rows.filter((r) => r.status === 'COMPLETED' || r.status === 'FAILED');
  for (let i = 0; i < closed.length; i += OUTCOME_READS) {
    await Promise.all(closed.slice(i, i + OUTCOME_READS).map(async (r) => out.set(r.id, endingWord(await endingOf(engine, r.id)))));
  }
  return out;
}

export async function psCommand(opts: PsOptions): Promise<number> {
  return withEngine(opts, async (engine) => {
    const filter: ListFilter = { process: opts.process, status: opts.status && STATUSES[opts.status], limit: opts.limit };
    const rows = await engine.list(filter);
    const ended = await outcomes(engine, rows);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(rows.map((r) => ({ ...r, status: statusWord(r.status), ...(ended.has(r.id) ? { outcome: ended.get(r.id) } : {}) })), null, 2)}\n`);
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
      r.businessKeys.join(' '),
      r.status === 'RUNNING' ? (r.currentStep ?? '') : (ended.get(r.id) ?? ''),
      r.nextDeadline ? timeAndDistance(r.nextDeadline, now, opts) : '',
      localTime(r.startTime, opts),
    ]);
    process.stdout.write(table(['ID', 'PROCESS', 'VERSION', 'STATUS', 'KEYS', 'STEP / OUTCOME', 'NEXT DEADLINE', 'STARTED'], cells));
    if (rows.length === opts.limit) process.stderr.write(`(the first ${opts.limit}; --limit shows more)\n`);
    return 0;
  });
}
