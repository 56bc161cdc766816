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
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function check(type: TypeRef, value: unknown, path: string, out: Problem[]): void {
  const fail = (message: string) => out.push({ path, message });
  switch (type.t) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') fail('must be a text');
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
      if (typeof value !== 'string' || !ISO_TIME.test(value) || Number.isNaN(Date.parse(value))) fail('must be a time such as 2026-11-22T09:00:00+08:00');
      return;
    case 'duration':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail('must be a duration in milliseconds');
      return;
    case 'money': {
      // As the catalog's Money schema: exactly { fen, currency }, fen a safe, non-negative integer.
      const m = value as { fen?: unknown; currency?: unknown } | null;
      const ok =
        typeof m === 'object' &&
        m !== null &&
        !Array.isArray(m) &&
        Object.keys(m).length === 2 &&
        Number.isSafeInteger(m.fen) &&
        (m.fen as number) >= 0 &&
        typeof m.currency === 'string' &&
        /^[A-Z]{3}$/.test(m.currency);
      if (!ok) fail('must be money: { "fen": 3000, "currency": "CNY" } (a whole, non-negative number of fen, and nothing else)');
      return;
    }
    case 'enum':
      if (typeof value !== 'string' || !type.values.includes(value)) fail(`must be one of ${type.values.map((v) => JSON.stringify(v)).join(', ')}`);
      return;
    case 'list':
      if (!Array.isArray(value)) fail('must be a list');
      else value.forEach((v, i) => check(type.of, v, `${path}[${i}]`, out));
      return;
    case 'record':
      checkFields(type.fields, value, path, out);
      return;
  }
}

function checkFields(fields: Field[], value: unknown, path: string, out: Problem[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    out.push({ path: path || '(input)', message: 'must be a record { … }' });
    return;
  }
  const record = value as Record<string, unknown>;
  for (const f of fields) {
    const p = path ? `${path}.${f.name}` : f.name;
    if (!Object.prototype.hasOwnProperty.call(record, f.name) || record[f.name] === undefined || record[f.name] === null) {
      if (!f.optional) out.push({ path: p, message: 'is required' });
      continue;
    }
    check(f.type, record[f.name], p, out);
  }
  for (const k of Object.keys(record)) {
    if (!fields.some((f) => f.name === k)) out.push({ path: path ? `${path}.${k}` : k, message: 'is not a field of this record' });
  }
}

/** Every problem with `value` as a record of `fields` (empty when valid). */
export function validateFields(fields: Field[], value: unknown): Problem[] {
  const out: Problem[] = [];
  checkFields(fields, value, '', out);
  return out;
}

export function describeProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.path} ${p.message}`).join('; ');
}

/** Every problem with `value` as a value of `type` (empty when valid); a record as validateFields has it. */
export function validateValue(type: TypeRef, value: unknown): Problem[] {
  const out: Problem[] = [];
  check(type, value, '', out);
  return out;
}
