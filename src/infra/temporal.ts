/**
 * Resolves the Temporal server svcflow talks to:
 *   1. TEMPORAL_ADDRESS set → use it, start nothing;
 *   2. the `temporal` CLI from TEMPORAL_CLI, PATH or ~/go/bin → run its dev server;
 *   3. Go present → build the CLI with `go install …@v1.5.1` (minutes, once), then as 2;
 *   4. otherwise → @temporalio/testing's own download of the dev server (needs the internet).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort, run, startProcess, waitForPort } from './processes.js';
import { which } from './paths.js';
import { step, type Logger } from './log.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { connectionOptions, temporalConfigFromEnv } from '../engine/connection.js';
import { describeRegistration, ensureSearchAttributes } from '../engine/attributes.js';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export type TemporalSource =
  | { kind: 'address'; address: string }
  | { kind: 'binary'; path: string }
  | { kind: 'go-install'; go: string }
  | { kind: 'sdk-download' };

/** Decides where Temporal comes from, without starting or building anything. */
export function chooseTemporal(env: NodeJS.ProcessEnv, exists: (p: string) => boolean = existsSync): TemporalSource {
  if (env.TEMPORAL_ADDRESS) return { kind: 'address', address: env.TEMPORAL_ADDRESS };
  const candidates = [env.TEMPORAL_CLI, which('temporal', env), join(goBin(env), 'temporal')];
  for (const path of candidates) if (path && exists(path)) return { kind: 'binary', path };
  const go = which('go', env) ?? ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find(exists);
  if (go) return { kind: 'go-install', go };
  return { kind: 'sdk-download' };
}

function goBin(env: NodeJS.ProcessEnv): string {
  if (env.GOBIN) return env.GOBIN;
  return join(env.GOPATH?.split(':')[0] ?? join(homedir(), 'go'), 'bin');
}

export interface DevServerOptions {
  /** SQLite file for state that survives restarts; in memory when absent. */
  dbFile?: string;
  /** gRPC port; a free one when absent. */
  port?: number;
  /** Web UI port; no UI when absent. */
  uiPort?: number;
  /** The codec server the Web UI decrypts payloads through. */
  uiCodecEndpoint?: string;
  namespace?: string;
  log: Logger;
}

export interface RunningTemporal {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** What was started (empty when an existing server is used). */
  started: string[];
  stop(): Promise<void>;
}

/** Builds the Temporal CLI with Go into ~/go/bin (or GOBIN); returns the binary's path. */
export async function buildTemporalCli(go: string, env: NodeJS.ProcessEnv, log: Logger): Promise<string> {
  const target = join(goBin(env), 'temporal');
  await step(log, `building the Temporal CLI with 'go install ${TEMPORAL_CLI_MODULE}' (first time: several minutes)`, () =>
    run(go, ['install', TEMPORAL_CLI_MODULE], {
      env: { ...env, PATH: `${dirname(go)}:${env.PATH ?? ''}` },
    }),
  );
  if (!existsSync(target)) throw new Error(`go install succeeded but ${target} does not exist`);
  return target;
}

/** Starts (or connects to) Temporal per `chooseTemporal`, and registers svcflow's search attributes. */
export async function startTemporal(options: DevServerOptions, env: NodeJS.ProcessEnv = process.env): Promise<RunningTemporal> {
  const namespace = options.namespace ?? env.TEMPORAL_NAMESPACE ?? 'default';
  const source = chooseTemporal(env);
  const { log } = options;
  if (source.kind === 'address') {
    log(`using the Temporal server at ${source.address} (TEMPORAL_ADDRESS); starting none`);
    return { address: source.address, namespace, started: [], stop: async () => {} };
  }
  if (source.kind === 'sdk-download') {
    log('no temporal binary and no Go: letting @temporalio/testing download the dev server (needs the internet)');
    const testEnv = await TestWorkflowEnvironment.createLocal({
      server: {
        namespace,
        ip: '127.0.0.1',
        port: options.port,
        dbFilename: options.dbFile,
        ui: options.uiPort !== undefined,
        uiPort: options.uiPort,
        searchAttributes: SEARCH_ATTRIBUTES.map((a) => a.key),
      },
    });
    const address = testEnv.address;
    return {
      address,
      namespace,
      uiUrl: options.uiPort !== undefined ? `http://localhost:${options.uiPort}` : undefined,
      started: ['temporal dev server (SDK download)'],
      stop: () => testEnv.teardown(),
    };
  }
  const binary = source.kind === 'binary' ? source.path : await buildTemporalCli(source.go, env, log);
  const port = options.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  if (options.uiPort !== undefined) args.push('--ui-port', String(options.uiPort), ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []));
  else args.push('--headless');
  if (options.dbFile) {
    await mkdir(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  // On a fresh database these flags register the attributes at once; on an existing
  // database file they are ignored, so `registerSearchAttributes` below covers that case.
  for (const a of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${a.name}=${a.cliType}`);
  const server = await step(log, `starting the Temporal dev server on 127.0.0.1:${port}`, async () => {
    const proc = startProcess('temporal dev server', binary, args);
    await waitForPort(port, proc, 60_000);
    if (options.uiPort !== undefined) await waitForPort(options.uiPort, proc, 30_000);
    return proc;
  });
  const address = `127.0.0.1:${port}`;
  await registerSearchAttributes(address, namespace, log);
  return {
    address,
    namespace,
    uiUrl: options.uiPort !== undefined ? `http://localhost:${options.uiPort}` : undefined,
    started: [`temporal dev server (${binary})`],
    stop: () => server.stop(),
  };
}

/** Registers svcflow's custom search attributes on the server just started (see src/engine/attributes.ts). */
export async function registerSearchAttributes(address: string, namespace: string, log: Logger): Promise<void> {
  const connection = await Connection.connect(connectionOptions(temporalConfigFromEnv(address)));
  try {
    const said = describeRegistration(await ensureSearchAttributes(connection.operatorService, namespace), namespace);
    if (said) log(said);
  } finally {
    await connection.close();
  }
}
