/**
 * How a closed instance ended, as an operator reads it: the outcome of a completed one, or the
 * failure of a failed one, with its type and the step it failed at. Shared by `show` and `ps`.
 */
import type { Engine } from '../engine/engine.js';

export interface Ending {
  result?: unknown;
  failure?: { message: string; type?: string; step?: string };
}

export async function endingOf(engine: Engine, id: string): Promise<Ending> {
  try {
    return { result: await engine.result(id) };
  } catch (err) {
    type Cause = Error & { type?: string; details?: unknown[]; activityType?: string; cause?: Cause };
    const cause = (err as { cause?: Cause }).cause;
    // An activity's failure is wrapped ("Activity task failed"): the innermost cause says why.
    let root = cause;
    while (root?.cause) root = root.cause;
    const details = (root ?? cause)?.details?.[0] as { step?: string } | undefined;
    const activity = cause?.activityType && !root?.message.startsWith(cause.activityType) ? `${cause.activityType}: ` : '';
    return { failure: { message: root ? `${activity}${root.message}` : (err as Error).message, type: root?.type ?? undefined, step: details?.step } };
  }
}

/** One word for a table: the outcome, or the failure's type. */
export function endingWord(e: Ending): string {
  if (e.result !== undefined) return (e.result as { outcome?: string } | null)?.outcome ?? '';
  return e.failure?.type ?? (e.failure ? 'failed' : '');
}
