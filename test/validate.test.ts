/**
 * Process input and payloads are checked as the catalog checks money: integer fen, safe and not
 * negative, a three-letter currency, and nothing else in the record.
 */
import test from 'ava';
import { validateFields } from '../src/ir/validate.js';
import { Money } from '../src/activities/catalog/contract.js';
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
