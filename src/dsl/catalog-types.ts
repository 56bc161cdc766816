/**
 * The activity catalog's zod schemas, seen as DSL types, so that the checker can tell
 * `amount: "thirty"` from `amount: ¥30.00` before anything runs. This runs where the catalog
 * changes (`npm run gen:catalog`, and the test that keeps its output in step), not on every
 * compile: the compiler reads the generated table and so starts without zod (in a fresh process
 * that has loaded one module already, importing the zod catalog takes 109 ms, the table 8.6 ms;
 * medians of 9).
 */
import type { z } from 'zod';
import type { Field, RetryPolicy, TypeRef } from '../ir/schema.js';
import { ANY } from '../ir/types.js';
import { dslTypes } from '../../modules/telecom/src/catalog/contract.js';
import { CATALOG } from '../../modules/telecom/src/catalog/index.js';

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
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

/** What the checker and the lowering need of one activity: its types and its defaults. */
export interface ActivitySignature {
  input: Field[];
  output: TypeRef;
  startToCloseMs: number;
  retry: RetryPolicy;
}

/**
 * The whole catalog as signatures, in catalog order: what `npm run gen:catalog` writes to
 * src/dsl/catalog-signatures.ts, so that compiling needs neither zod nor the contracts.
 */
export function catalogSignatures(): Record<string, ActivitySignature> {
  const out: Record<string, ActivitySignature> = {};
  for (const [name, c] of CATALOG) {
    out[name] = { input: objectFields(c.input), output: zodToType(c.output), startToCloseMs: c.startToCloseMs, retry: { ...c.retry } };
  }
  return out;
}
