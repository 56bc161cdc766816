/**
 * `svcflow start | signal | update | cancel`: steering one process instance. Input and
 * payloads are read (and their JSON checked) before any connection is opened; the engine then
 * checks them against the process's declared types before anything reaches Temporal.
 *
 * What goes to stdout is data (the workflow id, an update's result); what is said to the
 * operator goes to stderr, so `id=$(svcflow start …)` works.
 */
import type { ProcessIR } from '../ir/schema.js';
import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine/engine.js';
import type { ProcessState } from '../workflows/run-process.js';
import { readJsonArg, withEngine, type ConnectionFlags } from './options.js';

export interface StartOptions extends ConnectionFlags {
  input?: string;
  id?: string;
  version?: number;
}

export interface PayloadOptions extends ConnectionFlags {
  data?: string;
}

/** `Installation-5f2c9a01be`: unique enough, and says what it is (for a process with no `index`). */
export const generatedId = (process: string) => `${process}-${randomBytes(5).toString('hex')}`;

/**
 * The default workflow id: the process and its business keys (`Installation-O-1-AC-2`, from
 * `index orderId, accountId`), so an operator finds an instance by what the business calls it, and
 * a second start for the same order is refused (a business id names one instance); a random one
 * when the process indexes nothing, or not every index field is given. A @pii index field is left
 * out: a workflow id is plain text wherever Temporal shows it (its key is searchable as a hash).
 */
export function defaultId(ir: Pick<ProcessIR, 'name' | 'index' | 'input'>, input: unknown): string {
  const record = (input && typeof input === 'object' && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
  const values = ir.index.map((f) => (Object.hasOwn(record, f) ? record[f] : undefined));
  if (!values.length || values.some((v) => v === undefined || v === null || typeof v === 'object')) return generatedId(ir.name);
  const plain = ir.index.flatMap((f, i) => (ir.input.some((x) => x.name === f && x.pii) ? [] : [String(values[i])]));
  return plain.length ? `${ir.name}-${plain.join('-')}` : generatedId(ir.name);
}

export async function startCommand(processName: string, opts: StartOptions): Promise<number> {
  const input = opts.input === undefined ? {} : await readJsonArg(opts.input, '--input');
  return withEngine(opts, async (engine) => {
    const deployed = await engine.registry.get(processName, opts.version);
    const id = opts.id ?? defaultId(deployed?.ir ?? { name: processName, index: [], input: [] }, input);
    const started = await engine.start(processName, input, { id, version: opts.version });
    process.stdout.write(`${started.id}\n`);
    process.stderr.write(`started ${processName}${opts.version ? ` v${opts.version}` : ''} (definition ${started.hash.slice(0, 12)}, run ${started.runId})\n`);
    return 0;
  });
}

export async function signalCommand(id: string, name: string, opts: PayloadOptions): Promise<number> {
  const payload = opts.data === undefined ? null : await readJsonArg(opts.data, '--data');
  return withEngine(opts, async (engine) => {
    await engine.signal(id, name, payload);
    process.stderr.write(`signal '${name}' sent to ${id}\n`);
    const waiting = await waitingNow(engine, id);
    if (waiting && !waiting.waits.some((w) => w.type === 'signal' && w.name === name)) {
      process.stderr.write(
        `warning: ${id} is not waiting for '${name}' now (current step: ${waiting.currentStep}); the signal is kept until a wait for '${name}' takes it, and is lost if none ever does\n`,
      );
    }
    return 0;
  });
}

/** How long `signal` waits for the state query before it says nothing about the waits. */
const STATE_TIMEOUT_MS = 5_000;

/** What the instance waits for now, or undefined when no worker answers in time. */
async function waitingNow(engine: Engine, id: string): Promise<ProcessState | undefined> {
  try {
    return await engine.client.connection.withDeadline(Date.now() + STATE_TIMEOUT_MS, () => engine.query(id));
  } catch {
    return undefined;
  }
}

export async function updateCommand(id: string, name: string, opts: PayloadOptions): Promise<number> {
  const payload = opts.data === undefined ? null : await readJsonArg(opts.data, '--data');
  return withEngine(opts, async (engine) => {
    const result = await engine.update(id, name, payload);
    process.stdout.write(`${JSON.stringify(result ?? null, null, 2)}\n`);
    return 0;
  });
}

export async function cancelCommand(id: string, opts: ConnectionFlags): Promise<number> {
  return withEngine(opts, async (engine) => {
    await engine.cancel(id);
    process.stderr.write(`cancellation of ${id} requested: its compensations run, then it ends as canceled (svcflow show ${id})\n`);
    return 0;
  });
}
