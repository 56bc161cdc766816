/**
 * `svcflow init <dir>`: the scaffold is a project that builds and whose one test passes, on the
 * Temporal and PostgreSQL `npm test` started. No network install: its node_modules are links to
 * this checkout (svcflow itself) and to this checkout's typescript, ava and @types/node, and its
 * own `npm test` script (build, then ava) runs it. Refusals are one line and a hint, exit 1.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repo, 'dist/src/cli/main.js');

async function svcflow(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The scaffold's dependencies, as links into this checkout: what `npm install` would have put there. */
async function linkDependencies(project: string): Promise<void> {
  const modules = join(project, 'node_modules');
  await mkdir(join(modules, '@types'), { recursive: true });
  await mkdir(join(modules, '.bin'));
  await symlink(repo, join(modules, 'svcflow'), 'dir');
  for (const dep of ['ava', 'typescript', '@types/node']) await symlink(await realpath(join(repo, 'node_modules', dep)), join(modules, dep), 'dir');
  await symlink(join(modules, 'typescript/bin/tsc'), join(modules, '.bin/tsc'));
  await symlink(join(modules, 'ava/entrypoints/cli.mjs'), join(modules, '.bin/ava'));
}

async function npm(script: string, cwd: string): Promise<{ code: number; out: string }> {
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  try {
    const { stdout, stderr } = await run('npm', ['run', script], { cwd, env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

test('svcflow init scaffolds a project whose build passes and whose test passes against the real servers; a wrong implementation fails tsc', async (t) => {
  t.timeout(5 * 60_000);
  const base = await mkdtemp(join(tmpdir(), 'svcflow-init-'));
  try {
    const project = join(base, 'answer-desk');
    const made = await svcflow(['init', project], base);
    t.is(made.code, 0, made.stderr);
    t.deepEqual((await readdir(project)).sort(), ['.gitignore', 'README.md', 'package.json', 'processes', 'src', 'svcflow.config.json', 'systems', 'test', 'tsconfig.json']);
    t.deepEqual((await readdir(join(project, 'src'))).sort(), ['customers.ts', 'systems.ts', 'worker.ts']);
    const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string>; scripts: Record<string, string> };
    t.is(pkg.name, 'answer-desk');
    t.is(pkg.dependencies.svcflow, `file:${repo.replace(/\/$/, '')}`);
    t.like(pkg.scripts, { build: 'tsc -p tsconfig.json', test: 'ava' });

    // Its declarations check with svcflow's own CLI, from inside the project (its svcflow.config.json).
    const checked = await svcflow(['check', 'processes'], project);
    t.is(checked.code, 0, checked.stdout + checked.stderr);
    const types = await svcflow(['types'], project);
    t.is(await readFile(join(project, 'src/systems.ts'), 'utf8'), types.stdout, 'src/systems.ts is what `svcflow types` renders there');
    t.regex(await readFile(join(project, 'src/worker.ts'), 'utf8'), /TASK_QUEUE = process\.env\.SVCFLOW_TASK_QUEUE \|\| "answer-desk";/);

    await linkDependencies(project);
    const tested = await npm('test', project);
    t.log(tested.out.split('\n').filter((l) => /✔|✘|passed|failed|error/.test(l)).join('\n'));
    t.is(tested.code, 0, tested.out);
    t.regex(tested.out, /1 test passed/);

    // The implementation is typed from the declaration: a wrong output type is a build error.
    const impl = join(project, 'src/customers.ts');
    await writeFile(impl, (await readFile(impl, 'utf8')).replace('customerId: `C-${email.length}`', 'customerId: email.length'));
    const broken = await npm('build', project);
    t.not(broken.code, 0);
    t.regex(broken.out, /src\/customers\.ts.*error TS2322/);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('svcflow init refuses a folder that is not empty, a file, and names npm would not take, in one line and a hint', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'svcflow-init-'));
  try {
    const full = join(base, 'full');
    await mkdir(full);
    await writeFile(join(full, 'notes.txt'), 'mine');
    await writeFile(join(base, 'a-file'), 'x');
    const cases: Array<[string, string[], RegExp]> = [
      ['a folder that is not empty', ['init', full], /is not empty/],
      ['a file', ['init', join(base, 'a-file')], /exists and is not a folder/],
      ['a name with a space', ['init', join(base, 'My Project')], /cannot be a package's name/],
      ['a name that climbs', ['init', join(base, 'ok'), '--name', '../evil'], /cannot be a package's name/],
      ['a name with a control character', ['init', join(base, 'ok2'), '--name', 'a\u0007b'], /cannot be a package's name/],
      ['a name Object.prototype has', ['init', join(base, 'ok3'), '--name', '__proto__'], /cannot be a package's name/],
      ['a dependency with a newline', ['init', join(base, 'ok4'), '--svcflow', 'file:x\n"evil": 1'], /is not a dependency/],
    ];
    for (const [what, args, message] of cases) {
      const r = await svcflow(args, base);
      t.is(r.code, 1, what);
      const lines = r.stderr.trimEnd().split('\n');
      t.is(lines.length, 2, `${what}: ${r.stderr}`);
      t.regex(lines[0]!, /^svcflow: error: /, what);
      t.regex(lines[0]!, message, what);
      t.regex(lines[1]!, /^ {2}hint: /, what);
    }
    t.deepEqual(await readdir(full), ['notes.txt'], 'nothing written into the folder that was not empty');
    t.deepEqual((await readdir(base)).sort(), ['a-file', 'full'], 'no folder made for a refused name');
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
