/**
 * The telecom module's tables and demo data (plans, areas, templates…) in the test database, for
 * the tests that run the telecom systems: they ask for it; no other test finds demo rows it did
 * not ask for. Idempotent, and safe when test files run it at once (node-pg-migrate's lock).
 */
import { migrate, migrateModule } from '../../src/engine/migrate.js';
import { telecom } from '../../modules/telecom/index.js';
import { databaseUrl } from './servers.js';

export async function telecomDatabase(): Promise<void> {
  await migrate(databaseUrl());
  await migrateModule(databaseUrl(), telecom, { demo: true });
}
