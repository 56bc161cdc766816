/**
 * The events of one instance that no wait has taken yet (they may arrive before, or while not,
 * waiting), in order, by the key they arrive under (`signal:report`, `message:smsReply:from=…`);
 * and the count of those refused, for the `state` query. Bounded: a client that floods an
 * instance with events nobody waits for is refused, not remembered. Signals and updates have
 * declared names, so a bound per key bounds them; messages come under any keys, so those that
 * no wait is waiting for now are bounded in all too — never a message a wait is waiting for, so
 * a flood of others cannot keep the genuine reply out. Pure and workflow-safe.
 */
import type { Value } from './evaluate.js';
import { INBOX_LIMITS } from './payloads.js';

/** The events dropped because they did not pass their check: how many, and the last (its name and why; no values). */
export interface Rejected {
  count: number;
  last: { name: string; reason: string };
}

const isMessage = (key: string) => key.startsWith('message:');

export class Inbox {
  private readonly queues: Map<string, Value[]>;
  /** Events kept under message keys. */
  private messages = 0;

  constructor(
    entries: Array<[string, Value[]]> = [],
    private counted?: Rejected,
  ) {
    this.queues = new Map(entries);
    for (const [k, q] of this.queues) if (isMessage(k)) this.messages += q.length;
  }

  get rejected(): Rejected | undefined {
    return this.counted;
  }

  take(key: string): { value: Value } | undefined {
    const q = this.queues.get(key);
    if (!q?.length) return undefined;
    if (isMessage(key)) this.messages--;
    return { value: q.shift()! };
  }

  /** Why one more event under `key` is not kept, or undefined; `awaited`: a wait is waiting for it now. */
  fullProblem(key: string, awaited: boolean): string | undefined {
    if ((this.queues.get(key)?.length ?? 0) >= INBOX_LIMITS.perKey) return `more than ${INBOX_LIMITS.perKey} events wait for this key`;
    if (isMessage(key) && !awaited && this.messages >= INBOX_LIMITS.messages) return `more than ${INBOX_LIMITS.messages} messages wait for this instance`;
    return undefined;
  }

  put(key: string, value: Value): void {
    const q = this.queues.get(key);
    if (q) q.push(value);
    else this.queues.set(key, [value]);
    if (isMessage(key)) this.messages++;
  }

  reject(name: string, reason: string): void {
    this.counted = { count: (this.counted?.count ?? 0) + 1, last: { name, reason } };
  }

  /** What a continue-as-new carries over: the keys with events left. */
  entries(): Array<[string, Value[]]> {
    return [...this.queues].filter(([, q]) => q.length);
  }
}
