/**
 * svcflow's own metrics, per process, emitted from workflow code through Temporal's workflow
 * metric meter: they leave the sandbox through the SDK's metrics sink (no command, nothing in
 * history: no patch), are not emitted while a history replays, and come out of the worker's
 * Prometheus endpoint beside the SDK's (src/engine/telemetry.ts). Without metrics installed the
 * meter is a no-op.
 *
 * Labels come from the definition only (process name, step id, escalation level, failure code,
 * outcome), never from an instance's input, so no PII reaches a label. The SDK adds
 * `namespace`, `taskQueue` and `workflowType` (camelCase: the TypeScript SDK's tags for what
 * workflow code emits; its own metrics say `task_queue`, `workflow_type`).
 *
 * Counted at least once: a workflow task that completes an instance but whose completion the
 * server refuses runs again, and counts again.
 */
import * as wf from '@temporalio/workflow';
import { untrackPromise } from '@temporalio/workflow/lib/stack-helpers.js';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';

/** Counter names as created; the exporter renders them with `_total` (see METRIC_NAMES). */
const COUNTERS = {
  started: ['svcflow_instances_started', 'instances started (first runs; a continue-as-new is the same instance)'],
  completed: ['svcflow_instances_completed', 'instances that ended, by outcome (`end "<outcome>"`, or completed)'],
  failed: ['svcflow_instances_failed', 'instances that failed, by failure code'],
  cancelled: ['svcflow_instances_cancelled', 'instances cancelled'],
  escalations: ['svcflow_escalations', 'escalations, timers that fired and `escalate to` steps, by level (none: without a level; other: one the definition does not name)'],
  missed: ['svcflow_time_limits_missed', "waits whose time limit passed (their `on timeout` taken), by step"],
} as const;

/** The names the Prometheus exporter serves, with the labels each has besides the SDK's. */
export const METRIC_NAMES: ReadonlyArray<{ name: string; labels: readonly string[] }> = [
  { name: 'svcflow_instances_started_total', labels: ['process'] },
  { name: 'svcflow_instances_completed_total', labels: ['process', 'outcome'] },
  { name: 'svcflow_instances_failed_total', labels: ['process', 'code'] },
  { name: 'svcflow_instances_cancelled_total', labels: ['process'] },
  { name: 'svcflow_escalations_total', labels: ['process', 'level'] },
  { name: 'svcflow_time_limits_missed_total', labels: ['process', 'step'] },
];

function count(which: keyof typeof COUNTERS, tags: Record<string, string>): void {
  const [name, description] = COUNTERS[which];
  // The workflow type is the process's name (run-process.ts refuses any other).
  wf.metricMeter.createCounter(name, undefined, description).add(1, { process: wf.workflowInfo().workflowType, ...tags });
}

/** An escalation fired (its timer), at `level`. */
export function escalated(level: string | undefined): void {
  count('escalations', { level: level ?? 'none' });
}

/** A wait's time limit passed: the step takes its `on timeout`. Returns what the wait resolves with. */
export function limitMissed(step: string): { timedOut: true } {
  count('missed', { step });
  return { timedOut: true };
}

/**
 * Counts an instance's start (on its first run) and how its run ends: completed (with its
 * outcome), failed (with its code, as CurrentStep says it), cancelled; a continue-as-new counts
 * nothing, nor does an error that fails only the workflow task (it is retried).
 */
export function metered<T extends { outcome: string }>(run: () => Promise<T>): Promise<T> {
  if (wf.workflowInfo().continuedFromExecutionRunId === undefined) count('started', {});
  const root = wf.CancellationScope.current();
  const observed = run().then(
    (outcome) => {
      count('completed', { outcome: outcome.outcome });
      return outcome;
    },
    (err: unknown) => {
      if (wf.isCancellation(err) && root.consideredCancelled) count('cancelled', {});
      else if (err instanceof TemporalFailure) count('failed', { code: err instanceof ApplicationFailure && err.type ? err.type : 'error' });
      throw err;
    },
  );
  // Pending as long as the instance runs: without this, one more stack trace kept per cached
  // instance for the stack-trace query (index.ts), which the SDK does for its own promises too.
  untrackPromise(observed);
  return observed;
}
