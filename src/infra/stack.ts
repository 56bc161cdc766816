/**
 * The whole stack svcflow needs, resolved once for `npm start` / `svcflow dev` and for `npm test`.
 * Each part honours its override (TEMPORAL_ADDRESS, DATABASE_URL, SVCFLOW_TEST_SERVER) and
 * otherwise is found, built or started here; `stop()` ends everything that was started.
 */
import { join } from 'node:path';
import { buildTemporalCli, chooseTemporal, startTemporal, type RunningTemporal } from './temporal.js';
import { createFreshDatabase, ensureDatabase, ensurePostgresBinaries, startPostgres, type RunningPostgres } from './postgres.js';
import { ensureTestServer } from './test-server.js';
import { ensureChromium } from './chromium.js';
import { ensurePython } from './python.js';
import { stateDir } from './paths.js';
import type { Logger } from './log.js';

export interface Stack {
  temporal: RunningTemporal;
  postgres: RunningPostgres;
  /** The database svcflow uses (tests: a fresh one for this run). */
  databaseUrl: string;
  /** Executable of the time-skipping test server, or undefined to let the SDK download one. */
  testServer?: string;
  /** tests: Chromium, for the browser tests. */
  chromium?: string;
  /** tests: a Python interpreter with temporalio, for the Python worker test (undefined: no python3). */
  python?: string;
  /** Everything that was started, for the operator's eyes. */
  started: string[];
  stop(): Promise<void>;
}

export interface StackOptions {
  mode: 'dev' | 'test';
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** dev: the codec server the Web UI decrypts through. */
  uiCodecEndpoint?: string;
}

export const DEV_TEMPORAL_PORT = 7233;
export const DEV_UI_PORT = 8233;
export const DEV_PG_PORT = 55432;
export const DEV_CODEC_PORT = 8089;

export async function startStack({ mode, log, env = process.env, uiCodecEndpoint }: StackOptions): Promise<Stack> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log(`while stopping: ${(err as Error).message}`));
  };
  try {
    const state = stateDir(env);
    // Start the two servers side by side; the JVM test server is only needed by tests.
    const [temporal, postgres, testServer, chromium, python] = await Promise.all([
      startTemporal(
        mode === 'dev'
          ? { log, dbFile: join(state, 'temporal.db'), port: DEV_TEMPORAL_PORT, uiPort: DEV_UI_PORT, uiCodecEndpoint }
          : { log },
        env,
      ).then((t) => (stops.push(t.stop), t)),
      startPostgres(mode === 'dev' ? { log, dataDir: join(state, 'postgres'), port: DEV_PG_PORT } : { log }, env).then(
        (p) => (stops.push(p.stop), p),
      ),
      mode === 'test' ? ensureTestServer(log, env) : Promise.resolve(undefined),
      // Likewise, a failed Chromium install fails only the browser test.
      mode === 'test'
        ? ensureChromium(log, env).catch((err: unknown) => {
            log(`no Chromium for the browser test: ${(err as Error).message.split('\n')[0]}`);
            return undefined;
          })
        : Promise.resolve(undefined),
      // A failed install fails only the Python worker test (it says SVCFLOW_PYTHON is not set), not every test.
      mode === 'test'
        ? ensurePython(log, env).catch((err: unknown) => {
            log(`no Python environment for the Python worker test: ${(err as Error).message.split('\n')[0]}`);
            return undefined;
          })
        : Promise.resolve(undefined),
    ]);
    let databaseUrl: string;
    if (mode === 'test') {
      const fresh = await createFreshDatabase(postgres.url);
      stops.push(fresh.drop);
      databaseUrl = fresh.url;
    } else {
      databaseUrl = env.DATABASE_URL ? postgres.url : await ensureDatabase(postgres.url, 'svcflow');
    }
    return {
      temporal,
      postgres,
      databaseUrl,
      testServer,
      chromium,
      python,
      started: [...temporal.started, ...postgres.started],
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Installs or builds what the stack needs without starting it: the Temporal CLI (go install),
 * the time-skipping test server (Maven), the Python environment of the Python worker test
 * (venv + pip) and PostgreSQL's binaries. `.ci/run` calls this so
 * that the long first-time steps are logged on their own.
 */
export async function prepareStack(log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const temporal = chooseTemporal(env);
  if (temporal.kind === 'go-install') await buildTemporalCli(temporal.go, env, log);
  else log(`Temporal: ${temporal.kind === 'binary' ? temporal.path : temporal.kind === 'address' ? temporal.address : 'SDK download at first start'}`);
  const testServer = await ensureTestServer(log, env);
  log(`time-skipping test server: ${testServer ?? 'SDK download at first start'}`);
  log(`Python with temporalio (the Python worker test): ${(await ensurePython(log, env)) ?? 'none: no python3 on PATH'}`);
  if (!env.DATABASE_URL) log(`PostgreSQL binaries: ${await ensurePostgresBinaries(log, env)}`);
  log(`Chromium: ${await ensureChromium(log, env)}`);
}
