/**
 * The interpreter's expression evaluator (pure): time arithmetic, money in whole fen, text.
 */
import test from 'ava';
import fc from 'fast-check';
import { evaluate, EvalError, type Value } from '../src/workflows/evaluate.js';
import type { Expr } from '../src/ir/schema.js';

const NOW = Date.parse('2026-11-23T08:00:00Z');
const ctx = (vars: Record<string, Value> = {}) => ({ lookup: (n: string) => vars[n], now: () => NOW, calendars: [] });
const lit = (value: string | number): Expr => ({ k: 'lit', value });
const bin = (op: '+' | '-' | '*' | '/', left: Expr, right: Expr): Expr => ({ k: 'binary', op, left, right });
const hours = (h: number): Expr => ({ k: 'duration', ms: h * 3_600_000 });

test('a time plus a duration is a time; a time minus a time is a duration', (t) => {
  const repairedAt = lit('2026-11-23T06:00:00.000Z');
  t.is(evaluate(bin('+', repairedAt, hours(24)), ctx()), '2026-11-24T06:00:00.000Z');
  t.is(evaluate(bin('+', hours(24), repairedAt), ctx()), '2026-11-24T06:00:00.000Z');
  t.is(evaluate(bin('-', repairedAt, hours(1)), ctx()), '2026-11-23T05:00:00.000Z');
  // The callback rule: `within input.repairedAt + input.revisitWithin - now()`
  const remaining = bin('-', bin('+', repairedAt, hours(24)), { k: 'call', fn: 'now', args: [] });
  t.is(evaluate(remaining, ctx()), 22 * 3_600_000);
});

test('text plus anything is still text', (t) => {
  t.is(evaluate(bin('+', lit('工单 '), lit(7)), ctx()), '工单 7');
  t.is(evaluate(bin('+', lit('due '), lit('2026-11-23T06:00:00Z')), ctx()), 'due 2026-11-23T06:00:00Z');
});

test('money stays whole fen and refuses mixed currencies', (t) => {
  const fee: Expr = { k: 'money', fen: 1001, currency: 'CNY' };
  t.deepEqual(evaluate(bin('/', fee, lit(2)), ctx()), { fen: 501, currency: 'CNY' });
  t.deepEqual(evaluate(bin('*', lit(2), fee), ctx()), { fen: 2002, currency: 'CNY' });
  t.throws(() => evaluate(bin('+', fee, { k: 'money', fen: 1, currency: 'USD' }), ctx()), { instanceOf: EvalError });
});

test('time + d - d is the same instant, for any instant and duration', (t) => {
  let runs = 0;
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms, d) => {
        runs++;
        const at = new Date(ms).toISOString();
        const back = evaluate(bin('-', bin('+', lit(at), { k: 'duration', ms: d }), { k: 'duration', ms: d }), ctx());
        return back === at;
      }),
      { numRuns: 200 },
    ),
  );
  t.is(runs, 200);
});

test('money of different currencies does not compare: runtime/currency, as for +; min and max too', (t) => {
  const yuan: Expr = { k: 'money', fen: 100, currency: 'CNY' };
  const dollars: Expr = { k: 'money', fen: 200, currency: 'USD' };
  for (const op of ['<', '<=', '>', '>='] as const) {
    const err = t.throws(() => evaluate({ k: 'binary', op, left: yuan, right: dollars }, ctx()), { instanceOf: EvalError });
    t.is(err?.code, 'runtime/currency');
  }
  t.is(t.throws(() => evaluate({ k: 'call', fn: 'max', args: [yuan, dollars] }, ctx()), { instanceOf: EvalError })?.code, 'runtime/currency');
  // Equality asks whether two values are the same, and they are not.
  t.false(evaluate({ k: 'binary', op: '==', left: { k: 'money', fen: 100, currency: 'USD' }, right: yuan }, ctx()) as boolean);
  t.true(evaluate({ k: 'binary', op: '<', left: yuan, right: { k: 'money', fen: 101, currency: 'CNY' } }, ctx()) as boolean);
});

test('a record key __proto__ is a plain key: {__proto__: {a: 1}} is not {}, and reads back', (t) => {
  const proto: Expr = { k: 'record', fields: [{ name: '__proto__', value: { k: 'record', fields: [{ name: 'a', value: lit(1) }] } }] };
  const empty: Expr = { k: 'record', fields: [] };
  t.false(evaluate({ k: 'binary', op: '==', left: proto, right: empty }, ctx()) as boolean);
  t.true(evaluate({ k: 'binary', op: '!=', left: empty, right: proto }, ctx()) as boolean);
  const value = evaluate(proto, ctx()) as Record<string, Value>;
  t.is(Object.getPrototypeOf(value), Object.prototype);
  t.deepEqual(Object.keys(value), ['__proto__']);
  t.is(JSON.stringify(value), '{"__proto__":{"a":1}}');
  t.deepEqual(evaluate({ k: 'member', object: proto, property: '__proto__' }, ctx()), { a: 1 });
  t.is(evaluate({ k: 'member', object: proto, property: 'a' }, ctx()), null, 'nothing is read through a prototype');
  // Input from JSON holds __proto__ as an own key: input["__proto__"] reads it, and nothing else.
  const input = JSON.parse('{"__proto__": "x", "id": "1"}') as Value;
  t.is(evaluate({ k: 'index', object: { k: 'var', name: 'input' }, index: lit('__proto__') }, ctx({ input })), 'x');
  t.is(evaluate({ k: 'member', object: { k: 'var', name: 'input' }, property: 'constructor' }, ctx({ input })), null);
  t.is(evaluate({ k: 'index', object: { k: 'var', name: 'input' }, index: lit('toString') }, ctx({ input })), null);
});

test('a function named after Object.prototype is runtime/unknown-function when it runs', (t) => {
  for (const fn of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
    t.is(t.throws(() => evaluate({ k: 'call', fn, args: [] }, ctx()), { instanceOf: EvalError })?.code, 'runtime/unknown-function', fn);
  }
});
