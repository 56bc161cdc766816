/**
 * What `show` reads from an instance's history: the compensations that ran, each with how it
 * ended. The interpreter gives every compensation the summary `compensate <step>: <activity>`
 * (src/workflows/interpret.ts), so they are told from the steps by their summaries, which the
 * client's data converter decodes as it does every payload.
 */
import type { Client } from '@temporalio/client';
import { decodeUserMetadata } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';

export interface CompensationRun {
  /** The step whose effect it undid. */
  step: string;
  activity: string;
  status: 'completed' | 'failed' | 'timed out' | 'canceled' | 'running';
  scheduledAt?: Date;
}

const SUMMARY = /^compensate (.+): ([\w.]+)$/;

/** The compensations the instance ran (or runs now), oldest first. Read from the latest run's history. */
export async function compensationsRun(client: Client, id: string): Promise<CompensationRun[]> {
  const history = await client.workflow.getHandle(id).fetchHistory();
  const byEvent = new Map<string, CompensationRun>();
  const converter = client.options.loadedDataConverter;
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes) {
      const { staticSummary: summary } = await decodeUserMetadata(converter, e.userMetadata);
      const m = typeof summary === 'string' ? SUMMARY.exec(summary) : null;
      if (!m) continue;
      const at = e.eventTime?.seconds ? new Date(Number(e.eventTime.seconds) * 1000) : undefined;
      byEvent.set(String(e.eventId), { step: m[1]!, activity: m[2]!, status: 'running', scheduledAt: at });
      continue;
    }
    const ended: Array<[CompensationRun['status'], { scheduledEventId?: unknown } | null | undefined]> = [
      ['completed', e.activityTaskCompletedEventAttributes],
      ['failed', e.activityTaskFailedEventAttributes],
      ['timed out', e.activityTaskTimedOutEventAttributes],
      ['canceled', e.activityTaskCanceledEventAttributes],
    ];
    for (const [status, attributes] of ended) {
      const run = attributes ? byEvent.get(String(attributes.scheduledEventId)) : undefined;
      if (run) run.status = status;
    }
  }
  return [...byEvent.values()];
}
