/**
 * Value types as the checker reasons about them (the IR's TypeRef), and their relations.
 * `any` means "not knowable here": it is compatible with everything and never reported.
 */
import type { Field, TypeRef } from './schema.js';

export const ANY: TypeRef = { t: 'any' };
export const STRING: TypeRef = { t: 'string' };
export const INT: TypeRef = { t: 'int' };
export const NUMBER: TypeRef = { t: 'number' };
export const BOOL: TypeRef = { t: 'bool' };
export const MONEY: TypeRef = { t: 'money' };
export const DURATION: TypeRef = { t: 'duration' };
export const TIME: TypeRef = { t: 'time' };
export const PHONE: TypeRef = { t: 'phone' };

export const SCALAR_TYPES = ['string', 'int', 'number', 'bool', 'money', 'phone', 'duration', 'time'] as const;

export const record = (fields: Field[]): TypeRef => ({ t: 'record', fields });
export const field = (name: string, type: TypeRef, optional = false, pii = false): Field => ({ name, type, optional, pii });

/** How a type reads in a message: `money`, `list of string`, `"a" | "b"`, `{ a, b }`. */
export function describeType(type: TypeRef): string {
  switch (type.t) {
    case 'enum':
      return type.values.map((v) => JSON.stringify(v)).join(' | ');
    case 'list':
      return `list of ${describeType(type.of)}`;
    case 'map':
      return `a map of ${describeType(type.of)}`;
    case 'record':
      return type.fields.length ? `a record { ${type.fields.map((f) => f.name).join(', ')} }` : 'a record';
    case 'any':
      return 'a value';
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'bool':
      return 'true or false';
    case 'string':
      return 'a text';
    case 'money':
      return 'money (such as ¥30.00)';
    case 'duration':
      return 'a duration (such as 24h)';
    case 'time':
      return 'a time';
    case 'phone':
      return 'a phone number';
  }
}

const isNumeric = (t: TypeRef) => t.t === 'int' || t.t === 'number';

/** Can a value of type `actual` be given where `expected` is wanted? */
export function assignable(expected: TypeRef, actual: TypeRef): boolean {
  if (expected.t === 'any' || actual.t === 'any') return true;
  switch (expected.t) {
    case 'number':
      return isNumeric(actual);
    case 'int':
      return actual.t === 'int';
    case 'string':
      return actual.t === 'string' || actual.t === 'enum' || actual.t === 'phone';
    // Texts are accepted where a phone or a time is wanted: their format is checked at run time.
    case 'phone':
      return actual.t === 'phone' || actual.t === 'string';
    case 'time':
      return actual.t === 'time' || actual.t === 'string';
    case 'enum':
      return actual.t === 'string' || (actual.t === 'enum' && actual.values.every((v) => expected.values.includes(v)));
    case 'list':
      return actual.t === 'list' && assignable(expected.of, actual.of);
    // A record written out is a map when every value fits (`vars: { product: input.product }`).
    case 'map':
      return (actual.t === 'map' && assignable(expected.of, actual.of)) || (actual.t === 'record' && actual.fields.every((f) => assignable(expected.of, f.type)));
    case 'record':
      if (actual.t !== 'record') return false;
      return expected.fields.every((f) => {
        const a = actual.fields.find((x) => x.name === f.name);
        return a ? assignable(f.type, a.type) : f.optional || actual.fields.length === 0;
      });
    default:
      return expected.t === actual.t;
  }
}

export function fieldOf(type: TypeRef, name: string): TypeRef | undefined {
  if (type.t === 'any') return ANY;
  if (type.t === 'map') return type.of;
  if (type.t !== 'record') return undefined;
  if (type.fields.length === 0) return ANY;
  return type.fields.find((f) => f.name === name)?.type;
}
