/**
 * The codec server: decrypts (and encrypts) payloads for those who hold its token, so the
 * Temporal Web UI and the `temporal` CLI show an instance's input, results and failures while
 * Temporal itself stores only ciphertext. It speaks the protocol of Temporal's remote codec:
 *
 *   POST /decode, POST /encode   { "payloads": [{ "metadata": { k: base64 }, "data": base64 }] }
 *                                → the same shape, decoded or encoded
 *
 * The token is checked on every request but the CORS preflight: `Authorization: Bearer <token>`
 * (`temporal workflow show --codec-endpoint URL --codec-auth 'Bearer <token>'`), or, for a
 * browser, which cannot add a header to the UI's requests, as the first path segment
 * (`--ui-codec-endpoint http://127.0.0.1:8089/<token>`). A wrong or missing token is a 401 and
 * decodes nothing. CORS answers only the UI's origin. A payload it cannot decrypt (an unknown key
 * id, a tampered ciphertext) is a 422 naming why; a malformed body a 400.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import { CodecError, EncryptionCodec, type KeyRing } from './codec.js';
import { sameSecret } from './token.js';

export interface CodecServerOptions {
  keys: KeyRing;
  /** Who may decrypt. */
  token: string;
  /** The Web UI's origin (`http://localhost:8233`), the only one CORS answers. */
  uiOrigin: string;
  /** Largest body, in bytes; 8 MiB by default (a page of the UI decodes many payloads at once). */
  bodyLimit?: number;
}

const MAX_PAYLOADS = 10_000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const Bytes = z.string().max(8 * 1024 * 1024).regex(BASE64, 'must be base64');
const Body = z.strictObject({
  payloads: z
    .array(z.object({ metadata: z.record(z.string().max(256), Bytes).optional(), data: Bytes.optional() }))
    .max(MAX_PAYLOADS),
});

type JsonPayload = { metadata?: Record<string, string>; data?: string };

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export async function createCodecServer(options: CodecServerOptions): Promise<FastifyInstance> {
  const codec = new EncryptionCodec(options.keys);
  const app = Fastify({ bodyLimit: options.bodyLimit ?? 8 * 1024 * 1024, logger: false });
  const cors = (reply: FastifyReply) =>
    reply
      .header('access-control-allow-origin', options.uiOrigin)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'content-type, x-namespace, authorization')
      .header('access-control-allow-credentials', 'true')
      .header('vary', 'origin');

  app.setErrorHandler((err, _req, reply) => {
    const fastifyStatus = (err as { statusCode?: number }).statusCode;
    const status = err instanceof CodecError ? 422 : fastifyStatus && fastifyStatus < 500 ? fastifyStatus : 500;
    const error = err instanceof CodecError ? err.code : status === 500 ? 'codec/internal' : 'codec/bad-request';
    if (status === 500) process.stderr.write(`[svcflow codec] ${(err as Error).stack ?? String(err)}\n`);
    void cors(reply).status(status).send({ error, message: status === 500 ? 'internal error; see the server log' : (err as Error).message });
  });

  const handle = (mode: 'encode' | 'decode') => async (req: FastifyRequest<{ Params: { token?: string } }>, reply: FastifyReply) => {
    cors(reply);
    const given = req.params.token ?? (req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice('Bearer '.length) : undefined);
    if (!sameSecret(given, options.token)) return reply.status(401).send({ error: 'codec/unauthorized', message: 'missing or wrong codec token' });
    const parsed = Body.safeParse(req.body);
    if (!parsed.success) return reply.status(400).send({ error: 'codec/invalid-body', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    const payloads = parsed.data.payloads.map(fromJson);
    const out = mode === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
    return reply.send({ payloads: out.map(toJson) });
  };

  for (const mode of ['encode', 'decode'] as const) {
    app.post(`/${mode}`, handle(mode));
    app.post(`/:token/${mode}`, handle(mode));
    app.options(`/${mode}`, async (_req, reply) => cors(reply).status(204).send());
    app.options(`/:token/${mode}`, async (_req, reply) => cors(reply).status(204).send());
  }
  return app;
}
