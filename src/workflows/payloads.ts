/**
 * What the workflow accepts from outside, checked where it enters: any Temporal client can send
 * a signal, an update or a `svcflow.message` without going through the engine's checks. Every
 * check here returns a reason (no values in it: a payload may carry a phone number) instead of
 * throwing, so no payload can fail a workflow task. Pure and workflow-safe.
 */
import type { Field, Step, TypeRef } from '../ir/schema.js';
import { allSteps } from '../ir/walk.js';
import { CONTROL, describeProblems, validateFields, validateValue } from '../ir/validate.js';
import type { Value } from './evaluate.js';

/** The record an inbound message is bound as when its IR carries no payload type (compiled before channels were declared). */
export const MESSAGE_FIELDS: readonly Field[] = [
  { name: 'from', type: { t: 'phone' }, optional: false, pii: false },
  { name: 'text', type: { t: 'string' }, optional: false, pii: false },
  { name: 'receivedAt', type: { t: 'time' }, optional: false, pii: false },
  { name: 'channel', type: { t: 'string' }, optional: false, pii: false },
];

/**
 * Bounds on any one payload, whatever its declared type: nesting, values, and bytes of text (in
 * UTF-8, as Temporal measures a payload). Well below Temporal's 2 MiB payload limit, well
 * above any reply, report or reschedule request.
 */
export const PAYLOAD_LIMITS = { depth: 32, values: 10_000, bytes: 256 * 1024 };
/**
 * What a continue-as-new may carry (definition, input, resume point, inbox), in UTF-8 bytes of
 * its JSON: below Temporal's 2 MiB blob limit, over which the server terminates the instance
 * (no compensations), with room for the payload codec's envelope and metadata.
 */
export const CARRY_LIMIT_BYTES = 1_536 * 1024;
/** An inbound message's envelope: its channel name and correlation keys. */
export const ENVELOPE_LIMITS = { channel: 128, keys: 16, key: 256 };
/** Events kept for a wait that has not started yet: per key, messages in all, and bytes in all (see inbox.ts). */
export const INBOX_LIMITS = { perKey: 100, messages: 1_000, bytes: 256 * 1024 };
/** How much of a reason the state query shows. */
const REASON_CHARS = 300;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The length of `s` in UTF-8 (a lone surrogate as U+FFFD, as TextEncoder has it). No allocation. */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The rules a check applies: today's, or (`legacy`, only to replay histories from before
 * `svcflow-checks-tightened`) those before it — texts measured in characters, not UTF-8 bytes;
 * control characters allowed; the old time pattern.
 */
export type Rules = 'current' | 'legacy';

/**
 * Why `value` is too deep or too large to keep, or undefined: its texts measured in UTF-8 bytes
 * (in characters under the legacy rules). Iterative: a hostile depth cannot overflow the stack.
 */
export function sizeProblem(value: unknown, rules: Rules = 'current'): string | undefined {
  const unit = rules === 'current' ? 'bytes' : 'characters';
  const measure = rules === 'current' ? utf8Bytes : (s: string) => s.length;
  const stack: Array<[unknown, number]> = [[value, 1]];
  let values = 0;
  let size = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++values > PAYLOAD_LIMITS.values) return `is too large (more than ${PAYLOAD_LIMITS.values} values)`;
    if (depth > PAYLOAD_LIMITS.depth) return `is nested too deep (more than ${PAYLOAD_LIMITS.depth} levels)`;
    if (typeof v === 'string') size += measure(v);
    else if (Array.isArray(v)) for (const x of v) stack.push([x, depth + 1]);
    else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) {
        size += measure(k);
        stack.push([x, depth + 1]);
      }
    }
    if (size > PAYLOAD_LIMITS.bytes) return `is too large (more than ${PAYLOAD_LIMITS.bytes} ${unit})`;
  }
  return undefined;
}

/** The UTF-8 bytes of `value` as JSON, as the payload converter encodes it. */
export const jsonBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value) ?? 'null');

const short = (reason: string) => (reason.length > REASON_CHARS ? `${reason.slice(0, REASON_CHARS - 1)}…` : reason);

/**
 * Why `payload` is not a value of the declared type, or undefined. No declared type: any value
 * within the bounds. A record payload may be omitted (null) when all its fields are optional,
 * as the engine has it.
 */
export function payloadProblem(declared: TypeRef | undefined, payload: Value, rules: Rules = 'current'): string | undefined {
  const size = sizeProblem(payload, rules);
  if (size) return `payload ${size}`;
  const opts = { legacy: rules === 'legacy' };
  const problems = !declared ? [] : declared.t === 'record' ? validateFields(declared.fields, payload ?? {}, opts) : validateValue(declared, payload, opts);
  if (problems.length) return short(describeProblems(problems.slice(0, 5)));
  // Texts the declared type does not reach (a payload of any type, a key): none with a control character either.
  return rules === 'current' && controlProblem(payload) ? 'payload holds a text with NUL or another control character (tab, CR and LF are fine)' : undefined;
}

/** Does any text (or key) in `value` hold a control character? `value` has passed sizeProblem: bounded. */
function controlProblem(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (CONTROL.test(v)) return true;
    } else if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (CONTROL.test(k)) return true;
        stack.push(x);
      }
    }
  }
  return false;
}

export interface Envelope {
  channel: string;
  keys: Record<string, string>;
  payload: Value;
}

/** A `svcflow.message` as it arrived (anything), as an envelope, or why it is not one. */
export function readEnvelope(m: unknown): { envelope: Envelope } | { problem: string } {
  if (!isRecord(m)) return { problem: 'the message is not a record { channel, keys, payload }' };
  const { channel, keys, payload } = m;
  if (typeof channel !== 'string' || !channel || channel.length > ENVELOPE_LIMITS.channel) return { problem: `channel must be a text of 1 to ${ENVELOPE_LIMITS.channel} characters` };
  if (!isRecord(keys)) return { problem: 'keys must be a record of texts' };
  const entries = Object.entries(keys);
  if (entries.length > ENVELOPE_LIMITS.keys) return { problem: `keys has more than ${ENVELOPE_LIMITS.keys} entries` };
  const own: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || k.length > ENVELOPE_LIMITS.key || v.length > ENVELOPE_LIMITS.key) return { problem: `every key must be a text of at most ${ENVELOPE_LIMITS.key} characters` };
    own[k] = v;
  }
  // As it came (undefined when missing): a history from before the checks kept it so.
  return { envelope: { channel, keys: own, payload: payload as Value } };
}

/** What an inbound message on a channel whose waits declare no payload (IR from before declared channels) must be: the legacy message record { from, text, receivedAt, channel }. */
export const SMS_PAYLOAD: TypeRef = { t: 'record', fields: [...MESSAGE_FIELDS] };

/**
 * The payload type each channel's message waits in `steps` declare (the first wait's, as the
 * catalog gives one type per channel); a channel whose waits declare none is not in it.
 */
export function channelPayloads(steps: Step[]): Map<string, TypeRef> {
  const out = new Map<string, TypeRef>();
  for (const s of allSteps(steps)) {
    if (s.kind === 'wait' && s.trigger.type === 'message' && s.trigger.payload && !out.has(s.trigger.channel)) out.set(s.trigger.channel, s.trigger.payload);
  }
  return out;
}

/** Why `payload` is not a message of the `declared` type (none: the legacy message record, as before declared channels), or undefined. */
export function messageProblem(payload: Value | undefined, rules: Rules = 'current', declared: TypeRef = SMS_PAYLOAD): string | undefined {
  return payloadProblem(declared, payload ?? null, rules);
}

/**
 * Why a workflow's start arguments are not what the engine would have given, or undefined: the
 * input must be the process's declared input (any Temporal client can start a workflow of the
 * process's type), and a resume point or an inbox comes only with a continue-as-new, from the
 * run before, never from a first run's caller (a resume point would skip steps).
 */
export function startProblem(input: readonly Field[], args: { input?: unknown; resume?: unknown; inbox?: unknown; rejected?: unknown }, continued: boolean): string | undefined {
  if (!continued && (args.resume !== undefined || args.inbox !== undefined || args.rejected !== undefined)) {
    return 'a resume point, an inbox or a rejected count is carried only by a continue-as-new, not given at a first start';
  }
  // Type-directed: it descends only as deep as the declared types, whatever the value's depth.
  // A continued run's input is its first run's, checked by the rules of its day.
  const problems = validateFields([...input], args.input, { legacy: continued });
  return problems.length ? `the input is not the declared input: ${short(describeProblems(problems))}` : undefined;
}
