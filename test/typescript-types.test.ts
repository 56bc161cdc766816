/**
 * `svcflow types`: TypeScript rendered from a catalog (src/engine/typescript.ts), and compiled
 * with the TypeScript compiler's own API: an implementation that matches the declaration
 * compiles (and is what createWorker's `implementations` takes); each one that does not fails.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { renderTypes, systemTypeName, TypesError, typeOf } from '../src/engine/typescript.js';
import type { Catalog } from '../src/dsl/catalog.js';
import type { Field, TypeRef } from '../src/ir/schema.js';

const field = (name: string, type: TypeRef, optional = false): Field => ({ name, type, optional, pii: false });
const SHOP: Catalog = {
  systems: [
    {
      name: 'shop',
      description: 'Orders, with a */ in its description.',
      taskQueue: 'shop-go',
      channels: [],
      operations: [
        {
          name: 'placeOrder',
          description: 'Place an order.',
          input: [
            field('customer', { t: 'phone' }),
            field('items', { t: 'list', of: { t: 'record', fields: [field('sku', { t: 'string' }), field('count', { t: 'int' })] } }),
            field('total', { t: 'money' }),
            field('deliverBy', { t: 'time' }, true),
            field('gift-note', { t: 'string' }, true),
          ],
          output: { t: 'record', fields: [field('orderId', { t: 'string' }), field('state', { t: 'enum', values: ['placed', 'held'] }), field('extra', { t: 'any' }, true)] },
          startToCloseMs: 10_000,
          retry: {},
          errors: [{ code: 'shop/out-of-stock', description: 'an item is sold out' }],
        },
      ],
    },
  ],
};

test('a catalog renders as one type per system: DSL types as TypeScript, optional fields, the meta', (t) => {
  const text = renderTypes(SHOP);
  t.regex(text, /export interface ActivityMeta \{[^}]*idempotencyKey: string;[^}]*step: string;[^}]*process: string;[^}]*version: number;/s);
  t.true(text.includes('export type ShopSystem = {'));
  t.true(
    text.includes(
      'placeOrder: (input: { customer: string; items: Array<{ sku: string; count: number }>; total: { fen: number; currency: string }; deliverBy?: string | null; "gift-note"?: string | null }, meta: ActivityMeta) => Promise<{ orderId: string; state: "placed" | "held"; extra?: unknown }>;',
    ),
    text,
  );
  t.true(text.includes('"shop/out-of-stock" (an item is sold out)'));
  t.false(text.includes('a */ in'), 'a description cannot end its comment');
  t.true(text.includes('shop: ShopSystem;'));
  t.is(systemTypeName('work_orders'), 'WorkOrdersSystem');
  let deep: TypeRef = { t: 'string' };
  for (let i = 0; i < 40; i++) deep = { t: 'list', of: deep };
  t.throws(() => typeOf(deep, false), { instanceOf: TypesError });
  t.throws(() => renderTypes({ systems: [SHOP.systems[0]!, { ...SHOP.systems[0]!, name: 'Shop' }] }), { instanceOf: TypesError, message: /would both be ShopSystem/ });
});

const implementations = fileURLToPath(new URL('../../src/engine/implementations.ts', import.meta.url));

/** The diagnostics of each file, compiled strictly in one program with the rendered types beside them. */
function compile(dir: string, files: Map<string, string>): Map<string, string[]> {
  const paths = [...files].map(([name, code]) => {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, code);
    return [name, file] as const;
  });
  const program = ts.createProgram(
    paths.map(([, file]) => file),
    { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, types: [] },
  );
  return new Map(paths.map(([name, file]) => [name, ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))]));
}

const implementation = (body: string) => `import type { ShopSystem, SystemImplementations } from './types.js';
import type { Implementations } from ${JSON.stringify(implementations.replace(/\.ts$/, '.js'))};
${body}
const all: SystemImplementations = { shop };
export const forWorker: Implementations = all;
`;

test('an implementation typed from the declaration compiles; one that does not match it fails tsc', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'svcflow-types-'));
  try {
    writeFileSync(join(dir, 'types.ts'), renderTypes(SHOP));
    const good = `const shop: ShopSystem = {
  placeOrder: async (input, meta) => ({ orderId: \`\${meta.idempotencyKey}/\${input.items.length}/\${input.total.fen}\`, state: input.deliverBy ? 'held' : 'placed' }),
};`;
    const wrong: Array<[string, string, RegExp]> = [
      ['an output value not declared', `const shop: ShopSystem = { placeOrder: async () => ({ orderId: 'o', state: 'shipped' as const }) };`, /"shipped"/],
      ['an output field missing', `const shop: ShopSystem = { placeOrder: async () => ({ state: 'placed' as const }) };`, /orderId/],
      ['an input read as what it is not', `const shop: ShopSystem = { placeOrder: async (input: { customer: number }) => ({ orderId: String(input.customer), state: 'placed' as const }) };`, /customer/],
      ['an operation missing', `const shop: ShopSystem = {};`, /placeOrder/],
      ['an operation not declared', `const shop: ShopSystem = { placeOrder: async () => ({ orderId: 'o', state: 'placed' as const }), cancelOrder: async () => ({}) };`, /cancelOrder/],
      ['money as a number', `const shop: ShopSystem = { placeOrder: async (input) => ({ orderId: (input.total + 1).toFixed(), state: 'placed' as const }) };`, /\+|operator/],
    ];
    const files = new Map([['good', implementation(good)], ...wrong.map(([, body], i) => [`wrong${i}`, implementation(body)] as [string, string])]);
    const diagnostics = compile(dir, files);
    t.deepEqual(diagnostics.get('good'), [], 'the matching implementation compiles, and createWorker takes it');
    for (const [i, [what, , says]] of wrong.entries()) {
      const found = diagnostics.get(`wrong${i}`)!;
      t.true(found.length > 0, `${what}: it must fail tsc`);
      t.regex(found.join('\n'), says, what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('svcflow types --catalog writes the rendered types; a file that is not a catalog is refused in one line', (t) => {
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'svcflow-types-cli-'));
  try {
    writeFileSync(join(dir, 'catalog.json'), JSON.stringify(SHOP));
    const ok = spawnSync(process.execPath, [cli, 'types', '--catalog', join(dir, 'catalog.json'), '--out', join(dir, 'systems.ts')], { encoding: 'utf8', timeout: 60_000 });
    t.is(ok.status, 0, ok.stderr);
    t.is(readFileSync(join(dir, 'systems.ts'), 'utf8'), renderTypes(SHOP));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ systems: [{ ...SHOP.systems[0], name: 'no spaces please' }] }));
    const bad = spawnSync(process.execPath, [cli, 'types', '--catalog', join(dir, 'bad.json')], { encoding: 'utf8', timeout: 60_000 });
    t.is(bad.status, 1);
    t.regex(bad.stderr, /^svcflow: error: the catalog .* is not a catalog: systems\.0\.name must be a name/);
    t.is(bad.stdout, '');
    // Without --catalog: the project's declared systems (this repository's: the telecom module's).
    const project = spawnSync(process.execPath, [cli, 'types'], { encoding: 'utf8', timeout: 60_000, cwd: fileURLToPath(new URL('../../', import.meta.url)) });
    t.is(project.status, 0, project.stderr);
    t.regex(project.stdout, /export type BillingSystem = \{/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
