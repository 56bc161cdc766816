/**
 * The telecom module's declared systems (modules/telecom/systems/*.flow) agree with what its
 * implementation checks: the zod contracts in modules/telecom/src/catalog (names, input and output
 * types, optional fields, timeouts, retries, descriptions, business errors), and the message
 * templates its notification system stores (placeholders per template, in every language).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CATALOG } from '../modules/telecom/src/catalog/index.js';
import { indexCatalog } from '../src/dsl/catalog.js';
import type { Field, TypeRef } from '../src/ir/schema.js';
import { telecomCatalog } from './helpers/catalog.js';
import { objectFields, zodToType } from './helpers/zod-types.js';

const index = indexCatalog(telecomCatalog);

/** Whether a declared type says what the zod schema checks (where zod says `any`, a declaration may say more). */
function disagreement(declared: TypeRef, zod: TypeRef, path: string): string | undefined {
  if (zod.t === 'any') return undefined;
  if (declared.t !== zod.t) return `${path}: declared ${declared.t}, zod ${zod.t}`;
  if (declared.t === 'enum' && zod.t === 'enum') return declared.values.join('|') === zod.values.join('|') ? undefined : `${path}: ${declared.values.join('|')} vs ${zod.values.join('|')}`;
  if ((declared.t === 'list' || declared.t === 'map') && (zod.t === 'list' || zod.t === 'map')) return disagreement(declared.of, zod.of, `${path}[]`);
  if (declared.t === 'record' && zod.t === 'record') return fieldsDisagree(declared.fields, zod.fields, path);
  return undefined;
}

function fieldsDisagree(declared: Field[], zod: Field[], path: string): string | undefined {
  const names = (fs: Field[]) => fs.map((f) => `${f.name}${f.optional ? '?' : ''}`).join(', ');
  if (names(declared) !== names(zod)) return `${path}: declared { ${names(declared)} }, zod { ${names(zod)} }`;
  for (const [i, f] of declared.entries()) {
    const d = disagreement(f.type, zod[i]!.type, `${path}.${f.name}`);
    if (d) return d;
  }
  return undefined;
}

test('every zod contract is a declared operation, and every declared operation has a contract', (t) => {
  t.deepEqual([...index.operationNames()].sort(), [...CATALOG.keys()].sort());
});

for (const [name, contract] of CATALOG) {
  test(`${name}: the declaration agrees with its zod contract`, (t) => {
    const found = index.operation(name);
    if (!found) return t.fail(`${name} is not declared`);
    const op = found.operation;
    t.is(found.system.name, contract.system);
    t.is(op.description, contract.description);
    t.is(fieldsDisagree(op.input, objectFields(contract.input), 'input'), undefined);
    t.is(disagreement(op.output, zodToType(contract.output), 'output'), undefined);
    t.is(op.startToCloseMs, contract.startToCloseMs);
    t.deepEqual(op.retry, { ...contract.retry });
    t.deepEqual(op.errors, Object.entries(contract.errors).map(([code, description]) => ({ code, description })));
  });
}

test("notification.sendSms types vars as a map of texts, not as any (a money value is a check error)", (t) => {
  const op = index.operation('notification.sendSms')!.operation;
  t.deepEqual(op.input.find((f) => f.name === 'vars')?.type, { of: { t: 'string' }, t: 'map' });
  t.is(op.templateField, 'template');
  t.is(op.varsField, 'vars');
});

/** The templates the notification system stores (the reference data), with each language's placeholders. */
function storedTemplates(): Map<string, Map<string, string[]>> {
  const sql = readFileSync(fileURLToPath(new URL('../../modules/telecom/demo/1700000002000_reference-data.sql', import.meta.url)), 'utf8');
  const out = new Map<string, Map<string, string[]>>();
  for (const m of sql.matchAll(/\('([a-z0-9.-]+)', '(zh-CN|en)', '((?:[^']|'')*)'\)/g)) {
    const byLocale = out.get(m[1]!) ?? new Map<string, string[]>();
    byLocale.set(m[2]!, [...new Set([...m[3]!.matchAll(/\{(\w+)\}/g)].map((x) => x[1]!))].sort());
    out.set(m[1]!, byLocale);
  }
  return out;
}

test('the declared templates are the stored ones, each with the placeholders of every language it is stored in', (t) => {
  const stored = storedTemplates();
  t.true(stored.size > 10);
  t.deepEqual(index.templateIds('notification').sort(), [...stored.keys()].sort());
  for (const [id, byLocale] of stored) {
    const declared = [...index.template('notification', id)!.placeholders].sort();
    for (const [locale, placeholders] of byLocale) t.deepEqual(placeholders, declared, `${id} in ${locale}`);
  }
});
