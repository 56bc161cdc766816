/**
 * What the engine checks at its edges before anything is sent, so that "sent" means "taken":
 * a payload is checked by the very functions the workflow checks it with
 * (src/workflows/payloads.ts), and refused with an InvalidInputError naming its problems,
 * where the instance would otherwise drop it and count it rejected.
 */
import type { TypeRef } from '../ir/schema.js';
import { validateFields, validateValue, type Problem } from '../ir/validate.js';
import type { Value } from '../workflows/evaluate.js';
import { MESSAGE_FIELDS, messageProblem, payloadProblem, sizeProblem } from '../workflows/payloads.js';
import { InvalidInputError } from './errors.js';

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

/** Refuses an inbound message's payload that the instance would drop: it must be a message record. */
export function checkMessage(what: string, payload: unknown): void {
  const problem = messageProblem(payload as Value);
  if (problem !== undefined) throw new InvalidInputError(what, problemsOf({ t: 'record', fields: [...MESSAGE_FIELDS] }, (payload ?? null) as Value, problem));
}
