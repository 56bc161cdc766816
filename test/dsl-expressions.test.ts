/**
 * Operator precedence. The grammar reads `operand (operator operand)*` flat and the AST builder
 * applies precedence, so these pin the trees it builds and the forms the parser refuses.
 */
import test from 'ava';
import { compileSource, parseSource } from '../src/dsl/compile.js';
import type * as A from '../src/dsl/ast.js';
import { fixtureCatalog } from './helpers/catalog.js';

/** The expression as fully parenthesised text. */
function show(e: A.Expr): string {
  switch (e.kind) {
    case 'Name':
      return e.name;
    case 'Literal':
      return JSON.stringify(e.value);
    case 'Member':
      return `${show(e.object)}.${e.property.name}`;
    case 'Index':
      return `${show(e.object)}[${show(e.index)}]`;
    case 'Unary':
      return e.op === 'not' ? `(not ${show(e.arg)})` : `(-${show(e.arg)})`;
    case 'Binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'List':
      return `[${e.items.map(show).join(', ')}]`;
    case 'Call':
      return `${e.fn.name}(${e.args.map(show).join(', ')})`;
    default:
      return e.kind;
  }
}

const processWith = (expr: string) => `process P version 1\n  set x = ${expr}\n`;

function parseExpr(expr: string): A.Expr {
  const parsed = parseSource({ file: 'p.flow', text: processWith(expr) });
  const problems = parsed.sink.items.map((d) => `${d.line}:${d.column} ${d.code}: ${d.message}`);
  if (problems.length) throw new Error(problems.join('\n'));
  const step = parsed.ast!.processes[0]!.steps[0]!;
  if (step.kind !== 'SetStep') throw new Error(step.kind);
  return step.value;
}

const trees: Array<[string, string]> = [
  ['a or b and c', '(a or (b and c))'],
  ['a and b or c', '((a and b) or c)'],
  ['a or b or c', '((a or b) or c)'],
  ['not a == b and c', '((not (a == b)) and c)'],
  ['a and not b or c', '((a and (not b)) or c)'],
  ['not a + 1 > b * 2', '(not ((a + 1) > (b * 2)))'],
  ['a - b - c', '((a - b) - c)'],
  ['a + b * c % d', '(a + ((b * c) % d))'],
  ['a / b * c', '((a / b) * c)'],
  ['-a.b * 2', '((-a.b) * 2)'],
  ['not -a > b', '(not ((-a) > b))'],
  ['a + b == c * d', '((a + b) == (c * d))'],
  ['x in [1, 2] and y != 3', '((x in [1, 2]) and (y != 3))'],
  ['(a == b) == c', '((a == b) == c)'],
  ['(a or b) and c', '((a or b) and c)'],
  ['a == (not b)', '(a == (not b))'],
  ['m[a + 1].k <= len(xs) - 1', '(m[(a + 1)].k <= (len(xs) - 1))'],
];

for (const [source, tree] of trees) {
  test(`${source} reads as ${tree}`, (t) => {
    t.is(show(parseExpr(source)), tree);
  });
}

test('an operator node spans its operands; a not spans from the not to the end of what it negates', (t) => {
  const e = parseExpr('not a == bb and c');
  if (e.kind !== 'Binary' || e.left.kind !== 'Unary') return t.fail(show(e));
  // `  set x = ` is 10 columns: the expression starts at column 11 of line 2.
  t.deepEqual(e.left.range, { line: 2, column: 11, endLine: 2, endColumn: 21 });
  t.deepEqual(e.range, { line: 2, column: 11, endLine: 2, endColumn: 27 });
});

const refused: Array<[string, string, number]> = [
  ['a == b == c', 'comparison', 18],
  ['a < b + 1 >= c', 'comparison', 21],
  ['a == not b', "'not'", 16],
  ['a + not b', "'not'", 15],
  ['not not a', 'a value', 15],
];

for (const [source, words, column] of refused) {
  test(`${source} is a syntax error where it goes wrong`, (t) => {
    const parsed = parseSource({ file: 'p.flow', text: processWith(source) });
    const d = parsed.sink.items.map((x) => ({ at: `${x.line}:${x.column}`, code: x.code, message: x.message }));
    t.is(d.length, 1, JSON.stringify(d));
    t.is(d[0]!.code, 'parse/syntax');
    t.is(d[0]!.at, `2:${column}`);
    t.true(d[0]!.message.includes(words), d[0]!.message);
  });
}

test('a chained comparison inside a template part is an invalid template, not a crash', (t) => {
  const parsed = parseSource({ file: 'p.flow', text: processWith('"total: {a == b == c}"') });
  t.deepEqual(
    parsed.sink.items.map((x) => x.code),
    ['parse/invalid-template'],
  );
});

test('the steps after a refused expression are still read (one error per step)', (t) => {
  const text = 'process P version 1\n  set x = a == b == c\n  set y = 1 +\n  set z = a + not b\n  end "ok"\n';
  const parsed = parseSource({ file: 'p.flow', text });
  t.deepEqual(
    parsed.sink.items.map((x) => `${x.line}:${x.column} ${x.code}`),
    ['2:18 parse/syntax', '3:14 parse/syntax', '4:15 parse/syntax'],
  );
});

test('a value missing altogether is "expected a value after …", with the hint of the list or the arguments around it', (t) => {
  for (const [step, column, hint] of [
    ['set x = [a, , b]', 15, 'a list reads'],
    ['call billing.getAccount(accountId: )', 38, 'arguments read'],
  ] as const) {
    const parsed = parseSource({ file: 'p.flow', text: `process P version 1\n  ${step}\n` });
    const d = parsed.sink.items;
    t.is(d.length, 1, JSON.stringify(d));
    t.is(`${d[0]!.line}:${d[0]!.column} ${d[0]!.code}`, `2:${column} parse/syntax`);
    t.regex(d[0]!.message, /^expected a value after /);
    t.true(d[0]!.hint?.startsWith(hint), d[0]!.hint);
  }
});

test('an escalation to an empty level has no level in the IR (and so the hash it always had)', (t) => {
  const text = 'process P version 1\n  wait signal go within 2h\n    escalate after 1h to "" {\n      set x = 1\n    }\n';
  const { processes, diagnostics } = compileSource(text, 'p.flow', { catalog: fixtureCatalog });
  t.deepEqual(diagnostics, []);
  t.false(JSON.stringify(processes[0]!.steps[0]).includes('"level"'));
});
