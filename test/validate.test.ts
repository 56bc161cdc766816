/**
 * Process input and payloads are checked as the catalog checks money: integer fen, safe and not
 * negative, a three-letter currency, and nothing else in the record.
 */
import test from 'ava';
import fc from 'fast-check';
import { validateFields, validateValue } from '../src/ir/validate.js';
import { Money, Time } from '../modules/telecom/src/catalog/contract.js';
import type { Field } from '../src/ir/schema.js';

const fields: Field[] = [{ name: 'fee', type: { t: 'money' }, optional: false, pii: false }];

const CASES: Array<[string, unknown, boolean]> = [
  ['¥5.00', { fen: 500, currency: 'CNY' }, true],
  ['zero', { fen: 0, currency: 'USD' }, true],
  ['an extra field', { fen: 500, currency: 'CNY', note: 'x' }, false],
  ['negative fen', { fen: -1, currency: 'CNY' }, false],
  ['fen of 1e300', { fen: 1e300, currency: 'CNY' }, false],
  ['fen past the safe integers', { fen: 2 ** 53, currency: 'CNY' }, false],
  ['fractional fen', { fen: 1.5, currency: 'CNY' }, false],
  ['a lower-case currency', { fen: 1, currency: 'cny' }, false],
  ['an array', [500, 'CNY'], false],
  ['a prototype-named field', JSON.parse('{"fen": 1, "currency": "CNY", "__proto__": {"x": 1}}'), false],
];

for (const [what, fee, ok] of CASES) {
  test(`money input: ${what} is ${ok ? 'accepted' : 'refused'}, as the catalog's money schema says`, (t) => {
    const problems = validateFields(fields, { fee });
    t.is(problems.length === 0, ok, JSON.stringify(problems));
    t.is(Money.safeParse(fee).success, ok, 'the catalog agrees');
  });
}

test('money is read from own fields only, never through the prototype', (t) => {
  const inherited = Object.assign(Object.create({ fen: 1, currency: 'CNY' }) as object, { a: 1, b: 2 });
  t.true(validateFields(fields, { fee: inherited }).length > 0);
  t.false(Money.safeParse(inherited).success, 'the catalog agrees');
});

const time = (v: unknown) => validateValue({ t: 'time' }, v).length === 0;

const TIMES: Array<[string, boolean]> = [
  ['2026-11-22T09:00:00+08:00', true],
  ['2026-11-22T10:00:00Z', true],
  ['2026-11-22T10:00:00.123456Z', true],
  ['2028-02-29T00:00:00Z', true],
  ['2000-02-29T23:59:59-05:30', true],
  ['2026-11-22T24:00:00Z', false],
  ['2026-02-30T10:00:00Z', false],
  ['2026-02-29T10:00:00Z', false],
  ['1900-02-29T10:00:00Z', false],
  ['2026-04-31T10:00:00Z', false],
  ['2026-13-01T10:00:00Z', false],
  ['2026-11-22T10:00Z', false],
  ['2026-11-22T10:00:60Z', false],
  ['2026-11-22T10:00:00+24:00', false],
  ['2026-11-22T10:00:00', false],
  ['2026-11-22 10:00:00Z', false],
  ['2026-11-22T10:00:00.Z', false],
];

for (const [v, ok] of TIMES) {
  test(`time ${v} is ${ok ? 'accepted' : 'refused'}, as the catalog's Time says`, (t) => {
    t.is(time(v), ok);
    t.is(Time.safeParse(v).success, ok, 'the catalog agrees');
  });
}

test('the time check agrees with the catalog on any time-shaped text', (t) => {
  const d = (n: number, max: number) => fc.integer({ min: 0, max }).map((x) => String(x).padStart(n, '0'));
  const shaped = fc
    .tuple(d(4, 9999), d(2, 14), d(2, 32), d(2, 25), d(2, 61), fc.option(d(2, 61)), fc.option(fc.stringMatching(/^\.\d{0,3}$/)), fc.constantFrom('Z', '+08:00', '-23:59', '+24:00', '+08:60', ''))
    .map(([y, mo, da, h, mi, s, f, z]) => `${y}-${mo}-${da}T${h}:${mi}${s === null ? '' : `:${s}${f ?? ''}`}${z}`);
  t.notThrows(() => fc.assert(fc.property(fc.oneof(shaped, fc.string()), (v) => time(v) === Time.safeParse(v).success), { numRuns: 5000 }));
});

test('a text holds no NUL or other control character but tab, CR and LF', (t) => {
  const text = (v: string) => validateValue({ t: 'string' }, v).length === 0;
  t.true(text('是\t行\r\n'));
  for (const c of ['\u0000', '\u0001', '\u001b', '\u001f', '\u007f']) t.false(text(`Y${c}`), JSON.stringify(c));
  t.regex(validateValue({ t: 'string' }, 'Y\u0000')[0]!.message, /control character/);
});
