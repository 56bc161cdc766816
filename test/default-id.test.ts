/**
 * The CLI's default workflow id (src/cli/instances.ts): the process and its business keys, so an
 * operator finds an instance by what the business calls it, but never a @pii value: a workflow id
 * is stored and shown in plain text everywhere.
 */
import test from 'ava';
import { defaultId } from '../src/cli/instances.js';
import type { Field } from '../src/ir/schema.js';

const field = (name: string, pii = false): Field => ({ name, type: { t: pii ? 'phone' : 'string' }, optional: false, pii });

test('the default id is the process and its index values, in index order', (t) => {
  t.is(defaultId({ name: 'Installation', index: ['orderId', 'accountId'], input: [field('orderId'), field('accountId')] }, { accountId: 'AC-2', orderId: 'O-1' }), 'Installation-O-1-AC-2');
});

test('a @pii index field is never part of the id: the others are, and with none left it is random', (t) => {
  const ir = { name: 'Callback', index: ['ref', 'msisdn'], input: [field('ref'), field('msisdn', true)] };
  t.is(defaultId(ir, { ref: 'R-1', msisdn: '13912345678' }), 'Callback-R-1');
  const only = defaultId({ name: 'Callback', index: ['msisdn'], input: [field('msisdn', true)] }, { msisdn: '13912345678' });
  t.regex(only, /^Callback-[0-9a-f]{10}$/);
});

test('without every index value, or with one that is not a single value, the id is random', (t) => {
  const ir = { name: 'Installation', index: ['orderId'], input: [field('orderId')] };
  t.regex(defaultId(ir, {}), /^Installation-[0-9a-f]{10}$/);
  t.regex(defaultId(ir, { orderId: { x: 1 } }), /^Installation-[0-9a-f]{10}$/);
  t.regex(defaultId({ ...ir, index: [] }, { orderId: 'O-1' }), /^Installation-[0-9a-f]{10}$/);
});
