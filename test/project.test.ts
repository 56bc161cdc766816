/**
 * A project on disk (src/engine/project.ts): svcflow.config.json names the folders of processes
 * and systems; the CLI finds the catalog through it (`svcflow check`, `svcflow catalog`).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProject, loadProjectCatalog, ProjectError } from '../src/engine/project.js';
import type { Catalog } from '../src/dsl/catalog.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));

function svcflow(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'svcflow-project-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const CRM = 'system crm\n  "The CRM."\n  queue "crm-python"\n  operation lookupCustomer\n    input { phone: phone @pii }\n    output { customerId: string }\n';
const LOOKUP = 'process Lookup version 1\n  input { msisdn: phone @pii }\n  call crm.lookupCustomer(phone: input.msisdn) as c\n  end "ok"\n';

test('loadProject reads the folders svcflow.config.json names, in name order', async (t) => {
  const root = project({
    'svcflow.config.json': JSON.stringify({ processes: 'flows', systems: ['catalog/own', 'catalog/more'] }),
    'flows/b.flow': LOOKUP,
    'flows/a.flow': LOOKUP.replace('Lookup', 'Other'),
    'flows/notes.txt': 'not a flow',
    'catalog/own/crm.flow': CRM,
    'catalog/more/mail.flow': 'system mail\n',
  });
  const p = await loadProject(root);
  t.deepEqual(p.config, { processes: 'flows', systems: ['catalog/own', 'catalog/more'] });
  t.deepEqual(p.processes.map((s) => s.file.split(/[\\/]/).pop()), ['a.flow', 'b.flow']);
  t.deepEqual(p.systems.map((s) => s.file.split(/[\\/]/).pop()), ['crm.flow', 'mail.flow']);
});

test('without a config: processes/ and systems/, and a default folder that is not there holds nothing', async (t) => {
  const root = project({ 'processes/a.flow': LOOKUP });
  const p = await loadProject(root);
  t.deepEqual(p.config, { processes: 'processes', systems: ['systems'] });
  t.is(p.processes.length, 1);
  t.deepEqual(p.systems, []);
});

test('a config that is not what it should be is a ProjectError that says why', async (t) => {
  const bad = async (config: string, message: RegExp) => {
    const root = project({ 'svcflow.config.json': config });
    await t.throwsAsync(loadProject(root), { instanceOf: ProjectError, message });
  };
  await bad('{ "processes": ', /not JSON/);
  await bad('[]', /must hold an object/);
  await bad('{ "sytems": ["systems"] }', /unknown setting "sytems"/);
  await bad('{ "systems": "systems" }', /must be a list/);
  await bad('{ "systems": [42] }', /systems\[0\] must be a folder name/);
  await bad('{ "systems": ["../elsewhere"] }', /inside the project/);
  await bad('{ "processes": "/etc" }', /inside the project/);
  await bad('{ "systems": ["missing"] }', /cannot read the folder/);
  await bad(`{ "systems": [${Array.from({ length: 65 }, () => '"s"').join(',')}] }`, /at most 64/);
  await bad(' '.repeat(70_000), /bytes; the limit is/);
});

test('svcflow check finds the catalog through svcflow.config.json; svcflow catalog prints it', (t) => {
  const root = project({ 'svcflow.config.json': '{ "systems": ["systems"] }', 'systems/crm.flow': CRM, 'processes/lookup.flow': LOOKUP });
  const ok = svcflow(root, 'check', 'processes');
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stderr, /^ok: Lookup v1/m);
  // From a folder inside the project, the config is found above it.
  t.is(svcflow(join(root, 'processes'), 'check', 'lookup.flow').code, 0);

  const json = svcflow(root, 'catalog', '--json');
  t.is(json.code, 0, json.stderr);
  const catalog = JSON.parse(json.stdout) as Catalog;
  t.deepEqual(catalog.systems.map((s) => [s.name, s.taskQueue, s.operations.map((o) => o.name)]), [['crm', 'crm-python', ['lookupCustomer']]]);
  const text = svcflow(root, 'catalog', 'crm');
  t.regex(text.stdout, /crm\.lookupCustomer\(phone: a phone number @pii\) → \{ customerId \}/);
  const typo = svcflow(root, 'catalog', 'crn');
  t.is(typo.code, 1);
  t.regex(typo.stderr, /there is no system 'crn': did you mean 'crm'\?/);
});

test("svcflow check reports an error in the project's system files, at its position", (t) => {
  const root = project({ 'systems/crm.flow': CRM.replace('queue "crm-python"', 'queue crm'), 'processes/lookup.flow': LOOKUP });
  const r = svcflow(root, 'check', 'processes');
  t.is(r.code, 1);
  t.regex(r.stderr, /systems[\\/]crm\.flow:3:9: error parse\/syntax: expected a text in double quotes after 'queue'/);
});

test("this repository's own config lists the telecom module's systems", (t) => {
  const r = svcflow(repo, 'catalog', '--json');
  t.is(r.code, 0, r.stderr);
  t.deepEqual((JSON.parse(r.stdout) as Catalog).systems.map((s) => s.name), ['billing', 'complaints', 'dispatch', 'notification']);
});

test('a catalog compiled cleanly is read back from the cache; a changed declaration is compiled again', async (t) => {
  process.env.SVCFLOW_CACHE_DIR = mkdtempSync(join(tmpdir(), 'svcflow-cache-'));
  const root = project({ 'systems/crm.flow': CRM });
  const first = await loadProjectCatalog(root);
  t.deepEqual(first.diagnostics, []);
  t.is(readdirSync(join(process.env.SVCFLOW_CACHE_DIR, 'catalogs')).length, 1);
  const again = await loadProjectCatalog(root);
  t.deepEqual(again.catalog, first.catalog);
  // An error is never hidden by what was cached before it.
  writeFileSync(join(root, 'systems/crm.flow'), CRM.replace('phone: phone', 'phone: fone'));
  const changed = await loadProjectCatalog(root);
  t.deepEqual(changed.diagnostics.map((d) => d.code), ['check/unknown-type']);
  t.deepEqual(await loadProjectCatalog(root, { cache: false }), changed);
});
