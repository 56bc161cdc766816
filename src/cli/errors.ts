/**
 * How the CLI reports a failure: one line `svcflow: error: …` on stderr (and a `  hint: …` line
 * when there is something to do about it), exit 1, never a stack trace (SVCFLOW_DEBUG=1 shows one).
 * Light on purpose: main.ts loads it for every command, so Temporal's errors are told by name.
 */
import { SvcflowError } from '../engine/errors.js';

/** A user-facing failure that is not about the DSL (a missing file, bad JSON, a server down). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

const HINTS: Record<string, string> = {
  'engine/unknown-instance': '`svcflow ps` lists the instances',
  'engine/not-running': '`svcflow show <id>` shows how it ended',
  'engine/unknown-signal': 'send one of the names it waits for; `svcflow show <id>` shows what it waits for now',
};

/** What to print for an error: a message and maybe a hint. */
export function describeError(err: unknown): { message: string; hint?: string } {
  if (err instanceof CliError) return { message: err.message, hint: err.hint };
  if (err instanceof SvcflowError) return { message: err.message, hint: HINTS[err.code] };
  if (!(err instanceof Error)) return { message: String(err) };
  const first = err.message.split('\n')[0]!;
  switch (err.name) {
    case 'WorkflowExecutionAlreadyStartedError': {
      const id = (err as Error & { workflowId?: string }).workflowId;
      return { message: `an instance with id '${id}' already exists`, hint: 'give another --id, or leave --id out for a generated one' };
    }
    case 'NamespaceNotFoundError':
      return { message: first, hint: 'check --namespace / TEMPORAL_NAMESPACE' };
    case 'WorkflowNotFoundError':
      return { message: first, hint: HINTS['engine/unknown-instance'] };
    default:
      return { message: first };
  }
}

/** Writes the error to stderr as the CLI's one-line report. */
export function reportError(err: unknown): void {
  if (process.env.SVCFLOW_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  const { message, hint } = describeError(err);
  process.stderr.write(`svcflow: error: ${message}\n${hint ? `  hint: ${hint}\n` : ''}`);
}
