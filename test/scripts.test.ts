/**
 * The scripts (`npm run record:histories`, `npm run scenarios`) import test helpers and run with
 * node, not ava: a helper they import must load outside ava's CLI, which ava itself refuses.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('every test helper a script imports loads with node alone', (t) => {
  const helpers = new Set<string>();
  for (const f of readdirSync(`${root}scripts`).filter((n) => n.endsWith('.ts'))) {
    for (const m of readFileSync(`${root}scripts/${f}`, 'utf8').matchAll(/from '\.\.\/test\/helpers\/([a-z-]+)\.js'/g)) helpers.add(m[1]!);
  }
  t.true(helpers.size > 0);
  for (const h of helpers) {
    const url = new URL(`../test/helpers/${h}.js`, import.meta.url).href;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(url)})`], { encoding: 'utf8', timeout: 30_000 });
    t.is(r.status, 0, `${h}: ${r.stderr.slice(0, 400)}`);
  }
});
