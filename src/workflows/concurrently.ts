/**
 * `parallel` on Temporal: every branch runs in a cancellation scope of its own. `all` waits for
 * every branch, `first` for the first to end (the others are cancelled and awaited).
 *
 * When a branch fails — `fail`, an activity's failure, or an `end`, which ends the whole
 * process — the other branches are cancelled, and awaited, before the failure goes on: the
 * compensations then run alone, and they undo what the cancelled branches did before they
 * stopped (an activity in flight is awaited, see CANCEL_WAITS_PATCH in run-process.ts). The
 * first failure is the one the process fails with.
 */
import * as wf from '@temporalio/workflow';
import type { Patched } from './patches.js';

/** Guards cancelling and awaiting the other branches when one fails: histories from before it went on at once. */
export const BRANCHES_SETTLE_PATCH = 'svcflow-branches-settle';

export async function concurrently<T>(mode: 'all' | 'first', branches: Array<() => Promise<T>>, patched: Patched): Promise<T[]> {
  const scopes = branches.map(() => new wf.CancellationScope());
  const runs = branches.map((b, i) => scopes[i]!.run(b));
  try {
    if (mode === 'all') return await Promise.all(runs);
    const winner = await Promise.race(runs.map((r, i) => r.then((v) => ({ i, v }))));
    scopes.forEach((s, i) => i !== winner.i && s.cancel());
    await Promise.allSettled(runs);
    return [winner.v];
  } catch (err) {
    if (patched(BRANCHES_SETTLE_PATCH)) {
      for (const s of scopes) s.cancel();
      await Promise.allSettled(runs);
    }
    throw err;
  }
}
