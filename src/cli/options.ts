/**
 * What the operator commands share, written once: the connection flags (`--address`,
 * `--namespace`, `--database-url`, `--task-queue`, each with its environment variable), the
 * engine opened from them with failures to connect said in one line, the `<json|@file>` reader
 * of `--input` / `--data`, and number parsing. The engine is imported lazily so that `svcflow
 * check` does not pay for the Temporal client.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Engine, EngineConfig } from '../engine/engine.js';
import { SvcflowError } from '../engine/errors.js';
import { CliError } from './errors.js';

/** The PostgreSQL database of `svcflow dev` (src/infra/stack.ts: DEV_PG_PORT, database 'svcflow'). */
export const DEV_DATABASE_URL = 'postgres://svcflow@127.0.0.1:55432/svcflow';
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

export interface TemporalFlags {
  address: string;
  namespace: string;
  taskQueue?: string;
}
export interface DatabaseFlags {
  databaseUrl: string;
}
export type ConnectionFlags = TemporalFlags & DatabaseFlags;

/** Adds `--database-url` (env DATABASE_URL, default the database of `svcflow dev`). */
export function databaseOptions(command: Command): Command {
  return command.addOption(new Option('--database-url <url>', 'PostgreSQL of the process registry').env('DATABASE_URL').default(DEV_DATABASE_URL));
}

/** Adds `--address`, `--namespace`, `--task-queue` (TLS and API key come from the environment, see connection.ts). */
export function temporalOptions(command: Command): Command {
  return command
    .addOption(new Option('--address <host:port>', 'Temporal frontend').env('TEMPORAL_ADDRESS').default(DEFAULT_TEMPORAL_ADDRESS))
    .addOption(new Option('--namespace <name>', 'Temporal namespace').env('TEMPORAL_NAMESPACE').default('default'))
    .addOption(new Option('--task-queue <name>', 'task queue the workers poll (default: svcflow)').env('SVCFLOW_TASK_QUEUE'));
}

/** Both sets: what an engine needs. */
export const connectionOptions = (command: Command): Command => databaseOptions(temporalOptions(command));

/** `postgres://user:***@host/db`: a URL fit to print. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Refuses what is not a PostgreSQL URL before anything tries to connect with it. */
export function checkDatabaseUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['postgres:', 'postgresql:'].includes(parsed.protocol)) {
    throw new CliError(`the database URL is not a postgres:// URL`, 'set --database-url or DATABASE_URL to postgres://user:password@host:port/database');
  }
  return url;
}

export async function engineConfig(flags: ConnectionFlags): Promise<EngineConfig> {
  const { temporalConfigFromEnv } = await import('../engine/connection.js');
  let temporal;
  try {
    temporal = { ...temporalConfigFromEnv(flags.address), namespace: flags.namespace };
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const { codecKeysFromEnv } = await import('../infra/codec-keys.js');
  let codec;
  try {
    codec = codecKeysFromEnv();
  } catch (err) {
    throw new CliError((err as Error).message, 'SVCFLOW_CODEC_KEYS is id:base64key[,id:base64key…], each key 32 bytes (openssl rand -base64 32)');
  }
  return { temporal, databaseUrl: checkDatabaseUrl(flags.databaseUrl), taskQueue: flags.taskQueue, codec };
}

const isPostgresError = (err: unknown): boolean =>
  err instanceof Error && ('syscall' in err || 'severity' in err || /^(password authentication|database ".*" does not exist|role ".*" does not exist)/.test(err.message));

/** A failure to reach PostgreSQL or Temporal, said in one line with what to do about it. */
export function unreachable(err: unknown, config: Pick<EngineConfig, 'databaseUrl'> & { temporal?: EngineConfig['temporal'] }): unknown {
  if (err instanceof SvcflowError || err instanceof CliError || !(err instanceof Error)) return err;
  const first = err.message.split('\n')[0];
  if (isPostgresError(err)) {
    return new CliError(
      `cannot use PostgreSQL at ${redactUrl(config.databaseUrl)}: ${first}`,
      'start the local stack with `svcflow dev`, or point --database-url / DATABASE_URL at your PostgreSQL',
    );
  }
  if (config.temporal && (err.name === 'TransportError' || /failed to connect|UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED/i.test(err.message))) {
    return new CliError(
      `cannot reach Temporal at ${config.temporal.address}: ${first}`,
      'start the local stack with `svcflow dev`, or point --address / TEMPORAL_ADDRESS at your Temporal frontend',
    );
  }
  return err;
}

/** Opens an engine from the flags, runs `work` with it, and closes it whatever happens. */
/** `extra`: what the command adds to the engine's config (deploy: the project's catalog). */
export async function withEngine<T>(flags: ConnectionFlags, work: (engine: Engine) => Promise<T>, extra: Pick<EngineConfig, 'catalog'> = {}): Promise<T> {
  const config = { ...(await engineConfig(flags)), ...extra };
  const { createEngine } = await import('../engine/engine.js');
  let engine: Engine;
  try {
    engine = await createEngine(config);
  } catch (err) {
    throw unreachable(err, config);
  }
  try {
    return await work(engine);
  } catch (err) {
    throw unreachable(err, config);
  } finally {
    await engine.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The value of `--input` / `--data`: JSON text, `@file` (a JSON file), or `@-` (stdin).
 * Read before any connection is opened, so a typo costs nothing.
 */
export async function readJsonArg(value: string, flag: string): Promise<unknown> {
  let text = value;
  let where = flag;
  if (value.startsWith('@')) {
    const path = value.slice(1);
    where = `${flag} ${value}`;
    try {
      text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError(`${where}: cannot read ${path}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `${where} is not valid JSON: ${(err as Error).message}`,
      value.startsWith('@') ? undefined : `quote it for the shell, as in ${flag} '{"orderId": "O-1"}', or put it in a file and pass ${flag} @file.json`,
    );
  }
}

/** Commander parser for `--limit`, `--version`: a whole number of at least 1. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
}
