/**
 * svcflow's patches, behind one baseline. Every `patched()` id costs a new history a marker and
 * an upsert of TemporalChangeVersion (about 270 bytes, what core writes for a patch), once per id:
 * five of them in a plain run with a wait and a parallel. So each instance asks once, at its
 * first activation, for the baseline patch: an instance started on this code has it, and every
 * behaviour guarded by an older patch is simply on, with no marker of its own. A history recorded
 * before the baseline lacks its marker; there each older patch is asked as before, and is on
 * exactly where that history holds its marker.
 *
 * A change that alters history from now on gets a patch of its own, asked through `patched()`
 * below like the others; at the next baseline it folds into it.
 */
import * as wf from '@temporalio/workflow';

export const BASELINE_PATCH = 'svcflow-baseline-2026-12';

/** `patched(id)` for one instance: true when it started on the baseline, else Temporal's answer for `id`. */
export type Patched = (id: string) => boolean;

/** Asks for the baseline; call once, at the start of the workflow function, before any command. */
export function instancePatches(): Patched {
  const baseline = wf.patched(BASELINE_PATCH);
  return (id) => baseline || wf.patched(id);
}
