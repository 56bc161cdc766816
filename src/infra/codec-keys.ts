/**
 * Where the payload codec's keys come from. An operator gives them in SVCFLOW_CODEC_KEYS
 * (`id:base64key,…`, the first encrypts) or a file named by SVCFLOW_CODEC_KEYS_FILE; `npm start`
 * keeps its own in `.svcflow/codec-keys` (created once, mode 0600) with the codec server's token
 * in `.svcflow/codec-token`, and the operator commands run in the project find them there.
 * Rotating: put a new key first and keep the old ones after it. SVCFLOW_CODEC=off turns it off
 * (npm test does, so a developer's .svcflow keys never leak into the tests).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { newKeyRingText, parseKeyRing, type KeyRing } from '../engine/codec.js';
import { stateDir } from './paths.js';

/** The key ring the environment names, else the one `npm start` keeps in the project; undefined: no encryption. */
export function codecKeysFromEnv(env: NodeJS.ProcessEnv = process.env): KeyRing | undefined {
  if (env.SVCFLOW_CODEC === 'off') return undefined;
  if (env.SVCFLOW_CODEC_KEYS) return parseKeyRing(env.SVCFLOW_CODEC_KEYS);
  if (env.SVCFLOW_CODEC_KEYS_FILE) return parseKeyRing(readFileSync(env.SVCFLOW_CODEC_KEYS_FILE, 'utf8'));
  const dev = join(stateDir(env), 'codec-keys');
  return existsSync(dev) ? parseKeyRing(readFileSync(dev, 'utf8')) : undefined;
}

/** `npm start`'s keys and codec token, made once and kept in the state folder. */
export function devCodecKeys(env: NodeJS.ProcessEnv = process.env): { keys: KeyRing; token: string } {
  const dir = stateDir(env);
  mkdirSync(dir, { recursive: true });
  const keysFile = join(dir, 'codec-keys');
  const tokenFile = join(dir, 'codec-token');
  if (!env.SVCFLOW_CODEC_KEYS && !env.SVCFLOW_CODEC_KEYS_FILE && !existsSync(keysFile)) writeFileSync(keysFile, `${newKeyRingText('dev1')}\n`, { mode: 0o600 });
  if (!env.SVCFLOW_CODEC_TOKEN && !existsSync(tokenFile)) writeFileSync(tokenFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  return { keys: codecKeysFromEnv(env)!, token: env.SVCFLOW_CODEC_TOKEN ?? readFileSync(tokenFile, 'utf8').trim() };
}
