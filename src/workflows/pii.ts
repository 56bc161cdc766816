/**
 * What the workflow knows of @pii: the texts inside an input's @pii fields (masked wherever they
 * were copied to), and their keyed hashes, which the engine computed at the start
 * (src/engine/keyed-hash.ts) and which stand in for them where a key must stay searchable
 * (`WaitingFor`, `BusinessKeys`). Pure and workflow-safe: no key is ever here.
 */
import type { Field, TypeRef } from '../ir/schema.js';
import type { Value } from './evaluate.js';
import { waitKey } from './handlers.js';

/** `hmac:<key id>:<22 base64url characters>` (as src/engine/keyed-hash.ts makes them). */
const KEYED_HASH = /^hmac:[A-Za-z0-9._-]{1,64}:[A-Za-z0-9_-]{22}$/;

/** How deep the declared types of an input are walked for @pii fields (the checker bounds nesting well below). */
const MAX_TYPE_DEPTH = 64;

/**
 * Every text inside the process's @pii input fields, at any depth of records and lists: a phone
 * number, a name, a street. Type-directed: it descends only where the declared type does.
 */
export function piiTexts(input: Field[], value: Value): Set<string> {
  const out = new Set<string>();
  const collect = (v: Value): void => {
    if (typeof v === 'string' && v.length >= 2) out.add(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  const fields = (fs: Field[], v: Value, depth: number): void => {
    if (!v || typeof v !== 'object' || Array.isArray(v) || depth > MAX_TYPE_DEPTH) return;
    for (const f of fs) {
      const x = Object.hasOwn(v, f.name) ? (v[f.name] ?? null) : null;
      if (f.pii) collect(x);
      else within(f.type, x, depth + 1);
    }
  };
  const within = (type: TypeRef, v: Value, depth: number): void => {
    if (type.t === 'record') fields(type.fields, v, depth);
    else if (type.t === 'list' && Array.isArray(v) && depth <= MAX_TYPE_DEPTH) for (const x of v) within(type.of, x, depth + 1);
  };
  fields(input, value, 0);
  return out;
}

/** Masks @pii input fields and, wherever they were copied to (an activity's result, a variable), their texts. */
export const maskPii = (pii: Set<string>, input: Field[], value: Value, isInput: boolean): Value => {
  const deep = (v: Value): Value => {
    if (typeof v === 'string') return pii.has(v) ? '***' : v;
    if (Array.isArray(v)) return v.map(deep);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]));
    return v;
  };
  if (!isInput || typeof value !== 'object' || value === null || Array.isArray(value)) return deep(value);
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(value)) out[k] = input.some((f) => f.name === k && f.pii) && v !== null ? '***' : deep(v);
  return out;
};

/** The keyed hashes of an instance's @pii texts, by text (none given: nothing is hashed). */
export type KeyHashes = ReadonlyMap<string, string>;

/**
 * `channel:k=v&…` as it is searched for: each value that is a @pii text of the input by its keyed
 * hash. With a key ring in use (`hashes` given), a key on a field the channel declares @pii that
 * has no hash (a number an activity returned) is stored masked, never in plain: no message can
 * find that wait, so key a message wait on a @pii channel field by an input field. Without a key
 * ring (`hashes` undefined) nothing is hashed, as nothing is encrypted.
 */
export function searchKey(channel: string, keys: Record<string, string>, hashes: KeyHashes | undefined, declaredPii: ReadonlySet<string> = new Set()): string {
  const stored: Record<string, string> = {};
  for (const [k, v] of Object.entries(keys)) stored[k] = hashes?.get(v) ?? (hashes && declaredPii.has(k) ? '***' : v);
  return waitKey(channel, stored);
}

/**
 * What is wrong with the `keyHashes` a start carries, if anything: a list of `[text, hash]`,
 * each text a @pii text of the input, once, each hash of the keyed form. (A raw client that
 * gave others would only misname its own instance's keys; it is refused all the same.)
 */
export function keyHashesProblem(given: unknown, pii: ReadonlySet<string>): string | undefined {
  if (given === undefined) return undefined;
  if (!Array.isArray(given) || given.length > pii.size) return `keyHashes must be a list of at most ${pii.size} [text, hash] pairs, one per @pii text of the input`;
  const seen = new Set<string>();
  for (const pair of given as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return 'each of keyHashes must be a [text, hash] pair of texts';
    if (!pii.has(pair[0]) || seen.has(pair[0])) return 'each of keyHashes must hash a different @pii text of the input';
    if (!KEYED_HASH.test(pair[1])) return 'each hash of keyHashes must be hmac:<key id>:<22 base64url characters>';
    seen.add(pair[0]);
  }
  return undefined;
}
