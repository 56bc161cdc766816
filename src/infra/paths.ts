import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root, where its data files are (migrations/, modules/<name>/migrations, processes/):
 * compiled code runs from dist/, so this file is dist/src/infra/paths.js.
 */
export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A data file or folder of the repository, by its path from the root (`modules/telecom/migrations`). */
export const fromRoot = (path: string): string => join(repositoryRoot, path);

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
