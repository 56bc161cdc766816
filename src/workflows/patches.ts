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
 * below like the others but not folded (FOLDED_PATCHES is frozen); at the next baseline it folds in.
 */
import * as wf from '@temporalio/workflow';

export const BASELINE_PATCH = 'svcflow-baseline-2026-12';

/**
 * The patches the baseline stands for, frozen with it: an instance on the baseline takes their
 * new paths. A patch added later is not here, and is asked of Temporal on every instance, so a
 * history recorded on the baseline before that patch replays as it ran. (The next baseline, under
 * a new id, folds them in.)
 */
export const FOLDED_PATCHES: readonly string[] = Object.freeze([
  'svcflow-payloads-checked',
  'svcflow-checks-tightened',
  'svcflow-earliest-deadline',
  'svcflow-waiting-for-cleared',
  'svcflow-child-per-iteration',
  'svcflow-continue-as-new',
  'svcflow-escalation-fails',
  'svcflow-cancel-waits',
  'svcflow-cancelled-wait',
  'svcflow-start-checked',
  'svcflow-carry-checked',
  'svcflow-closed-step',
  'svcflow-branches-settle',
  'svcflow-level-kept',
]);

/** `patched(id)` for one instance: true for a folded patch when it started on the baseline, else Temporal's answer for `id`. */
export type Patched = (id: string) => boolean;

/** Asks for the baseline; call once, at the start of the workflow function, before any command. */
export function instancePatches(): Patched {
  const baseline = wf.patched(BASELINE_PATCH);
  return (id) => (baseline && FOLDED_PATCHES.includes(id)) || wf.patched(id);
}
