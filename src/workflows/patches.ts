/**
 * svcflow's patches, behind one baseline. Every `patched()` id costs a new history a marker and
 * an upsert of TemporalChangeVersion (about 270 bytes, what core writes for a patch), once per id:
 * five of them in a plain run with a wait and a parallel. So every behaviour guarded by an older
 * patch is simply on for an instance that started on the baseline, with no marker of its own.
 *
 * An instance knows it started on the baseline from its arguments: the engine starts it with
 * `baseline: BASELINE` (as it starts its children and continues it as new), which costs its
 * history 21 bytes and no marker at all. A start without it (a raw client's, or an engine from
 * before the argument) asks Temporal for the baseline patch once, at its first activation, as
 * every instance did before: a new one records its marker, and a history recorded before the
 * baseline lacks it; there each older patch is asked as before, and is on exactly where that
 * history holds its marker.
 *
 * A change that alters history from now on gets a patch of its own, asked through `patched()`
 * below like the others but not folded (FOLDED_PATCHES is frozen); at the next baseline it folds in.
 */
import * as wf from '@temporalio/workflow';

/** The baseline an engine's start names in the instance's arguments (`baseline`). */
export const BASELINE = '2026-12';
export const BASELINE_PATCH = `svcflow-baseline-${BASELINE}`;

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

/**
 * Whether this instance started on the baseline, and so each folded patch is on. Call once, at
 * the start of the workflow function, before any command, with the `baseline` of its arguments.
 *
 * With the argument nothing is recorded. One case asks Temporal all the same: a replay of a
 * history whose start carried the argument but that a worker from before it ran, which recorded
 * the baseline's marker (or, older still, each folded patch's). Asking replays those markers (a
 * non-deprecated marker nobody asks for fails the replay as nondeterministic:
 * test/patches.test.ts); a replay of a history without them records nothing, and a first run
 * never asks, so the answer changes no command.
 */
export function instancePatches(baseline: unknown): Patched {
  const byArgument = baseline === BASELINE;
  const replaying = () => wf.workflowInfo().unsafe.isReplaying;
  const onBaseline = byArgument || wf.patched(BASELINE_PATCH);
  if (byArgument && replaying()) wf.patched(BASELINE_PATCH);
  return (id) => {
    if (!onBaseline || !FOLDED_PATCHES.includes(id)) return wf.patched(id);
    // On the baseline by argument, a replay asks for the folded patch too: a worker from before
    // the baseline that ran this history recorded its marker, on the path the baseline takes.
    if (byArgument && replaying()) wf.patched(id);
    return true;
  };
}

/** What is wrong with a start's `baseline` argument (absent is right: the marker is asked for). */
export function baselineProblem(baseline: unknown): string | undefined {
  return baseline === undefined || baseline === BASELINE ? undefined : `baseline must be absent or ${JSON.stringify(BASELINE)}, not ${JSON.stringify(baseline)?.slice(0, 40)}`;
}
