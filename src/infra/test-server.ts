/**
 * Temporal's time-skipping test server (the Java one from Maven Central), for processes whose
 * timers run for hours and days.
 *
 * The SDK starts an `existing-path` test server as `<path> <port>` and waits about 5 s for the
 * port. A plain JVM start of the server takes 3.3–4.0 s on 2 idle cores, too close to that limit
 * under load, so the wrapper runs the JVM with an application class-data-sharing archive
 * (AppCDS, made once when the server is installed), C1 only and the serial GC: ~1.0–1.1 s.
 *
 * Resolution: SVCFLOW_TEST_SERVER (an executable) → the cache (~/.cache/svcflow) → build the
 * cache with Maven and Java → else undefined (the SDK then downloads its own server, online).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, which } from './paths.js';
import { freePort, run, startProcess, waitForPort } from './processes.js';
import { step, type Logger } from './log.js';

export const TEST_SERVER_VERSION = '1.38.0';
const MAIN_CLASS = 'io.temporal.testserver.TestServer';
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xss512k', '-XX:-UsePerfData'];

export interface TestServerPaths {
  dir: string;
  lib: string;
  archive: string;
  wrapper: string;
}

export function testServerPaths(env: NodeJS.ProcessEnv = process.env): TestServerPaths {
  const dir = join(cacheDir(env), `temporal-test-server-${TEST_SERVER_VERSION}`);
  return { dir, lib: join(dir, 'lib'), archive: join(dir, 'app.jsa'), wrapper: join(dir, 'temporal-test-server') };
}

function pom(): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>svcflow</groupId>
  <artifactId>temporal-test-server-deps</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;
}

function wrapperScript(java: string): string {
  // exec: the SDK kills this process on teardown, and that must be the JVM itself.
  // No --enable-time-skipping: the SDK expects the server to start with time skipping locked
  // (as its own download does) and unlocks it while a test awaits a workflow result; a server
  // that starts unlocked races ahead while the worker is still starting.
  return `#!/bin/sh
# Written by svcflow (src/infra/test-server.ts). Usage: temporal-test-server <port>
DIR="$(cd "$(dirname "$0")" && pwd)"
exec "${java}" -XX:SharedArchiveFile="$DIR/app.jsa" -Xshare:auto ${JVM_FLAGS.join(' ')} \\
  -cp "$DIR/lib/*" ${MAIN_CLASS} "$@"
`;
}

/** Returns the wrapper's path, installing the server (Maven) and its CDS archive if needed. */
export async function ensureTestServer(log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.SVCFLOW_TEST_SERVER) return env.SVCFLOW_TEST_SERVER;
  const paths = testServerPaths(env);
  if (existsSync(paths.wrapper) && existsSync(paths.archive)) return paths.wrapper;
  const java = which('java', env);
  const mvn = which('mvn', env);
  if (!java || !mvn) {
    log('no java/mvn on PATH: the SDK will download its own time-skipping test server (needs the internet)');
    return undefined;
  }
  await mkdir(paths.dir, { recursive: true });
  const libReady = existsSync(paths.lib) && (await readdir(paths.lib)).some((f) => f.startsWith('temporal-test-server'));
  if (!libReady) {
    await writeFile(join(paths.dir, 'pom.xml'), pom());
    await step(log, `fetching io.temporal:temporal-test-server:${TEST_SERVER_VERSION} with Maven`, () =>
      run(mvn, ['-B', '-q', '-f', join(paths.dir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${paths.lib}`, '-DincludeScope=runtime']),
    );
  }
  await writeFile(paths.wrapper, wrapperScript(java));
  await chmod(paths.wrapper, 0o755);
  await step(log, 'recording a class-data-sharing archive for the test server JVM', () => recordArchive(java, paths));
  return paths.wrapper;
}

/** Starts the server once with -XX:ArchiveClassesAtExit, waits for its port, stops it. */
async function recordArchive(java: string, paths: TestServerPaths): Promise<void> {
  await rm(paths.archive, { force: true });
  const port = await freePort();
  const proc = startProcess('temporal test server (CDS recording)', java, [
    `-XX:ArchiveClassesAtExit=${paths.archive}`,
    ...JVM_FLAGS,
    '-cp',
    `${paths.lib}/*`,
    MAIN_CLASS,
    String(port),
  ]);
  await waitForPort(port, proc, 60_000);
  await proc.stop();
  if (!existsSync(paths.archive)) throw new Error(`the JVM wrote no CDS archive at ${paths.archive}:\n${proc.output()}`);
}
