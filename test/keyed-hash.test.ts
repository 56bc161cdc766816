/**
 * Keyed hashes of @pii texts (src/engine/keyed-hash.ts, src/workflows/pii.ts): stable under one
 * key, different under another, findable after a rotation, and only in their own form.
 */
import test from 'ava';
import { newKeyRingText, parseKeyRing } from '../src/engine/codec.js';
import { KEYED_HASH, KeyedHasher } from '../src/engine/keyed-hash.js';
import { keyHashesProblem, searchKey } from '../src/workflows/pii.js';

const phone = '13912345678';

test('a hash is stable under one key, names its key id, holds nothing of the text, and differs under another key', (t) => {
  const ring = parseKeyRing(newKeyRingText('k1'));
  const a = new KeyedHasher(ring).hash(phone);
  t.is(new KeyedHasher(ring).hash(phone), a);
  t.regex(a, KEYED_HASH);
  t.true(a.startsWith('hmac:k1:'));
  t.false(a.includes(phone));
  t.not(new KeyedHasher(ring).hash('13912345679'), a);
  t.not(new KeyedHasher(parseKeyRing(newKeyRingText('k1'))).hash(phone), a, 'another secret under the same id');
});

test('after a rotation, new hashes are under the new key and a search still finds the old ones', (t) => {
  const old = newKeyRingText('k1');
  const before = new KeyedHasher(parseKeyRing(old)).hash(phone);
  const rotated = new KeyedHasher(parseKeyRing(`${newKeyRingText('k2')},${old}`));
  t.true(rotated.hash(phone).startsWith('hmac:k2:'));
  t.deepEqual(rotated.hashes(phone), [rotated.hash(phone), before]);
});

test('a wait key is searched for with each @pii text by its hash, the other values as they are', (t) => {
  const hashes = new Map([[phone, 'hmac:k1:AAAAAAAAAAAAAAAAAAAAAA']]);
  t.is(searchKey('smsReply', { from: phone }, hashes), 'smsReply:from=hmac:k1:AAAAAAAAAAAAAAAAAAAAAA');
  t.is(searchKey('visit', { order: 'O-1', from: phone }, hashes), 'visit:from=hmac:k1:AAAAAAAAAAAAAAAAAAAAAA&order=O-1');
  t.is(searchKey('smsReply', { from: phone }, new Map()), `smsReply:from=${phone}`, 'no hashes given: as before');
});

test('the keyHashes a start carries must hash @pii texts of its input, once each, in the keyed form', (t) => {
  const pii = new Set([phone, 'Ann Lee']);
  const good = 'hmac:k1:AAAAAAAAAAAAAAAAAAAAAA';
  t.is(keyHashesProblem(undefined, pii), undefined);
  t.is(keyHashesProblem([[phone, good]], pii), undefined);
  for (const bad of [{}, 'x', [[phone]], [[phone, 5]], [['someone else', good]], [[phone, good], [phone, good]], [[phone, phone]], [[phone, `${good}x`]], [[phone, good], ['Ann Lee', good], ['x', good]]]) {
    t.truthy(keyHashesProblem(bad, pii), JSON.stringify(bad));
    t.false(keyHashesProblem(bad, pii)!.includes(phone), 'the problem names no @pii text');
  }
});

test('a @pii field nested in a record or a list of records is a @pii text too', async (t) => {
  const { piiTexts } = await import('../src/workflows/pii.js');
  const input = [
    { name: 'ref', type: { t: 'string' as const }, optional: false, pii: false },
    { name: 'agent', type: { t: 'record' as const, fields: [{ name: 'phone', type: { t: 'phone' as const }, optional: false, pii: true }, { name: 'team', type: { t: 'string' as const }, optional: false, pii: false }] }, optional: false, pii: false },
    { name: 'contacts', type: { t: 'list' as const, of: { t: 'record' as const, fields: [{ name: 'name', type: { t: 'string' as const }, optional: false, pii: true }] } }, optional: false, pii: false },
  ];
  const texts = piiTexts(input, { ref: 'R-1', agent: { phone: phone, team: 'north' }, contacts: [{ name: 'Ann Lee' }, { name: 'Bo Li' }] });
  t.deepEqual([...texts].sort(), ['Ann Lee', 'Bo Li', phone].sort());
});

test('a key on a field the channel declares @pii is never stored in plain: hashed, or masked when the start gave no hash for it', (t) => {
  const hashes = new Map([[phone, 'hmac:k1:AAAAAAAAAAAAAAAAAAAAAA']]);
  const declared = new Set(['from']);
  t.is(searchKey('smsReply', { from: phone }, hashes, declared), 'smsReply:from=hmac:k1:AAAAAAAAAAAAAAAAAAAAAA');
  t.is(searchKey('smsReply', { from: '13900000001' }, hashes, declared), 'smsReply:from=***', 'a number from an activity: no hash, no plain');
  t.is(searchKey('visit', { order: 'O-1' }, hashes, declared), 'visit:order=O-1');
  t.is(searchKey('smsReply', { from: '13900000001' }, undefined, declared), 'smsReply:from=13900000001', 'no key ring: nothing is hashed or masked');
});
