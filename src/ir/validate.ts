/**
 * Validates a JSON value against declared fields (a process's input, an update's payload).
 * Pure and workflow-safe: the engine uses it before starting a process or sending an update,
 * and the workflow's update validators use it again, so a bad payload never reaches history.
 */
import type { Field, TypeRef } from './schema.js';

export interface Problem {
  path: string;
  message: string;
}

const PHONE = /^\+?\d{5,15}$/;
/**
 * A time as the catalog's `Time` has it (zod's `z.iso.datetime({ offset: true })`, its rule
 * written out here so that the workflow bundle carries no zod): a real calendar date (29
 * February in leap years only), hours 00–23, seconds required with an optional fraction, and
 * `Z` or an offset of ±00:00 to ±23:59.
 */
const DATE = '(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8])))';
const ISO_TIME = new RegExp(`^${DATE}T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)$`);
/** The time pattern before it agreed with the catalog: only to replay histories from then (see payloads.ts). */
const LEGACY_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** What a text from outside may not hold, as a DSL text literal may not: NUL and the other control characters but tab, LF and CR. */
export const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** `legacy`: the rules before texts refused control characters and times followed the catalog (to replay histories from then). */
export interface ValidateOptions {
  legacy?: boolean;
}

const own = (o: object, k: string): unknown => (Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined);

function check(type: TypeRef, value: unknown, path: string, out: Problem[], opts: ValidateOptions): void {
  const fail = (message: string) => out.push({ path, message });
  switch (type.t) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') fail('must be a text');
      else if (!opts.legacy && CONTROL.test(value)) fail('must be a text without NUL or another control character (tab, CR and LF are fine)');
      return;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail('must be a whole number');
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('must be a number');
      return;
    case 'bool':
      if (typeof value !== 'boolean') fail('must be true or false');
      return;
    case 'phone':
      if (typeof value !== 'string' || !PHONE.test(value)) fail('must be a phone number of 5 to 15 digits');
      return;
    case 'time':
      if (typeof value !== 'string' || !(opts.legacy ? LEGACY_TIME.test(value) && !Number.isNaN(Date.parse(value)) : ISO_TIME.test(value))) fail('must be a time such as 2026-11-22T09:00:00+08:00');
      return;
    case 'duration':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail('must be a duration in milliseconds');
      return;
    case 'money': {
      // As the catalog's Money schema: exactly { fen, currency } (own fields), fen a safe, non-negative integer.
      const m = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
      const fen = m && own(m, 'fen');
      const currency = m && own(m, 'currency');
      const ok = m !== undefined && Object.keys(m).length === 2 && Number.isSafeInteger(fen) && (fen as number) >= 0 && typeof currency === 'string' && /^[A-Z]{3}$/.test(currency);
      if (!ok) fail('must be money: { "fen": 3000, "currency": "CNY" } (a whole, non-negative number of fen, and nothing else)');
      return;
    }
    case 'enum':
      if (typeof value !== 'string' || !type.values.includes(value)) fail(`must be one of ${type.values.map((v) => JSON.stringify(v)).join(', ')}`);
      return;
    case 'list':
      if (!Array.isArray(value)) fail('must be a list');
      else value.forEach((v, i) => check(type.of, v, `${path}[${i}]`, out, opts));
      return;
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('must be a record { … }');
      else for (const [k, v] of Object.entries(value)) check(type.of, v, path ? `${path}.${k}` : k, out, opts);
      return;
    case 'record':
      checkFields(type.fields, value, path, out, opts);
      return;
  }
}

function checkFields(fields: Field[], value: unknown, path: string, out: Problem[], opts: ValidateOptions): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    out.push({ path: path || '(input)', message: 'must be a record { … }' });
    return;
  }
  const record = value as Record<string, unknown>;
  for (const f of fields) {
    const p = path ? `${path}.${f.name}` : f.name;
    if (!Object.hasOwn(record, f.name) || record[f.name] === undefined || record[f.name] === null) {
      if (!f.optional) out.push({ path: p, message: 'is required' });
      continue;
    }
    check(f.type, record[f.name], p, out, opts);
  }
  for (const k of Object.keys(record)) {
    if (!fields.some((f) => f.name === k)) out.push({ path: path ? `${path}.${k}` : k, message: 'is not a field of this record' });
  }
}

/** Every problem with `value` as a record of `fields` (empty when valid). */
export function validateFields(fields: Field[], value: unknown, opts: ValidateOptions = {}): Problem[] {
  const out: Problem[] = [];
  checkFields(fields, value, '', out, opts);
  return out;
}

export function describeProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.path} ${p.message}`).join('; ');
}

/** Every problem with `value` as a value of `type` (empty when valid); a record as validateFields has it. */
export function validateValue(type: TypeRef, value: unknown, opts: ValidateOptions = {}): Problem[] {
  const out: Problem[] = [];
  check(type, value, '', out, opts);
  return out;
}
