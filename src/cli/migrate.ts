/**
 * `svcflow migrate`: applies the pending migrations (the engine's, migrations/, and the telecom
 * module's, modules/telecom/migrations; not its demo data) to the database and says which ones it applied. Safe to run while workers run, and again: it is idempotent.
 */
import { hostedModules, migrateAll } from './modules.js';
import { checkDatabaseUrl, redactUrl, unreachable, type DatabaseFlags } from './options.js';

export async function migrateCommand(flags: DatabaseFlags): Promise<number> {
  const databaseUrl = checkDatabaseUrl(flags.databaseUrl);
  let applied: string[];
  try {
    applied = await migrateAll(databaseUrl, hostedModules());
  } catch (err) {
    throw unreachable(err, { databaseUrl });
  }
  const where = redactUrl(databaseUrl);
  if (applied.length === 0) {
    process.stdout.write(`${where}: up to date, nothing to apply\n`);
  } else {
    process.stdout.write(`${where}: applied ${applied.length} migration${applied.length === 1 ? '' : 's'}\n${applied.map((m) => `  ${m}\n`).join('')}`);
  }
  return 0;
}
