/**
 * The events of one instance that no wait has taken yet (they may arrive before, or while not,
 * waiting), in order, by the key they arrive under (`signal:report`, `message:email:from=…`);
 * and the count of those refused, for the `state` query. Bounded: a client that floods an
 * instance with events nobody waits for is refused, not remembered. Signals and updates have
 * declared names, so a bound per key bounds them; messages come under any keys, so those that
 * no wait is waiting for now are bounded in all too — never a message a wait is waiting for, so
 * a flood of others cannot keep the genuine reply out. The bytes kept are bounded in all too
 * (counted at put, in UTF-8 bytes of JSON), so what a continue-as-new carries stays within
 * Temporal's payload limit; before one, `shed` drops the largest if it still would not fit.
 * Pure and workflow-safe.
 */
import type { Value } from './evaluate.js';
import { INBOX_LIMITS, jsonBytes } from './payloads.js';

/** The events dropped because they did not pass their check: how many, and the last (its name and why; no values). */
export interface Rejected {
  count: number;
  last: { name: string; reason: string };
}

const isMessage = (key: string) => key.startsWith('message:');

/** The name an event under `key` is counted under, as the handlers have it: `proceed`, `svcflow.message email`. */
function eventName(key: string): string {
  if (isMessage(key)) return `svcflow.message ${key.slice('message:'.length).split(':')[0]}`;
  return key.slice(key.indexOf(':') + 1);
}

export class Inbox {
  private readonly queues: Map<string, Value[]>;
  /** Events kept under message keys. */
  private messages = 0;
  /** UTF-8 bytes (as JSON) of every event kept. */
  private kept = 0;

  constructor(
    entries: Array<[string, Value[]]> = [],
    private counted?: Rejected,
  ) {
    this.queues = new Map(entries);
    for (const [k, q] of this.queues) {
      if (isMessage(k)) this.messages += q.length;
      for (const v of q) this.kept += jsonBytes(v);
    }
  }

  get bytes(): number {
    return this.kept;
  }

  get rejected(): Rejected | undefined {
    return this.counted;
  }

  take(key: string): { value: Value } | undefined {
    const q = this.queues.get(key);
    if (!q?.length) return undefined;
    if (isMessage(key)) this.messages--;
    const value = q.shift()!;
    this.kept -= jsonBytes(value);
    return { value };
  }

  /** Why one more event under `key` is not kept, or undefined; `awaited`: a wait is waiting for it now. */
  fullProblem(key: string, awaited: boolean): string | undefined {
    if ((this.queues.get(key)?.length ?? 0) >= INBOX_LIMITS.perKey) return `more than ${INBOX_LIMITS.perKey} events wait for this key`;
    if (isMessage(key) && !awaited && this.messages >= INBOX_LIMITS.messages) return `more than ${INBOX_LIMITS.messages} messages wait for this instance`;
    return undefined;
  }

  /**
   * Why `value` under `key` is over the byte budget, or undefined. The event a wait is waiting
   * for now, with none before it, is taken at once and never kept: a flood cannot keep it out.
   */
  budgetProblem(key: string, awaited: boolean, value: Value): string | undefined {
    if (awaited && !this.queues.get(key)?.length) return undefined;
    if (this.kept + jsonBytes(value) > INBOX_LIMITS.bytes) return `the events waiting for this instance would be more than ${INBOX_LIMITS.bytes} bytes`;
    return undefined;
  }

  put(key: string, value: Value): void {
    const q = this.queues.get(key);
    if (q) q.push(value);
    else this.queues.set(key, [value]);
    if (isMessage(key)) this.messages++;
    this.kept += jsonBytes(value);
  }

  /**
   * Drops (and counts) the largest events until `carried()` — the bytes a continue-as-new would
   * carry — is at most `limit`, or none is left; how many it dropped. No wait is in progress at
   * a continue-as-new, so none of them is awaited.
   */
  shed(carried: () => number, limit: number): number {
    let over = carried() - limit;
    if (over <= 0) return 0;
    const all = [...this.queues].flatMap(([key, q]) => q.map((value, i) => ({ key, i, value, bytes: jsonBytes(value) })));
    all.sort((a, b) => b.bytes - a.bytes);
    const drop = new Map<string, Set<number>>();
    let dropped = 0;
    for (const e of all) {
      if (over <= 0) break;
      if (!drop.has(e.key)) drop.set(e.key, new Set());
      drop.get(e.key)!.add(e.i);
      over -= e.bytes + 1;
      dropped++;
      this.reject(eventName(e.key), `dropped at continue-as-new: what it carries would be more than ${limit} bytes`);
    }
    for (const [key, at] of drop) {
      const q = this.queues.get(key)!;
      const rest = q.filter((_, i) => !at.has(i));
      if (isMessage(key)) this.messages -= q.length - rest.length;
      this.queues.set(key, rest);
    }
    this.kept = 0;
    for (const q of this.queues.values()) for (const v of q) this.kept += jsonBytes(v);
    // The estimate (each event's JSON and a comma) may be short of the real encoding: measure again.
    return dropped && this.kept && carried() > limit ? dropped + this.shed(carried, limit) : dropped;
  }

  reject(name: string, reason: string): void {
    this.counted = { count: (this.counted?.count ?? 0) + 1, last: { name, reason } };
  }

  /** What a continue-as-new carries over: the keys with events left. */
  entries(): Array<[string, Value[]]> {
    return [...this.queues].filter(([, q]) => q.length);
  }
}
