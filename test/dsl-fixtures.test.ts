/**
 * Fixture folders: every file in test/dsl/good compiles without a diagnostic; every file in
 * test/dsl/bad yields exactly the diagnostics its `# expect: LINE:COL code` comments list
 * (codes and positions, not wording). Each compiles against the telecom module's systems (with
 * the fixtures' own message templates, helpers/catalog.ts), and the systems it declares itself.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { compileSources } from '../src/dsl/compile.js';
import { indexCatalog } from '../src/dsl/catalog.js';
import { renderLookaheadTable } from '../src/dsl/generated.js';
import { hashIR, inCanonicalOrder } from '../src/dsl/lower.js';
import { dslFixtureCatalog as fixtureCatalog, telecomCatalog } from './helpers/catalog.js';
import { computeLookaheadTable, CstChildren, lookahead, parseTokens, renderCstTypes } from '../src/dsl/parser.js';
import { lex } from '../src/dsl/lexer.js';
import type { CstNode } from 'chevrotain';
import { ProcessIR } from '../src/ir/schema.js';

const root = fileURLToPath(new URL('../../test/dsl/', import.meta.url));
const processesDir = fileURLToPath(new URL('../../processes/', import.meta.url));
const flows = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.flow')).sort();

for (const name of flows(join(root, 'good'))) {
  test(`good/${name} compiles cleanly to valid IR`, (t) => {
    const text = readFileSync(join(root, 'good', name), 'utf8');
    const { processes, diagnostics } = compileSources([{ file: name, text }], { catalog: fixtureCatalog });
    t.deepEqual(diagnostics.map((d) => `${d.line}:${d.column} ${d.code}: ${d.message}`), []);
    t.true(processes.length > 0);
    for (const p of processes) {
      t.notThrows(() => ProcessIR.parse(JSON.parse(JSON.stringify(p))));
      // The compiler builds the IR in its canonical key order, so hashing it is one JSON.stringify.
      const { hash, source: _source, ...content } = p;
      t.true(inCanonicalOrder(content), 'the IR is built with sorted keys');
      // The same IR with every object's keys reversed (as another producer might order them) has the same hash.
      const reversed = (v: unknown): unknown =>
        Array.isArray(v) ? v.map(reversed) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
      const shuffled = reversed(content) as object;
      t.false(inCanonicalOrder(shuffled));
      t.is(hashIR(shuffled), hash);
    }
  });
}

for (const name of flows(join(root, 'bad'))) {
  test(`bad/${name} reports the expected diagnostics`, (t) => {
    const text = readFileSync(join(root, 'bad', name), 'utf8');
    const expected = [...text.matchAll(/#\s*expect:\s*(\d+):(\d+)\s+([\w/-]+)/g)].map((m) => `${m[1]}:${m[2]} ${m[3]}`).sort();
    t.true(expected.length > 0, 'a bad fixture lists its expected diagnostics');
    const { processes, diagnostics } = compileSources([{ file: name, text }], { catalog: fixtureCatalog });
    t.deepEqual(diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`).sort(), expected);
    t.deepEqual(processes, [], 'nothing is compiled from a file with errors');
  });
}

test('every process in processes/ compiles cleanly, together (child processes resolve)', (t) => {
  const sources = flows(processesDir).map((f) => ({ file: f, text: readFileSync(join(processesDir, f), 'utf8') }));
  t.true(sources.length > 0);
  const { processes, diagnostics } = compileSources(sources, { catalog: telecomCatalog });
  t.deepEqual(diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}`), []);
  t.is(processes.length, new Set(processes.map((p) => p.name)).size);
});

test('catalog lookups are by exact name: nothing inherited is an operation or a channel', (t) => {
  const index = indexCatalog(telecomCatalog);
  t.truthy(index.operation('billing.charge'));
  t.is(index.operation('billing.nope'), undefined);
  for (const name of ['toString', '__proto__', 'constructor', 'billing.toString', 'billing.__proto__']) {
    t.is(index.operation(name), undefined, name);
    t.is(index.channel(name), undefined, name);
    t.is(index.system(name), undefined, name);
    t.is(index.template('notification', name), undefined, name);
  }
});

test('without a catalog, the compiler knows no activity (the core names no system)', (t) => {
  const text = readFileSync(join(processesDir, 'secondary-confirmation.flow'), 'utf8');
  const { processes, diagnostics } = compileSources([{ file: 'secondary-confirmation.flow', text }]);
  t.deepEqual(processes, []);
  t.true(diagnostics.length > 0);
  t.true(diagnostics.every((d) => d.code === 'check/unknown-activity' || d.code === 'check/unknown-compensation' || d.code === 'check/unknown-channel'));
});

test('the parser reads its lookahead and CST types as generated from the grammar (npm run gen:grammar)', (t) => {
  const generated = (name: string) => readFileSync(fileURLToPath(new URL(`../../src/dsl/${name}`, import.meta.url)), 'utf8');
  t.is(generated('lookahead-table.ts'), renderLookaheadTable(computeLookaheadTable()), 'src/dsl/lookahead-table.ts is out of date: run npm run gen:grammar');
  t.is(generated('cst.d.ts'), renderCstTypes(), 'src/dsl/cst.d.ts is out of date: run npm run gen:grammar');
  t.deepEqual(lookahead.computed, {}, 'the parser took every production from the table, computed none');
});

test("every CST node is opened by the parser's own cstInvocationStateUpdate (fast children that inherit nothing)", (t) => {
  const text = readFileSync(join(processesDir, 'secondary-confirmation.flow'), 'utf8');
  const { cst, errors } = parseTokens(lex(text).tokens);
  t.deepEqual(errors, []);
  let nodes = 0;
  const walk = (node: CstNode) => {
    nodes++;
    // A Chevrotain that no longer calls the method would build null-prototype children.
    t.is(Object.getPrototypeOf(node.children), CstChildren.prototype, node.name);
    for (const items of Object.values(node.children)) for (const x of items) if ('children' in x) walk(x);
  };
  walk(cst);
  t.true(nodes > 100);
  const children = new CstChildren();
  for (const inherited of ['toString', 'constructor', 'hasOwnProperty', '__proto__', 'valueOf']) t.is(children[inherited], undefined, inherited);
});
