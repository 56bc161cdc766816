/**
 * The CRM of test/fixtures/python (a system svcflow does not know): its declaration compiled to
 * a Catalog value, and the CustomerLookup process compiled against it.
 */
import { readFileSync } from 'node:fs';
import { compileSources, type SourceFile } from '../../src/dsl/compile.js';
import { compileCatalog, type Catalog } from '../../src/dsl/catalog.js';
import type { ProcessIR } from '../../src/ir/schema.js';

const fixture = (name: string): SourceFile => ({ file: `test/fixtures/python/${name}`, text: readFileSync(new URL(`../../../test/fixtures/python/${name}`, import.meta.url), 'utf8') });
const failOn = (diagnostics: Array<{ line: number; column: number; code: string; message: string }>) => {
  if (diagnostics.length) throw new Error(diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join('\n'));
};

/** test/fixtures/python/crm.flow as data, on `queue` (the fixture's is "crm-python"). */
export function crmCatalog(queue = 'crm-python'): Catalog {
  const { catalog, diagnostics } = compileCatalog([fixture('crm.flow')]);
  failOn(diagnostics);
  return { systems: catalog.systems.map((s) => ({ ...s, taskQueue: queue })) };
}

/** CustomerLookup (test/fixtures/python/lookup.flow), compiled against crm.flow with its call on `queue`. */
export function customerLookup(queue = 'crm-python'): { ir: ProcessIR; path: 'dsl' } {
  const { processes, diagnostics } = compileSources([fixture('lookup.flow')], { catalog: crmCatalog(queue) });
  failOn(diagnostics);
  return { ir: processes.find((p) => p.name === 'CustomerLookup')!, path: 'dsl' };
}
