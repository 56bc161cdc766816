/**
 * The modules the `svcflow` command hosts: this repository's telecom module. (An embedder who
 * brings their own assembles a runtime with theirs: src/engine/runtime.ts.)
 */
import { migrate, migrateModule } from '../engine/migrate.js';
import type { SvcflowModule } from '../engine/module.js';
import { telecomModule, type TelecomOptions } from '../../modules/telecom/index.js';

export function hostedModules(options: TelecomOptions = {}): SvcflowModule[] {
  return [telecomModule(options)];
}

/** The engine's migrations, then each module's (and their demo data when asked); what was applied now. */
export async function migrateAll(databaseUrl: string, modules: SvcflowModule[], options: { demo?: boolean; log?: (m: string) => void } = {}): Promise<string[]> {
  const applied = await migrate(databaseUrl, options.log);
  for (const m of modules) applied.push(...(await migrateModule(databaseUrl, m, options)));
  return applied;
}
