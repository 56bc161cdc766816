/**
 * TypeScript from a catalog (`svcflow types`): one type per declared system, each operation a
 * function of its declared input and the meta to a promise of its declared output, so that an
 * implementation typed with it (`const crm: CrmSystem = { … }`) fails `tsc` on any mismatch.
 * Operations are properties, not methods: TypeScript checks a property's function parameters
 * strictly (a method's bivariantly, which would let a wrong input type through). Type aliases,
 * not interfaces: an alias is assignable to createWorker's `implementations` (an index
 * signature), an interface is not.
 */
import type { Field, TypeRef } from '../ir/schema.js';
import type { Catalog } from '../dsl/catalog.js';

/** How deep a declared type may nest before it is refused (a catalog from a file is outside input). */
export const MAX_TYPE_DEPTH = 32;

export class TypesError extends Error {
  override name = 'TypesError';
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));
/** A description as a JSDoc line: no comment terminator can end the comment early. */
const doc = (text: string | undefined, indent: string) => (text ? `${indent}/** ${text.replace(/\*\//g, '*\\/').replace(/\s*\n\s*/g, ' ')} */\n` : '');

/** `crm` → `CrmSystem`, `work_orders` → `WorkOrdersSystem`. */
export function systemTypeName(system: string): string {
  const words = system.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  if (!IDENTIFIER.test(name)) throw new TypesError(`system '${system}' has no name a TypeScript interface can have`);
  return `${name}System`;
}

/** The TypeScript of a declared type; `input`: optional fields may also be null (the workflow passes null for a value it does not have). */
export function typeOf(type: TypeRef, input: boolean, depth = 0): string {
  if (depth > MAX_TYPE_DEPTH) throw new TypesError(`a declared type nests deeper than ${MAX_TYPE_DEPTH} levels`);
  switch (type.t) {
    case 'string':
    case 'phone':
    case 'time':
      return 'string';
    case 'int':
    case 'number':
    case 'duration':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'money':
      return '{ fen: number; currency: string }';
    case 'any':
      return 'unknown';
    case 'enum':
      return type.values.map((v) => JSON.stringify(v)).join(' | ');
    case 'list':
      return `Array<${typeOf(type.of, input, depth + 1)}>`;
    case 'map':
      return `Record<string, ${typeOf(type.of, input, depth + 1)}>`;
    case 'record':
      return recordOf(type.fields, input, depth + 1);
  }
}

function recordOf(fields: readonly Field[], input: boolean, depth: number): string {
  if (!fields.length) return 'Record<string, never>';
  const parts = fields.map((f) => `${key(f.name)}${f.optional ? '?' : ''}: ${typeOf(f.type, input, depth)}${f.optional && input ? ' | null' : ''}`);
  return `{ ${parts.join('; ')} }`;
}

/** The module `svcflow types` writes. */
export function renderTypes(catalog: Catalog): string {
  const names = new Map<string, string>();
  const out: string[] = [
    '// Written by `svcflow types` from the systems the project declares: run it again after changing them, do not edit.',
    '',
    '/** The second argument of every operation, plain JSON in any language (README: "Serving a system from any worker"). */',
    'export interface ActivityMeta {',
    '  /** The same on every attempt and replay of one call: do the effect once per key. */',
    '  idempotencyKey: string;',
    '  /** The step that calls (`<step>:compensate` for its compensation). */',
    '  step: string;',
    '  process: string;',
    '  version: number;',
    '}',
    '',
  ];
  for (const system of catalog.systems) {
    const name = systemTypeName(system.name);
    if (names.has(name)) throw new TypesError(`systems '${names.get(name)}' and '${system.name}' would both be ${name}`);
    names.set(name, system.name);
    const queue = system.taskQueue ? `Served on the task queue ${JSON.stringify(system.taskQueue)}.` : "Served on the instance's own task queue.";
    out.push(doc(`${system.description ? `${system.description} ` : ''}${queue}`, '').trimEnd());
    out.push(`export type ${name} = {`);
    for (const op of system.operations) {
      const errors = op.errors.length ? ` Errors (non-retryable ApplicationFailure types): ${op.errors.map((e) => `${JSON.stringify(e.code)} (${e.description})`).join(', ')}.` : '';
      out.push(doc(`${op.description ?? `${system.name}.${op.name}`}${errors}`, '  ').trimEnd());
      out.push(`  ${key(op.name)}: (input: ${recordOf(op.input, true, 1)}, meta: ActivityMeta) => Promise<${typeOf(op.output, false)}>;`);
    }
    out.push('};', '');
  }
  out.push('/** Every declared system, as `createWorker({ catalog, implementations })` takes them. */');
  out.push(`export type SystemImplementations = {`);
  for (const [type, system] of names) out.push(`  ${key(system)}: ${type};`);
  out.push('};', '');
  return out.join('\n');
}
