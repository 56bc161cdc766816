import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';

/** Where svcflow keeps its machine-wide caches (the built test server). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SVCFLOW_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'svcflow');
}

/** Where `npm start` keeps its state (Temporal's SQLite file, PostgreSQL's data). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.SVCFLOW_STATE_DIR ?? '.svcflow');
}

/** Finds an executable on PATH, like `which`. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
