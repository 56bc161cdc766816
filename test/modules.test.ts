/**
 * Who applies which migrations, on databases of their own (created on the test server and dropped
 * after): createEngine only the engine's (the registry), a module's by whoever loads it, in a
 * history of its own; its demo data only when asked; and a database migrated before modules had
 * their own histories goes on without applying anything twice.
 */
import anyTest, { type TestFn } from 'ava';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { createEngine } from '../src/engine/engine.js';
import { migrate, migrateModule, migrationsDir } from '../src/engine/migrate.js';
import { telecom } from '../modules/telecom/index.js';
import { databaseUrl, temporalAddress, temporalNamespace } from './helpers/servers.js';

const test = anyTest as TestFn<{ admin: pg.Pool; made: string[] }>;

test.before((t) => {
  t.context.admin = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  t.context.made = [];
});
test.after.always(async (t) => {
  // Without FORCE: a connection still closing keeps its database (the server is a throw-away one).
  for (const name of t.context.made) await t.context.admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`).catch(() => {});
  await t.context.admin.end();
});

/** A new, empty database on the test server; its URL. */
async function freshDatabase(t: { context: { admin: pg.Pool; made: string[] } }): Promise<string> {
  const name = `svcflow_modules_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await t.context.admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  t.context.made.push(name);
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function tables(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    return rows.map((r) => r.t);
  } finally {
    await c.end();
  }
}

async function count(url: string, table: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(table)}`);
    return rows[0]!.n;
  } finally {
    await c.end();
  }
}

test('createEngine applies only the engine’s own migrations: no module table, no demo row', async (t) => {
  const url = await freshDatabase(t);
  const engine = await createEngine({ temporal: { address: temporalAddress(), namespace: temporalNamespace() }, databaseUrl: url });
  await engine.close();
  const made = await tables(url);
  t.true(made.includes('svcflow_process_versions'));
  t.deepEqual(made.filter((n) => !n.startsWith('svcflow_')), []);
  t.false(made.includes('svcflow_effects'), 'the effects ledger is the telecom systems’');
});

test('a module’s migrations are applied by whoever loads it, in its own history; its demo data only when asked', async (t) => {
  const url = await freshDatabase(t);
  await migrate(url);
  const applied = await migrateModule(url, telecom);
  t.true(applied.includes('1700000001000_systems'));
  t.false(applied.some((m) => m.includes('reference-data')));
  const made = await tables(url);
  t.true(made.includes('billing_accounts') && made.includes('telecom_migrations'));
  t.is(await count(url, 'billing_plans'), 0, 'no demo data unless asked');
  t.is(await count(url, 'svcflow_migrations'), readdirSync(migrationsDir).length, 'the engine’s history holds the engine’s migrations only');
  t.deepEqual(await migrateModule(url, telecom), [], 'idempotent');
  t.deepEqual(await migrateModule(url, telecom, { demo: true }), ['1700000002000_reference-data']);
  t.true((await count(url, 'billing_plans')) > 0);
  t.deepEqual(await migrateModule(url, telecom, { demo: true }), []);
});

test('a database migrated before modules had their own histories applies nothing twice', async (t) => {
  const url = await freshDatabase(t);
  // Every migration as one history in svcflow_migrations, in the order they had then.
  const old = mkdtempSync(join(tmpdir(), 'svcflow-old-migrations-'));
  try {
    for (const dir of [migrationsDir, telecom.migrations!, telecom.demoData!]) for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(old, f));
    await runner({ databaseUrl: url, dir: old, direction: 'up', migrationsTable: 'svcflow_migrations', count: Infinity, log: () => {} });
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
  const plans = await count(url, 'billing_plans');
  t.deepEqual(await migrate(url), []);
  t.deepEqual(await migrateModule(url, telecom, { demo: true }), []);
  t.is(await count(url, 'billing_plans'), plans, 'the demo data is not loaded again');
  t.is(await count(url, 'telecom_migrations'), readdirSync(telecom.migrations!).length);
});

test('a module name that could not name a table is refused before anything is applied', async (t) => {
  await t.throwsAsync(migrateModule(databaseUrl(), { ...telecom, name: 'x"; DROP TABLE svcflow_process_versions; --' }), { message: /module name/ });
});
