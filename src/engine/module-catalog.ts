/**
 * What a runtime is checked against: the systems its modules declare (each module's `systems`
 * folder of `.flow` files) and the catalog it is given. A system declared identically in both
 * (the project's svcflow.config.json lists a module's folder too) is taken once; two different
 * declarations of one system are a CatalogError.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileCatalog, EMPTY_CATALOG, mergeCatalogs, type Catalog } from '../dsl/catalog.js';
import { sourceFromBytes } from '../dsl/compile.js';
import type { SvcflowModule } from './module.js';

/** At most this many declaration files per module folder. */
const MAX_FILES = 1_000;

async function declared(module: SvcflowModule): Promise<Catalog> {
  if (!module.systems) return EMPTY_CATALOG;
  const files = (await readdir(module.systems)).filter((f) => f.endsWith('.flow')).sort();
  if (files.length > MAX_FILES) throw new Error(`module ${module.name}: more than ${MAX_FILES} declaration files in ${module.systems}`);
  const sources = await Promise.all(files.map(async (f) => sourceFromBytes(join(module.systems!, f), await readFile(join(module.systems!, f)))));
  const { catalog, diagnostics } = compileCatalog(sources);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`module ${module.name}: its system declarations have errors: ${errors.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`).join(', ')}`);
  return catalog;
}

export async function runtimeCatalog(modules: readonly SvcflowModule[], given: Catalog = EMPTY_CATALOG): Promise<Catalog> {
  const same = new Map(given.systems.map((s) => [s.name, JSON.stringify(s)]));
  const fromModules: Catalog[] = [];
  for (const m of modules) {
    const c = await declared(m);
    fromModules.push({ systems: c.systems.filter((s) => same.get(s.name) !== JSON.stringify(s)) });
  }
  return mergeCatalogs(given, ...fromModules);
}
