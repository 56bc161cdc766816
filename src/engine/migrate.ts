/**
 * Database migrations (node-pg-migrate, plain SQL files in migrations/). Applied by `npm start`,
 * the test setup and `svcflow migrate`; safe to run concurrently (node-pg-migrate takes an
 * advisory lock, and a second runner waits for it) and idempotent.
 */
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

export const migrationsDir = fileURLToPath(new URL('../../../migrations', import.meta.url));

export async function migrate(databaseUrl: string, log: (m: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'svcflow_migrations',
    count: Infinity,
    singleTransaction: true,
    // Workers that start together wait for each other's migrations instead of failing
    // (node-pg-migrate's default is to fail when another holds the lock).
    advisoryLockMode: 'wait',
    log,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}
