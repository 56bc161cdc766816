/**
 * Plausible sample values: a process input from its declared fields, and an activity's output
 * from its catalog zod schema. Used to drive every process through a real run (recorded
 * histories, benchmarks) without hand-writing data for each one. Deterministic.
 */
import type { z } from 'zod';
import { dslTypes } from '../../modules/telecom/src/catalog/index.js';
import type { Field, TypeRef } from '../../src/ir/schema.js';

/** A fixed instant in the future of these runs (booked windows, deadlines). */
export const SAMPLE_TIME = '2026-12-01T09:00:00.000+08:00';

export function sampleOfType(type: TypeRef, name = 'x'): unknown {
  switch (type.t) {
    case 'string':
      return `${name}-1`;
    case 'int':
    case 'number':
      return 1;
    case 'bool':
      return true;
    case 'money':
      return { fen: 3000, currency: 'CNY' };
    case 'phone':
      return '13800138000';
    case 'duration':
      return 3_600_000;
    case 'time':
      return SAMPLE_TIME;
    case 'any':
      return null;
    case 'enum':
      return type.values[0];
    case 'list':
      return [sampleOfType(type.of, name)];
    case 'record':
      return sampleInput(type.fields);
  }
}

export function sampleInput(fields: Field[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.name, sampleOfType(f.type, f.name)]));
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
  options?: z.ZodType[];
  in?: z.ZodType;
}

/** A value that satisfies `schema` (objects with every field, optional ones included). */
export function sampleOfSchema(schema: z.ZodType, name = 'x'): unknown {
  const dsl = dslTypes.get(schema)?.dslType;
  if (dsl) return sampleOfType({ t: dsl }, name);
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  switch (def.type) {
    case 'object':
      return Object.fromEntries(Object.entries(def.shape!).map(([k, v]) => [k, sampleOfSchema(v, k)]));
    case 'array':
      return [sampleOfSchema(def.element!, name)];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
      return sampleOfSchema(def.innerType!, name);
    case 'pipe':
      return sampleOfSchema(def.in!, name);
    case 'enum':
      return Object.values(def.entries!)[0];
    case 'literal':
      return def.values![0];
    case 'union':
      return sampleOfSchema(def.options![0]!, name);
    case 'string':
      return `${name}-1`;
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'record':
      return {};
    default:
      return null;
  }
}
