/**
 * The encryption codec and its key ring, as pure code: round trips, rotation, and every bad
 * input refused with a typed error that says which key and why.
 */
import test from 'ava';
import { defaultPayloadConverter } from '@temporalio/common';
import { CodecError, ENCRYPTED_ENCODING, EncryptionCodec, newKeyRingText, parseKeyRing } from '../src/engine/codec.js';

const phone = '02199999999';
const payload = () => defaultPayloadConverter.toPayload({ msisdn: phone, note: '装机' });
const text = (p: { data?: Uint8Array | null }) => Buffer.from(p.data ?? []).toString('latin1');

test('a payload is stored encrypted under the current key, and decodes to what it was', async (t) => {
  const ring = parseKeyRing(newKeyRingText('k1'));
  const codec = new EncryptionCodec(ring);
  const [sealed] = await codec.encode([payload()]);
  t.is(Buffer.from(sealed!.metadata!.encoding!).toString(), ENCRYPTED_ENCODING);
  t.is(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString(), 'k1');
  t.false(text(sealed!).includes(phone));
  t.false(text(sealed!).includes('json/plain'), 'the inner encoding is hidden too');
  const [opened] = await codec.decode([sealed!]);
  t.deepEqual(defaultPayloadConverter.fromPayload(opened!), { msisdn: phone, note: '装机' });
  const [again] = await codec.encode([payload()]);
  t.notDeepEqual(again!.data, sealed!.data, 'a fresh IV each time');
});

test('after a rotation, payloads of the old key still decode; new ones use the new key', async (t) => {
  const k1 = newKeyRingText('k1');
  const old = await new EncryptionCodec(parseKeyRing(k1)).encode([payload()]);
  const rotated = new EncryptionCodec(parseKeyRing(`${newKeyRingText('k2')},${k1}`));
  t.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode(old))[0]!), { msisdn: phone, note: '装机' });
  t.is(Buffer.from((await rotated.encode([payload()]))[0]!.metadata!['encryption-key-id']!).toString(), 'k2');
});

test('an unknown key id is a typed error naming it; a tampered ciphertext fails authentication', async (t) => {
  const sealed = await new EncryptionCodec(parseKeyRing(newKeyRingText('gone'))).encode([payload()]);
  const other = new EncryptionCodec(parseKeyRing(newKeyRingText('k9')));
  const unknown = await t.throwsAsync(other.decode(sealed), { instanceOf: CodecError });
  t.is(unknown!.code, 'codec/unknown-key');
  t.regex(unknown!.message, /key 'gone', which is not in this key ring \(k9\)/);

  const ring = parseKeyRing(newKeyRingText('k1'));
  const codec = new EncryptionCodec(ring);
  const [good] = await codec.encode([payload()]);
  for (const at of [0, 20, good!.data!.length - 1]) {
    const data = Buffer.from(good!.data!);
    data[at] = data[at]! ^ 1;
    const err = await t.throwsAsync(codec.decode([{ ...good!, data }]), { instanceOf: CodecError }, `byte ${at}`);
    t.is(err!.code, 'codec/tampered');
  }
  const short = await t.throwsAsync(codec.decode([{ ...good!, data: new Uint8Array(5) }]), { instanceOf: CodecError });
  t.is(short!.code, 'codec/tampered');
  const sameIdOtherKey = new EncryptionCodec(parseKeyRing(newKeyRingText('k1')));
  t.is((await t.throwsAsync(sameIdOtherKey.decode([good!]), { instanceOf: CodecError }))!.code, 'codec/tampered');
});

test('a payload written before encryption was turned on passes through', async (t) => {
  const codec = new EncryptionCodec(parseKeyRing(newKeyRingText()));
  const plain = payload();
  t.deepEqual(await codec.decode([plain]), [plain]);
});

test('a key ring that is not one is refused, saying why', (t) => {
  const key = Buffer.alloc(32, 7).toString('base64');
  for (const [ring, why] of [
    ['', /empty/],
    ['k1', /no valid id/],
    [`:${key}`, /no valid id/],
    [`bad id:${key}`, /no valid id/],
    ['k1:c2hvcnQ=', /'k1' is 5 bytes; AES-256 needs 32/],
    [`k1:${key},k1:${key}`, /'k1' is in the key ring twice/],
  ] as const) {
    const err = t.throws(() => parseKeyRing(ring), { instanceOf: CodecError }, ring);
    t.regex(err!.message, why);
    t.is(err!.code, 'codec/invalid-key-ring');
  }
  t.deepEqual([...parseKeyRing(`a:${key}, b:${key}`).keys.keys()], ['a', 'b']);
  t.is(parseKeyRing(`a:${key},b:${key}`).current, 'a');
});
