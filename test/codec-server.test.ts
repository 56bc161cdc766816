/**
 * The codec server as the Web UI and the temporal CLI call it: decodes for the token's holder,
 * by header or by path; refuses everyone else with a 401 and decodes nothing; answers CORS for
 * the UI's origin; names the key or the tampering it cannot get past.
 */
import test from 'ava';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, newKeyRingText, parseKeyRing } from '../src/engine/codec.js';
import { createCodecServer } from '../src/engine/codec-server.js';

const keys = parseKeyRing(newKeyRingText('k1'));
const token = 'codec-token-for-tests';
const uiOrigin = 'http://localhost:8233';
const phone = '13800138000';
const toJson = (p: { metadata?: Record<string, Uint8Array | null> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const sealed = async () => (await new EncryptionCodec(keys).encode([defaultPayloadConverter.toPayload({ msisdn: phone })])).map(toJson);

test('the token holder gets the payloads decoded, by header or by path', async (t) => {
  const app = await createCodecServer({ keys, token, uiOrigin });
  for (const [url, headers] of [
    ['/decode', { authorization: `Bearer ${token}` }],
    [`/${token}/decode`, {}],
  ] as const) {
    const r = await app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json', 'x-namespace': 'default', origin: uiOrigin }, payload: { payloads: await sealed() } });
    t.is(r.statusCode, 200, r.body);
    const [p] = (r.json() as { payloads: Array<{ metadata: Record<string, string>; data: string }> }).payloads;
    t.is(Buffer.from(p!.metadata.encoding!, 'base64').toString(), 'json/plain');
    t.deepEqual(JSON.parse(Buffer.from(p!.data, 'base64').toString()), { msisdn: phone });
    t.is(r.headers['access-control-allow-origin'], uiOrigin);
  }
  const encoded = await app.inject({ method: 'POST', url: '/encode', headers: { authorization: `Bearer ${token}` }, payload: { payloads: [toJson(defaultPayloadConverter.toPayload('x'))] } });
  t.is(Buffer.from((encoded.json() as { payloads: Array<{ metadata: Record<string, string> }> }).payloads[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
});

test('a wrong or missing token is a 401 that decodes nothing', async (t) => {
  const app = await createCodecServer({ keys, token, uiOrigin });
  for (const [url, headers] of [
    ['/decode', {}],
    ['/decode', { authorization: `Bearer ${token}x` }],
    ['/decode', { authorization: token }],
    [`/${token.slice(0, -1)}/decode`, {}],
    ['/wrong/decode', { authorization: `Bearer ${token}` }],
  ] as const) {
    const r = await app.inject({ method: 'POST', url, headers, payload: { payloads: await sealed() } });
    t.is(r.statusCode, 401, `${url} ${JSON.stringify(headers)}`);
    t.false(r.body.includes(phone));
    t.false(r.body.includes(Buffer.from(JSON.stringify({ msisdn: phone })).toString('base64').slice(0, 12)));
  }
});

test('the CORS preflight answers the UI origin, without the token', async (t) => {
  const app = await createCodecServer({ keys, token, uiOrigin });
  const r = await app.inject({ method: 'OPTIONS', url: `/${token}/decode`, headers: { origin: uiOrigin, 'access-control-request-method': 'POST' } });
  t.is(r.statusCode, 204);
  t.is(r.headers['access-control-allow-origin'], uiOrigin);
  t.regex(String(r.headers['access-control-allow-headers']), /x-namespace/);
});

test('what cannot be decrypted is a 422 naming why; a malformed body a 400', async (t) => {
  const app = await createCodecServer({ keys, token, uiOrigin });
  const headers = { authorization: `Bearer ${token}` };
  const foreign = (await new EncryptionCodec(parseKeyRing(newKeyRingText('gone'))).encode([defaultPayloadConverter.toPayload(1)])).map(toJson);
  const unknown = await app.inject({ method: 'POST', url: '/decode', headers, payload: { payloads: foreign } });
  t.is(unknown.statusCode, 422);
  t.like(unknown.json(), { error: 'codec/unknown-key' });
  t.regex((unknown.json() as { message: string }).message, /key 'gone'/);
  const [p] = await sealed();
  const data = Buffer.from(p!.data, 'base64');
  data[data.length - 1] = data[data.length - 1]! ^ 1;
  const tampered = await app.inject({ method: 'POST', url: '/decode', headers, payload: { payloads: [{ ...p, data: data.toString('base64') }] } });
  t.is(tampered.statusCode, 422);
  t.like(tampered.json(), { error: 'codec/tampered' });
  for (const payload of ['not json', { payloads: 'x' }, { payloads: [{ data: '***' }] }, { payloads: [], extra: 1 }]) {
    const r = await app.inject({ method: 'POST', url: '/decode', headers: { ...headers, 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
    t.is(r.statusCode, 400, JSON.stringify(payload));
  }
});
