/**
 * The telecom module's zod contracts, seen as DSL types: what test/telecom-catalog.test.ts
 * compares the declarations in modules/telecom/systems with. Only tests read it: the compiler
 * reads declarations, never zod.
 */
import type { z } from 'zod';
import type { Field, TypeRef } from '../../src/ir/schema.js';
import { ANY } from '../../src/ir/types.js';
import { dslTypes } from '../../modules/telecom/src/catalog/contract.js';

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string | number>;
  values?: unknown[];
  checks?: Array<{ _zod?: { def?: { check?: string; format?: string } } }>;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

export function zodToType(schema: z.ZodType): TypeRef {
  const meta = dslTypes.get(schema);
  if (meta) return { t: meta.dslType };
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return { t: 'string' };
    case 'number': {
      const format = (schema as unknown as { format?: string | null }).format;
      return { t: format && format.includes('int') ? 'int' : 'number' };
    }
    case 'int':
      return { t: 'int' };
    case 'boolean':
      return { t: 'bool' };
    case 'enum':
      return { t: 'enum', values: Object.values(def.entries ?? {}).map(String) };
    case 'literal':
      return { t: 'enum', values: (def.values ?? []).map(String) };
    case 'array':
      return { t: 'list', of: def.element ? zodToType(def.element) : ANY };
    case 'object':
      return { t: 'record', fields: objectFields(schema) };
    case 'record':
      return { t: 'map', of: def.valueType ? zodToType(def.valueType) : ANY };
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
    case 'nonoptional':
      return def.innerType ? zodToType(def.innerType) : ANY;
    default:
      return ANY;
  }
}

export function isOptional(schema: z.ZodType): boolean {
  const t = defOf(schema).type;
  return t === 'optional' || t === 'default' || t === 'nullable';
}

export function objectFields(schema: z.ZodType): Field[] {
  const shape = defOf(schema).shape ?? {};
  return Object.entries(shape).map(([name, s]) => ({ name, type: zodToType(s), optional: isOptional(s), pii: false }));
}
