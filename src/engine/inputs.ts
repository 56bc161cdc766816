/**
 * What the engine checks at its edges before anything is sent, so that "sent" means "taken":
 * a payload is checked by the very functions the workflow checks it with
 * (src/workflows/payloads.ts), and refused with an InvalidInputError naming its problems,
 * where the instance would otherwise drop it and count it rejected.
 */
import type { ProcessIR, Step, TypeRef } from '../ir/schema.js';
import { allSteps } from '../ir/walk.js';
import { validateFields, validateValue, type Problem } from '../ir/validate.js';
import { text, type Value } from '../workflows/evaluate.js';
import { waitKey } from '../workflows/run-process.js';
import { ENVELOPE_LIMITS, messageProblem, payloadProblem, sizeProblem, SMS_PAYLOAD } from '../workflows/payloads.js';
import { InvalidInputError, InvalidQueryError } from './errors.js';
import { checkName, checkValue, textOf, UNSEARCHABLE } from './visibility.js';

/** Temporal's limit on a workflow id (`limit.maxIDLength`), here in UTF-8 bytes. */
export const ID_BYTES = 1000;
/** The most instances one `list` returns. */
export const LIST_LIMIT = 1000;


/** Why `value` cannot be an id (an instance's, a request's), or undefined. */
function idProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a text';
  if (value.length === 0) return 'must not be empty';
  if (Buffer.byteLength(value, 'utf8') > ID_BYTES) return `must be at most ${ID_BYTES} bytes (UTF-8), Temporal's limit on an id`;
  if (UNSEARCHABLE.test(value)) return 'must not contain control characters or unpaired surrogates';
  return undefined;
}

/** `id`, which must be a non-empty text of at most 1,000 UTF-8 bytes without control characters. */
export function checkId(id: unknown, what = 'instance id'): string {
  const problem = idProblem(id);
  if (problem) throw new InvalidInputError(what, [{ path: 'id', message: problem }]);
  return id as string;
}

/** A request id, when one is given: as an instance id. */
export function checkRequestId(options: { requestId?: string } | undefined): string | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw new InvalidInputError('options', [{ path: '(options)', message: 'must be a record { requestId? }' }]);
  if (options.requestId === undefined) return undefined;
  const problem = idProblem(options.requestId);
  if (problem) throw new InvalidInputError('request id', [{ path: 'requestId', message: problem }]);
  return options.requestId;
}

/** How many instances a list returns: a whole number from 1 to 1,000 (100 when not given). */
export function checkLimit(limit: unknown): number {
  if (limit === undefined) return 100;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT) {
    throw new InvalidQueryError('limit', `${String(limit)} is not a whole number from 1 to ${LIST_LIMIT}`);
  }
  return limit;
}

/** A plain record (an object literal or a null-prototype object), not an array, a class instance or null. */
export function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A message's correlation keys, as the workflow takes them (readEnvelope): a record of at most 16 texts of at most 256 characters. */
export function checkKeys(channel: string, keys: unknown): Record<string, string> {
  if (!isPlainRecord(keys)) throw new InvalidQueryError(`correlation keys of ${channel}`, 'must be a record of texts, such as { from: "13800138000" }');
  const entries = Object.entries(keys);
  if (entries.length > ENVELOPE_LIMITS.keys) throw new InvalidQueryError(`correlation keys of ${channel}`, `must be at most ${ENVELOPE_LIMITS.keys}`);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of entries) {
    checkName(k, `correlation key of ${channel}`);
    const value = textOf(v, `correlation value ${k}`);
    // '&' separates the pairs of a wait's key: a value holding one could pose as two pairs.
    if (value.includes('&')) throw new InvalidQueryError(`correlation value ${k}`, "must not contain '&'");
    if (value.length > ENVELOPE_LIMITS.key) throw new InvalidQueryError(`correlation value ${k}`, `must be at most ${ENVELOPE_LIMITS.key} characters`);
    out[k] = value;
  }
  return out;
}

/** Every problem the workflow would find with `payload`, as problems by field: its bounds first, then its type. */
function problemsOf(declared: TypeRef | undefined, payload: Value, problem: string): Problem[] {
  const size = sizeProblem(payload);
  if (size) return [{ path: '(the whole payload)', message: size }];
  const typed = !declared ? [] : declared.t === 'record' ? validateFields(declared.fields, payload ?? {}) : validateValue(declared, payload);
  return typed.length ? typed : [{ path: '(the payload)', message: problem }];
}

/** Refuses a signal's or update's payload that the instance would drop (or its validator refuse). */
export function checkPayload(what: string, declared: TypeRef | undefined, payload: unknown): void {
  const problem = payloadProblem(declared, payload as Value);
  if (problem !== undefined) throw new InvalidInputError(what, problemsOf(declared, payload as Value, problem));
}

/**
 * Refuses an inbound message's payload that the instance would drop: a value of the channel's
 * `declared` payload type (its definition's; none declared: the legacy message record, as before
 * channels declared their payloads).
 */
export function checkMessage(what: string, payload: unknown, declared: TypeRef = SMS_PAYLOAD): void {
  const problem = messageProblem(payload as Value, 'current', declared);
  if (problem !== undefined) throw new InvalidInputError(what, problemsOf(declared, (payload ?? null) as Value, problem));
}

type Wait = Extract<Step, { kind: 'wait' }>;

/**
 * The input fields a message wait of `ir` is keyed by (`message email(from: input.address)`)
 * whose value no message could ever be delivered to, as input problems: `deliver` searches the
 * `WaitingFor` attribute for the key, and refuses what cannot be searched for (see visibility.ts)
 * or what the workflow would not take as a key (a value with `&`, or over 256 characters).
 */
export function undeliverableKeys(ir: ProcessIR, input: Record<string, Value>): Problem[] {
  const out: Problem[] = [];
  for (const step of allSteps(ir.steps)) {
    if (step.kind !== 'wait' || step.trigger.type !== 'message') continue;
    const { channel, correlate } = (step as Wait).trigger as Extract<Wait['trigger'], { type: 'message' }>;
    for (const { name, value: expr } of correlate) {
      if (expr.k !== 'member' || expr.object.k !== 'var' || expr.object.name !== 'input' || !Object.hasOwn(input, expr.property)) continue;
      const field = expr.property;
      const value = input[field];
      if (value === null || value === undefined) continue;
      const key = text(value);
      let why: string | undefined;
      if (key.includes('&')) why = "contains '&', which separates a key's pairs";
      else if (key.length > ENVELOPE_LIMITS.key) why = `is longer than ${ENVELOPE_LIMITS.key} characters, the most a message's key holds`;
      else {
        try {
          checkValue(waitKey(channel, { [name]: key }), field);
        } catch (err) {
          if (!(err instanceof InvalidQueryError)) throw err;
          why = err.message.slice(err.message.indexOf(': ') + 2);
        }
      }
      if (why) out.push({ path: field, message: `is the key of the message wait '${step.id}' (${channel}), and ${why}, so no message could ever be delivered to it` });
    }
  }
  return out;
}
