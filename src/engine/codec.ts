/**
 * Payloads encrypted in Temporal's history: a PayloadCodec with AES-256-GCM (node:crypto) under a
 * key ring. Every payload the client, the worker or the workflows write (inputs, results, signal
 * and update arguments, memo, and, with the failure converter below, failure messages and stack
 * traces) is stored as `binary/encrypted` under the ring's current key, its key id in the
 * payload's metadata, so a payload written under an older key still decrypts after a rotation.
 *
 * The encrypted form is the one Temporal's samples use in every SDK: the whole Payload message,
 * serialised as protobuf, then `iv (12 bytes) | ciphertext | tag (16 bytes)` as the new payload's
 * data, with metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`. A Python or Go
 * worker with the same keys decodes it with a codec of a few lines.
 *
 * A payload without that encoding (a history recorded before encryption was turned on) passes
 * through as it is. An unknown key id and a ciphertext that fails GCM's authentication are typed
 * errors: a worker then fails the workflow task, which Temporal retries, and nothing is corrupted.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { Payload: PayloadMessage } = proto.temporal.api.common.v1;
import { SvcflowError } from './errors.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export class CodecError extends SvcflowError {}

/** The keys payloads are encrypted with: `current` encrypts; every key decrypts what it encrypted. */
export interface KeyRing {
  current: string;
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * A key ring from text: `id:base64key[,id:base64key…]`, the first the current one (the form of
 * SVCFLOW_CODEC_KEYS). Each key is 32 random bytes (`openssl rand -base64 32`).
 */
export function parseKeyRing(text: string): KeyRing {
  const keys = new Map<string, Buffer>();
  let current: string | undefined;
  for (const [i, entry] of text.split(',').map((e) => e.trim()).filter(Boolean).entries()) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    if (!KEY_ID.test(id)) throw new CodecError('codec/invalid-key-ring', `key ${i + 1} of the key ring has no valid id (letters, digits, . _ -, at most 64): write id:base64key`);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32) throw new CodecError('codec/invalid-key-ring', `key '${id}' is ${key.length} bytes; AES-256 needs 32 (openssl rand -base64 32)`);
    if (keys.has(id)) throw new CodecError('codec/invalid-key-ring', `key id '${id}' is in the key ring twice`);
    keys.set(id, key);
    current ??= id;
  }
  if (!current) throw new CodecError('codec/invalid-key-ring', 'the key ring is empty: give at least one id:base64key');
  return { current, keys };
}

/** A new key ring of one random key, as text for parseKeyRing. */
export function newKeyRingText(id = `k${Date.now().toString(36)}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {
    if (!ring.keys.has(ring.current)) throw new CodecError('codec/invalid-key-ring', `the current key '${ring.current}' is not in the key ring`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.ring.keys.get(this.ring.current)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = PayloadMessage.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(this.ring.current) },
        data: new Uint8Array(data),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCRYPTED_ENCODING) return payload;
      const id = Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString();
      const key = this.ring.keys.get(id);
      if (!key) throw new CodecError('codec/unknown-key', `a payload is encrypted with key '${id}', which is not in this key ring (${[...this.ring.keys.keys()].join(', ')})`);
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new CodecError('codec/tampered', `an encrypted payload (key '${id}') is too short to be one`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new CodecError('codec/tampered', `an encrypted payload (key '${id}') failed authentication: it was changed, or encrypted with another key of the same id`);
      }
      return PayloadMessage.decode(plain);
    });
  }
}
