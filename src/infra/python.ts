/**
 * A Python with Temporal's SDK (`temporalio` from PyPI), for workers written in Python (the
 * end-to-end test's test/fixtures/python/worker.py): a virtual environment in the cache
 * (~/.cache/svcflow/python-temporalio-<version>), made once from the `python3` on PATH.
 *
 * Resolution: SVCFLOW_PYTHON (an interpreter that has temporalio) → the cache → make the cache
 * (python3 -m venv, pip install temporalio==<version>) → else undefined (no python3 on PATH).
 * Made in a folder of its own and renamed into place when complete: an interrupted install or
 * a second one at the same moment never leaves a half-made environment where the cache is.
 */
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, which } from './paths.js';
import { run } from './processes.js';
import { step, type Logger } from './log.js';

/** The version pinned: the one the fixture worker and the README's instructions are tested with. */
export const TEMPORALIO_PY_VERSION = '1.35.0';

/** Written last, when pip has installed temporalio: its presence means the environment is whole. */
const MARKER = 'svcflow-installed';

export function pythonEnvDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `python-temporalio-${TEMPORALIO_PY_VERSION}`);
}

const interpreter = (dir: string) => join(dir, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');

/** The interpreter of the environment, making it if needed; undefined when there is no python3 to make it with. */
export async function ensurePython(log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.SVCFLOW_PYTHON) return env.SVCFLOW_PYTHON;
  const dir = pythonEnvDir(env);
  if (existsSync(join(dir, MARKER))) return interpreter(dir);
  const python3 = which('python3', env) ?? which('python', env);
  if (!python3) {
    log('no python3 on PATH: the Python worker test cannot run (install python3 with its venv module)');
    return undefined;
  }
  const building = `${dir}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  try {
    await step(log, `making a Python virtual environment with temporalio ${TEMPORALIO_PY_VERSION} (pip)`, async () => {
      await run(python3, ['-m', 'venv', building], { env });
      await run(interpreter(building), ['-m', 'pip', 'install', '--quiet', `temporalio==${TEMPORALIO_PY_VERSION}`], { env });
      await run(interpreter(building), ['-c', 'import temporalio.worker'], { env });
      await writeFile(join(building, MARKER), `temporalio==${TEMPORALIO_PY_VERSION}\n`);
    });
    // Another install may have finished first: its environment is as good, and may be in use.
    if (!existsSync(join(dir, MARKER))) {
      await rm(dir, { recursive: true, force: true });
      await rename(building, dir).catch((err: unknown) => {
        if (!existsSync(join(dir, MARKER))) throw err;
      });
    }
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return interpreter(dir);
}
