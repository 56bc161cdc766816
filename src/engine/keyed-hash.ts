/**
 * Keyed hashes of @pii texts, for what must stay searchable without being readable: a message
 * wait's correlation key in `WaitingFor` (`email:from=hmac:k1:…` instead of the address),
 * and a @pii business key in `BusinessKeys`. HMAC-SHA-256 (node:crypto) under a key derived
 * with HKDF from each key of the codec's key ring, so one ring of secrets serves both, and a
 * rotation keeps old instances findable: a search tries the hash under every key of the ring.
 *
 * The workflow never holds a key: the engine hashes the @pii texts of an input when it starts an
 * instance and passes the hashes with it (`keyHashes`, encrypted like the input); the workflow
 * stores a key's hash in place of the text. Without a key ring nothing is encrypted, and
 * nothing is hashed either.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { KeyRing } from './codec.js';

/** What HKDF's `info` binds the derived keys to: they serve this use only, never the payloads'. */
const INFO = 'svcflow/keyed-hash/v1';
/** 128 bits of the HMAC, base64url: enough against collisions among one namespace's instances. */
const DIGEST_CHARS = 22;

/** `hmac:<key id>:<22 base64url characters>`: the form a hashed key is stored in. */
export const KEYED_HASH = /^hmac:[A-Za-z0-9._-]{1,64}:[A-Za-z0-9_-]{22}$/;

export class KeyedHasher {
  private readonly keys: Array<[id: string, key: Buffer]>;

  constructor(ring: KeyRing) {
    const derive = (key: Buffer) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), INFO, 32));
    // The current key first: what new instances are stored under, and so what a search finds first.
    this.keys = [ring.current, ...[...ring.keys.keys()].filter((id) => id !== ring.current)].map((id) => [id, derive(ring.keys.get(id)!)]);
  }

  /** The hash under the ring's current key: what an instance started now stores. */
  hash(text: string): string {
    return this.under(this.keys[0]!, text);
  }

  /** The hash under every key of the ring, current first: what a search looks for. */
  hashes(text: string): string[] {
    return this.keys.map((k) => this.under(k, text));
  }

  private under([id, key]: [string, Buffer], text: string): string {
    return `hmac:${id}:${createHmac('sha256', key).update(text, 'utf8').digest('base64url').slice(0, DIGEST_CHARS)}`;
  }
}
