/**
 * Database migrations (node-pg-migrate, plain SQL files). The engine's own (migrations/: the
 * process registry and what the engine records) are applied by `createEngine`; a module's
 * (`modules/<name>/migrations`) by whoever loads the module (`migrateModule`: `svcflow dev`,
 * `svcflow worker`, `svcflow migrate`, the test setup), each history in a table of its own
 * (`svcflow_migrations`, `<module>_migrations`), so that the two never clash. A module's demo
 * data is a third history (`<module>_demo_migrations`), applied only when asked (`npm start`).
 * Safe to run concurrently (node-pg-migrate takes an advisory lock, and a second runner waits for
 * it) and idempotent.
 */
import { readdirSync } from 'node:fs';
import { basename, extname } from 'node:path';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { fromRoot } from '../infra/paths.js';
import type { SvcflowModule } from './module.js';

export const migrationsDir = fromRoot('migrations');

/** The engine's own history: the table every migration was recorded in before modules had their own. */
const ENGINE_TABLE = 'svcflow_migrations';

async function run(databaseUrl: string, dir: string, migrationsTable: string, log: (m: string) => void): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir,
    direction: 'up',
    migrationsTable,
    count: Infinity,
    singleTransaction: true,
    // A database migrated before modules had histories of their own keeps their rows in
    // svcflow_migrations, after the registry's (see adopt()): the order check would refuse
    // the engine's later migrations for them.
    checkOrder: migrationsTable !== ENGINE_TABLE,
    // Workers that start together wait for each other's migrations instead of failing
    // (node-pg-migrate's default is to fail when another holds the lock).
    advisoryLockMode: 'wait',
    log,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}

/** Applies the engine's own migrations; returns the names of those it applied now. */
export function migrate(databaseUrl: string, log: (m: string) => void = () => {}): Promise<string[]> {
  return run(databaseUrl, migrationsDir, ENGINE_TABLE, log);
}

const MODULE_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** The names node-pg-migrate gives the migrations of a folder (file names without extension). */
const namesIn = (dir: string): string[] => readdirSync(dir).filter((f) => /\.(sql|js|ts)$/.test(f)).map((f) => basename(f, extname(f)));

/** Serialises adoptions of one table (taken inside a transaction, released at its end). */
const ADOPT_LOCK = 7_231_200_011;

/**
 * A database migrated before modules had their own histories holds the module's migrations as
 * rows of svcflow_migrations: the module's table is created with those rows (in their order), so
 * they are not applied twice. Once per table: a table that exists is left as it is.
 */
async function adopt(databaseUrl: string, table: string, dir: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADOPT_LOCK]);
    const { rows } = await client.query<{ own: string | null; engine: string | null }>(`SELECT to_regclass($1) AS own, to_regclass($2) AS engine`, [table, ENGINE_TABLE]);
    if (rows[0]!.own === null && rows[0]!.engine !== null) {
      const name = client.escapeIdentifier(table);
      await client.query(`CREATE TABLE ${name} (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)`);
      await client.query(`INSERT INTO ${name} (name, run_on) SELECT name, run_on FROM ${client.escapeIdentifier(ENGINE_TABLE)} WHERE name = ANY($1) ORDER BY run_on, id`, [namesIn(dir)]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

export interface MigrateModuleOptions {
  /** Also load the module's demo data (what `npm start` shows); false by default. */
  demo?: boolean;
  log?: (m: string) => void;
}

/** Applies a module's migrations (and, when asked, its demo data) in its own histories; returns what it applied now. */
export async function migrateModule(databaseUrl: string, module: SvcflowModule, options: MigrateModuleOptions = {}): Promise<string[]> {
  if (!MODULE_NAME.test(module.name)) throw new Error(`module name ${JSON.stringify(module.name)} must be 1 to 40 lower-case letters, digits or _, starting with a letter`);
  const log = options.log ?? (() => {});
  const steps: Array<[string, string]> = [];
  if (module.migrations) steps.push([module.migrations, `${module.name}_migrations`]);
  if (options.demo && module.demoData) steps.push([module.demoData, `${module.name}_demo_migrations`]);
  const applied: string[] = [];
  for (const [dir, table] of steps) {
    await adopt(databaseUrl, table, dir);
    applied.push(...(await run(databaseUrl, dir, table, log)));
  }
  return applied;
}
