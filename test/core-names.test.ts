/**
 * The core (src/dsl, src/ir, src/workflows, src/engine) names no telecom system, operation,
 * channel, signal or table: the telecom module brings them all, as an embedder's module would.
 * The names come from the module itself (its contracts, its migrations), so a system or table it
 * gains is watched too. Comments count: a core that explains itself with SMS replies is written
 * for one domain.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CATALOG } from '../modules/telecom/src/catalog/index.js';
import { fromRoot, repositoryRoot } from '../src/infra/paths.js';

const CORE = ['src/dsl', 'src/ir', 'src/workflows', 'src/engine'];

/**
 * Files of the core allowed to name something of telecom, by file and name: none. Should one
 * ever be needed, an allowance that no longer occurs fails the test, so the list only shrinks.
 */
const PENDING: Record<string, string[] | 'the whole file'> = {};

function telecomNames(): string[] {
  const names = new Set<string>(['sms', 'smsReply', 'msisdn', 'technician', 'technicianAck', 'technicianOnSite', 'technicianReport', 'workOrder', 'workOrderId', 'complaint']);
  for (const name of CATALOG.keys()) {
    const [system, op] = name.split('.') as [string, string];
    names.add(system);
    // A one-word operation (charge, refund, resolve) is an English word the core may use; a compound one is telecom's.
    if (/[A-Z]/.test(op)) names.add(op);
  }
  const migrations = fromRoot('modules/telecom/migrations');
  for (const file of readdirSync(migrations)) {
    for (const m of readFileSync(join(migrations, file), 'utf8').matchAll(/CREATE TABLE (\w+)/g)) names.add(m[1]!);
  }
  return [...names];
}

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.ts$/.test(entry.name)) yield path;
  }
}

/** Every telecom name each core file holds, as whole words (case-insensitive), lower-cased. */
function found(): Map<string, Set<string>> {
  const words = new RegExp(`(?<![A-Za-z0-9_])(${telecomNames().sort((a, b) => b.length - a.length).join('|')})(?![A-Za-z0-9_])`, 'gi');
  const out = new Map<string, Set<string>>();
  for (const dir of CORE) {
    for (const path of sources(fromRoot(dir))) {
      const hits = new Set([...readFileSync(path, 'utf8').matchAll(words)].map((m) => m[1]!.toLowerCase()));
      if (hits.size) out.set(relative(repositoryRoot, path), hits);
    }
  }
  return out;
}

test('the names it looks for come from the telecom module', (t) => {
  const names = telecomNames();
  for (const n of ['billing', 'dispatch', 'notification', 'complaints', 'sendSms', 'createWorkOrder', 'billing_accounts', 'dispatch_work_orders', 'notification_inbound', 'svcflow_effects', 'smsReply', 'msisdn']) {
    t.true(names.includes(n), n);
  }
});

test('the core names no telecom system, operation, channel or table', (t) => {
  const offences: string[] = [];
  for (const [file, hits] of found()) {
    const allowance = Object.hasOwn(PENDING, file) ? PENDING[file]! : [];
    const bad = allowance === 'the whole file' ? [] : [...hits].filter((h) => !allowance.includes(h));
    if (bad.length) offences.push(`${file}: ${bad.sort().join(', ')}`);
  }
  t.deepEqual(offences, []);
});

test('every pending allowance still occurs (remove it once the file is clean)', (t) => {
  const hits = found();
  const stale: string[] = [];
  for (const [file, names] of Object.entries(PENDING)) {
    if (names === 'the whole file') {
      if (!hits.has(file)) stale.push(`${file}: (the whole file)`);
    } else for (const n of names) if (!hits.get(file)?.has(n)) stale.push(`${file}: ${n}`);
  }
  t.deepEqual(stale, []);
});
