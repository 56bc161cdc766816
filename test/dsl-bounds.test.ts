/**
 * The compiler, bounded (issue 10): names from Object.prototype meet no prototype, nesting past
 * the documented limit is a positioned `parse/too-deep` (not a stack overflow), checking nested
 * blocks is near-linear, a process defined in two files is an error, and a file's bytes that are
 * not UTF-8 or texts with control characters are positioned diagnostics.
 */
import test from 'ava';
import { compileSource as compileOne, compileSources as compileAll, MAX_NESTING, MAX_OPERATORS, sourceFromBytes, type SourceFile } from '../src/dsl/compile.js';
import { fixtureCatalog } from './helpers/catalog.js';

const compileSource = (text: string, file?: string) => compileOne(text, file, { catalog: fixtureCatalog });
const compileSources = (sources: SourceFile[]) => compileAll(sources, { catalog: fixtureCatalog });
import type { Diagnostic } from '../src/dsl/diagnostics.js';
import { LEVELS_PER_N, NESTING } from '../bench/nesting.js';

const head = 'process P version 1\n  input { id: string, fee: money }\n';
const proc = (body: string) => `${head}${body}\n  end "ok"\n`;
const codes = (ds: Diagnostic[]) => ds.map((d) => `${d.line}:${d.column} ${d.code}`);
const has = (ds: Diagnostic[], code: string) => ds.some((d) => d.code === code);

// ── 15: names from Object.prototype ────────────────────────────────────────────────────────
const PROTO_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'toLocaleString', '__defineGetter__'];

for (const name of PROTO_NAMES) {
  test(`a function named ${name} is check/unknown-function at its position, not a crash`, (t) => {
    const r = compileSource(proc(`  set x = ${name}()`));
    const d = r.diagnostics.find((x) => x.code === 'check/unknown-function');
    t.truthy(d, JSON.stringify(r.diagnostics));
    t.is(`${d!.line}:${d!.column}`, '3:11');
  });
}

test('names from Object.prototype as activities, processes, variables, types, fields and calendars are diagnostics', (t) => {
  for (const name of PROTO_NAMES.filter((n) => n !== '__proto__')) {
    const steps = [
      `  call ${name}(a: 1)`,
      `  call billing.${name}(a: 1)`,
      `  call process ${name}(a: 1)`,
      `  set y = ${name}`,
      `  set z = input.${name}`,
      `  call billing.getAccount(accountId: input.id, ${name}: 1)`,
    ].join('\n');
    const text = `process P version 1\n  uses calendar ${name}\n  input { id: string, t: ${name} }\n  index ${name}\n${steps}\n  end "ok"\n`;
    const r = compileSource(text);
    const got = new Set(r.diagnostics.map((d) => d.code));
    for (const code of ['check/unknown-process', 'check/unknown-calendar', 'check/unknown-type', 'check/unknown-index-field', 'check/unknown-activity', 'check/undefined-variable', 'check/unknown-field', 'check/unknown-argument']) {
      t.true(got.has(code as Diagnostic['code']), `${name}: ${code} in ${JSON.stringify(codes(r.diagnostics))}`);
    }
    t.true(r.diagnostics.every((d) => d.line >= 1 && d.column >= 1));
  }
});

test('a name from Object.prototype is an ordinary field name: declared, it is read as an own field', (t) => {
  const r = compileSource(proc('  set a = input.id\n  set b = { constructor: 1, toString: "x" }\n  set c = b.constructor + 1\n  set d = upper(b.toString)').replace('fee: money', 'fee: money, constructor: int'));
  t.deepEqual(codes(r.diagnostics), []);
});

// ── 16: __proto__ ──────────────────────────────────────────────────────────────────────────
test('__proto__ as a record key, field, argument, variable, index field or literal index is check/reserved-name', (t) => {
  const cases: Array<[string, string]> = [
    [proc('  set x = { __proto__: { a: 1 } }'), '3:13'],
    [proc('  set __proto__ = 1'), '3:7'],
    [`process P version 1\n  input { __proto__: string }\n  end "ok"\n`, '2:11'],
    [`process P version 1\n  input { id: string }\n  output { __proto__: int }\n  end "ok" with { __proto__: 1 }\n`, '3:12'],
    [proc('  call billing.getAccount(accountId: input.id, __proto__: 1)'), '3:48'],
    [proc('  set x = input["__proto__"]'), '3:17'],
    [proc('  set x = input.__proto__'), '3:17'],
    [proc('  wait __proto__ = signal go within 1h'), '3:8'],
    [proc('  for each __proto__ in [1] { set y = 1 }'), '3:12'],
    [proc('  wait r = signal go(__proto__: string) within 1h'), '3:22'],
  ];
  for (const [text, at] of cases) {
    const r = compileSource(text);
    t.true(codes(r.diagnostics).includes(`${at} check/reserved-name`), `${JSON.stringify(text)}: ${JSON.stringify(codes(r.diagnostics))}`);
    t.deepEqual(r.processes, []);
  }
});

// ── 13: nesting ────────────────────────────────────────────────────────────────────────────
const deep = {
  if: (n: number) => proc(`${'  if true {\n'.repeat(n)}  set x = 1\n${'  }\n'.repeat(n)}`),
  parens: (n: number) => proc(`  set x = ${'('.repeat(n)}1${')'.repeat(n)}`),
  lists: (n: number) => proc(`  set x = ${'['.repeat(n)}1${']'.repeat(n)}`),
  records: (n: number) => proc(`  set x = ${'{ a: '.repeat(n)}1${' }'.repeat(n)}`),
  elseIf: (n: number) => proc(`  if input.id == "0" { set x = 0 }${Array.from({ length: n }, (_, i) => ` else if input.id == "${i + 1}" { set x = ${i + 1} }`).join('')}`),
  plus: (n: number) => proc(`  set x = ${Array.from({ length: n }, (_, i) => String(i)).join(' + ')}`),
  and: (n: number) => proc(`  set x = ${Array.from({ length: n }, () => 'true').join(' and ')}`),
  repeat: (n: number) => proc(`${'  repeat 2 times {\n'.repeat(n)}  set x = 1\n${'  }\n'.repeat(n)}`),
  listType: (n: number) => `process P version 1\n  input { id: ${'list of '.repeat(n)}string }\n  end "ok"\n`,
  template: (n: number) => proc(`  set x = "a {${'('.repeat(n)}1${')'.repeat(n)}}"`),
  chainsInParens: (n: number) => proc(`  set x = ${'('.repeat(Math.min(n, 50))}1${`${' + 1'.repeat(150)})`.repeat(Math.min(n, 50))}`),
  suffixesInBrackets: (n: number) => proc(`  set x = ${'input.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t['.repeat(Math.min(n, 60))}0${']'.repeat(Math.min(n, 60))}`),
  parensInChains: (n: number) => proc(`  set x = ${Array.from({ length: n }, () => `1 + (`).join('')}1${')'.repeat(n)}`),
};

for (const [kind, make] of Object.entries(deep)) {
  test(`nesting of ${kind} far past the limit is a positioned parse/too-deep, not a crash`, (t) => {
    const text = make(3000);
    let r: ReturnType<typeof compileSource> | undefined;
    t.notThrows(() => (r = compileSource(text, 'deep.flow')));
    const d = r!.diagnostics.find((x) => x.code === 'parse/too-deep');
    t.truthy(d, JSON.stringify(r!.diagnostics.slice(0, 3)));
    t.true(d!.line >= 1 && d!.column >= 1 && d!.line <= text.split('\n').length);
    t.deepEqual(r!.processes, []);
  });
}

test('nesting up to the documented limits compiles', (t) => {
  for (const text of [deep.if(MAX_NESTING - 2), deep.parens(MAX_NESTING - 2), deep.lists(MAX_NESTING - 2), deep.repeat(MAX_NESTING - 2), deep.elseIf(MAX_NESTING - 2), deep.plus(MAX_OPERATORS)]) {
    const r = compileSource(text);
    t.deepEqual(codes(r.diagnostics), [], text.slice(0, 200));
    t.is(r.processes.length, 1);
  }
  t.true(has(compileSource(deep.plus(MAX_OPERATORS + 2)).diagnostics, 'parse/too-deep'));
});

test('a file nested too deep does not stop the files compiled with it', (t) => {
  const good = proc('  set x = 1');
  const r = compileSources([
    { file: 'good.flow', text: good },
    { file: 'deep.flow', text: deep.parens(5000) },
  ]);
  t.deepEqual(r.processes.map((p) => p.source.file), ['good.flow']);
  t.true(r.diagnostics.every((d) => d.file === 'deep.flow'));
  t.true(r.diagnostics.some((d) => d.code === 'parse/too-deep'));
});

// ── 14: checking is near-linear in nesting ─────────────────────────────────────────────────
for (const kind of ['parallel', 'escalations', 'repeat', 'forEach', 'if'] as const) {
  test(`checking ${kind} nested to the limit takes time near-linear in the file`, (t) => {
    const text = NESTING[kind](Math.floor((MAX_NESTING - 2) / LEVELS_PER_N[kind]));
    const started = performance.now();
    const r = compileSource(text);
    const ms = performance.now() - started;
    t.deepEqual(codes(r.diagnostics), []);
    t.true(ms < 1500, `${kind}: ${ms.toFixed(0)} ms for ${text.length} bytes`);
  });
}

// ── 17: one process in two files ───────────────────────────────────────────────────────────
test('the same process name and version in two files is check/duplicate-process in the second', (t) => {
  const text = proc('  set x = 1');
  const r = compileSources([
    { file: 'a.flow', text },
    { file: 'b.flow', text: `# another\n${text}` },
  ]);
  t.deepEqual(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`), ['b.flow:2:9 check/duplicate-process']);
  const other = compileSources([
    { file: 'a.flow', text },
    { file: 'b.flow', text: text.replace('version 1', 'version 2') },
  ]);
  t.deepEqual(codes(other.diagnostics), [], 'another version of it is not a duplicate');
});

// ── 18 and 10: bytes that are not UTF-8, control characters in texts ─────────────────────────
test('bytes that are not UTF-8 are parse/invalid-encoding at their position, not U+FFFD', (t) => {
  const text = proc('  set x = "ab\u0001cd"');
  const at = text.indexOf('\u0001');
  const bytes = Buffer.from(text, 'utf8');
  for (const bad of [[0xff], [0xc3], [0xe4, 0xb8], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
    const b = Buffer.concat([bytes.subarray(0, Buffer.byteLength(text.slice(0, at))), Buffer.from(bad), bytes.subarray(Buffer.byteLength(text.slice(0, at + 1)))]);
    const r = compileSources([sourceFromBytes('bad.flow', b)]);
    t.deepEqual(codes(r.diagnostics), ['3:14 parse/invalid-encoding'], JSON.stringify(bad));
  }
  // A U+FFFD written in the file is a character like any other.
  const ok = compileSources([sourceFromBytes('ok.flow', Buffer.from(proc('  set x = "a\uFFFDb 中文"'), 'utf8'))]);
  t.deepEqual(codes(ok.diagnostics), []);
  t.is(ok.processes.length, 1);
});

test('a NUL or another control character in a text literal is check/invalid-literal at the text', (t) => {
  for (const literal of ['"a\\u0000b"', '"a\u0000b"', '"\\u001b[31m"', '"a\u0007"', '"x {input.id} \\u0000"']) {
    const r = compileSource(proc(`  set x = ${literal}`));
    t.deepEqual(codes(r.diagnostics), ['3:11 check/invalid-literal'], literal);
  }
  const fine = compileSource(proc('  set x = "a\\tb\\nc"'));
  t.deepEqual(codes(fine.diagnostics), []);
});

// ── 9: money of different currencies ───────────────────────────────────────────────────────
test('comparing or adding money of different currencies written out is check/currency-mismatch', (t) => {
  for (const op of ['<', '<=', '>', '>=', '+', '-']) {
    const r = compileSource(proc(`  set x = ¥1.00 ${op} 2.00 USD`));
    t.deepEqual(codes(r.diagnostics), ['3:11 check/currency-mismatch'], op);
  }
  t.deepEqual(codes(compileSource(proc('  set x = max(¥1.00, -2.00 USD)')).diagnostics), ['3:11 check/currency-mismatch'], 'max');
  t.deepEqual(codes(compileSource(proc('  set x = ¥1.00 < 2.00 CNY')).diagnostics), []);
  t.deepEqual(codes(compileSource(proc('  set x = input.fee < 2.00 USD')).diagnostics), [], 'unknown statically: checked when it runs');
});
