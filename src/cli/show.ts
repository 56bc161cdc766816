/**
 * `svcflow show <id>`: one instance as an operator asks about it — which process and version,
 * its status, and while it runs the state query's answer (current step, what it waits for and
 * until when, escalation, pending compensations, variables with PII masked by the workflow);
 * once it has ended, its outcome or failure. `--json` prints the same as data.
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { Engine } from '../engine/engine.js';
import { UnknownInstanceError } from '../engine/errors.js';
import type { ProcessState } from '../workflows/run-process.js';
import { EscalationLevel, NextDeadline, Owner, ProcessHash, ProcessVersion } from '../workflows/search-attributes.js';
import { compactJson, localTime, timeAndDistance, type TimeStyle } from './format.js';
import { endingOf } from './ending.js';
import { compensationsRun, type CompensationRun } from './history.js';
import { withEngine, type ConnectionFlags } from './options.js';
import { statusWord } from './ps.js';

export interface ShowOptions extends ConnectionFlags, TimeStyle {
  json?: boolean;
}

/** How long `show` waits for a worker to answer the state query. */
const QUERY_TIMEOUT_MS = 10_000;

export interface Shown {
  id: string;
  runId: string;
  process: string;
  version?: number;
  hash?: string;
  status: string;
  taskQueue: string;
  startTime: Date;
  closeTime?: Date;
  /** Who owns it (the process's `owner` declaration: the Owner search attribute). */
  owner?: string;
  /** The level it stands at (the EscalationLevel search attribute), also once it has closed. */
  escalationLevel?: string;
  nextDeadline?: Date;
  state?: ProcessState;
  /** Why there is no state although the instance runs (no worker answered). */
  stateUnavailable?: string;
  result?: unknown;
  failure?: { message: string; type?: string; step?: string };
  /** The compensations that ran (or run now), oldest first. */
  compensated: CompensationRun[];
}

async function describe(engine: Engine, id: string): Promise<WorkflowExecutionDescription> {
  try {
    return await engine.client.workflow.getHandle(id).describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new UnknownInstanceError(id);
    throw err;
  }
}

export async function inspect(engine: Engine, id: string): Promise<Shown> {
  const d = await describe(engine, id);
  const version = d.typedSearchAttributes.get(ProcessVersion);
  const shown: Shown = {
    id: d.workflowId,
    runId: d.runId,
    process: d.type,
    version,
    // Instances from before 2026-12 carry it; else the registry's, for the version (never changed).
    hash: d.typedSearchAttributes.get(ProcessHash) ?? (version === undefined ? undefined : await engine.registry.hashOf(d.type, version)),
    status: statusWord(d.status.name),
    taskQueue: d.taskQueue,
    startTime: d.startTime,
    closeTime: d.closeTime,
    owner: d.typedSearchAttributes.get(Owner),
    escalationLevel: d.typedSearchAttributes.get(EscalationLevel),
    compensated: await compensationsRun(engine.client, id),
  };
  if (d.status.name === 'RUNNING') {
    shown.nextDeadline = d.typedSearchAttributes.get(NextDeadline);
    try {
      shown.state = await engine.client.connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => engine.query(id));
    } catch (err) {
      shown.stateUnavailable = `${(err as Error).message.split('\n')[0]} — is a worker polling task queue ${d.taskQueue}? (svcflow worker)`;
    }
  } else if (d.status.name === 'COMPLETED' || d.status.name === 'FAILED') {
    Object.assign(shown, await endingOf(engine, id));
  }
  return shown;
}

function waitingFor(w: NonNullable<ProcessState['waiting']>): string {
  if (w.type === 'message') return `message ${w.channel} (${Object.entries(w.keys).map(([k, v]) => `${k}=${v}`).join(', ')})`;
  return `${w.type} '${w.name}'`;
}

export function render(s: Shown, now = Date.now(), style: TimeStyle = {}): string {
  const lines: Array<[string, string]> = [];
  const add = (label: string, value: string | undefined) => value !== undefined && value !== '' && lines.push([label, value]);
  add('process', `${s.process}${s.version === undefined ? '' : ` v${s.version}`}${s.hash ? ` (definition ${s.hash.slice(0, 12)})` : ''}`);
  add('status', s.state?.status === 'compensating' ? 'running (compensating)' : s.status);
  add('started', localTime(s.startTime, style));
  if (s.closeTime) add('ended', localTime(s.closeTime, style));
  add('owner', s.owner);
  if (s.state) {
    add('current step', s.state.currentStep);
    if (s.state.waiting) add('waiting for', waitingFor(s.state.waiting));
    const deadline = s.state.waiting?.deadline ?? s.nextDeadline?.toISOString();
    if (deadline) add('deadline', timeAndDistance(new Date(deadline), now, style));
    add('escalated to', s.state.escalationLevel ?? s.escalationLevel);
    if (s.state.pendingCompensations.length) add('compensations', `${s.state.pendingCompensations.join(', ')} (run in reverse if it fails or is canceled)`);
  } else {
    if (s.stateUnavailable) add('state', `unavailable: ${s.stateUnavailable}`);
    if (s.stateUnavailable && s.nextDeadline) add('deadline', timeAndDistance(s.nextDeadline, now, style));
    add('escalated to', s.escalationLevel);
  }
  if (s.result !== undefined) {
    const r = s.result as { outcome?: string; output?: unknown };
    add('outcome', r.outcome ?? compactJson(r));
    if (r.output !== undefined && r.output !== null) add('output', compactJson(r.output));
  }
  for (const [i, c] of s.compensated.entries()) {
    add(i === 0 ? 'compensated' : '', `${c.step} by ${c.activity}: ${c.status}${c.scheduledAt ? ` (${localTime(c.scheduledAt, style)})` : ''}`);
  }
  if (s.failure) add('failure', `${s.failure.message}${s.failure.type ? ` [${s.failure.type}]` : ''}${s.failure.step ? ` at step ${s.failure.step}` : ''}`);
  add('task queue', s.taskQueue);
  const width = Math.max(...lines.map(([l]) => l.length));
  let out = `${s.id}\n${lines.map(([l, v]) => `  ${l.padEnd(width)}  ${v}`).join('\n')}\n`;
  const vars = Object.entries(s.state?.variables ?? {});
  if (vars.length) {
    const w = Math.max(...vars.map(([k]) => k.length));
    out += `  variables (PII masked)\n${vars.map(([k, v]) => `    ${k.padEnd(w)}  ${compactJson(v)}`).join('\n')}\n`;
  }
  return out;
}

export async function showCommand(id: string, opts: ShowOptions): Promise<number> {
  return withEngine(opts, async (engine) => {
    const shown = await inspect(engine, id);
    process.stdout.write(opts.json ? `${JSON.stringify(shown, null, 2)}\n` : render(shown, Date.now(), opts));
    return 0;
  });
}
