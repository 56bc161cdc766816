/**
 * `svcflow check | compile | graph` as a user runs them: exit codes, the diagnostic format
 * (`path:line:col: error code: message`, the line, a caret, a hint), --json, and no stack trace
 * on any input.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessIR } from '../src/ir/schema.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const processes = fileURLToPath(new URL('../../processes/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'svcflow-cli-'));

function svcflow(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const noStack = (s: string) => !/\n\s+at .+:\d+:\d+\)?$/m.test(s);

test('check: a clean directory exits 0', (t) => {
  const r = svcflow('check', processes);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /^ok: /m);
});

test('check: errors exit 1, as path:line:col: error code: message, the line, a caret and a hint', (t) => {
  const path = file('typo.flow', 'process Typo version 1\n  call billing.chrage(accountId: "a")\n');
  const r = svcflow('check', path);
  t.is(r.code, 1);
  const lines = r.stderr.split('\n');
  t.is(lines[0], `${path}:2:8: error check/unknown-activity: there is no activity 'billing.chrage'`);
  t.is(lines[1], '    call billing.chrage(accountId: "a")');
  t.is(lines[2], '         ^^^^^^^^^^^^^^');
  t.regex(lines[3]!, /^ {2}hint: did you mean 'billing.charge'\?$/);
});

test('check --json prints the diagnostics as data', (t) => {
  const path = file('two.flow', 'process Two version 1\n  set a = b\n  set c = d\n');
  const r = svcflow('check', '--json', path);
  t.is(r.code, 1);
  const { diagnostics } = JSON.parse(r.stdout) as { diagnostics: Array<{ code: string; line: number; column: number; file: string }> };
  t.deepEqual(
    diagnostics.map((d) => [d.code, d.line, d.column]),
    [
      ['check/undefined-variable', 2, 11],
      ['check/undefined-variable', 3, 11],
    ],
  );
});

test('bad input of every kind gets diagnostics and exit 1, never a stack trace or a hang', (t) => {
  const inputs: Array<[string, string | Buffer]> = [
    ['empty.flow', ''],
    ['truncated.flow', 'process Trunc version 1\n  call billing.charge(accountId: "a", amo'],
    ['binary.flow', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))],
    ['chinese.flow', 'process 客户投诉 version 1\n  set x = 客户名\n'],
    ['megabyte.flow', `process Big version 1\n${'  call billing.chrage(accountId: "a")\n'.repeat(28_000)}`],
    ['huge.flow', `# ${'x'.repeat(3 * 1024 * 1024)}\n`],
  ];
  for (const [name, text] of inputs) {
    const r = svcflow('check', file(name, text));
    t.is(r.code, 1, name);
    t.regex(r.stderr, /:\d+:\d+: error (parse|check)\/[a-z-]+: /, name);
    t.true(noStack(r.stderr), `${name}: ${r.stderr.slice(0, 500)}`);
  }
});

test('a missing file is one clear line, exit 1', (t) => {
  const r = svcflow('check', join(dir, 'nope.flow'));
  t.is(r.code, 1);
  t.is(r.stderr.trim(), `svcflow: error: cannot read ${join(dir, 'nope.flow')}: no such file or directory`);
});

test('compile prints IR that the schema accepts, or writes it with --out', (t) => {
  const src = join(processes, 'secondary-confirmation.flow');
  const r = svcflow('compile', src);
  t.is(r.code, 0, r.stderr);
  const ir = ProcessIR.parse(JSON.parse(r.stdout));
  t.is(ir.name, 'SecondaryConfirmation');
  const out = join(dir, 'ir.json');
  t.is(svcflow('compile', src, '--out', out).code, 0);
  t.deepEqual(JSON.parse(readFileSync(out, 'utf8')), JSON.parse(r.stdout));
});

test('compile of a file with errors prints diagnostics and no IR', (t) => {
  const r = svcflow('compile', file('bad.flow', 'process Bad version 1\n  wait x = signal s\n'));
  t.is(r.code, 1);
  t.is(r.stdout, '');
  t.regex(r.stderr, /check\/wait-without-within/);
});

test('compile: the processes a file calls are found beside it, or in --with files', (t) => {
  const installation = join(processes, 'installation.flow');
  const beside = svcflow('compile', installation);
  t.is(beside.code, 0, beside.stderr);
  t.is(ProcessIR.parse(JSON.parse(beside.stdout)).name, 'Installation');
  const alone = file('calls-child.flow', 'process Parent version 1\n  call process Child(orderId: "O-1")\n  end "ok"\n');
  const missing = svcflow('compile', alone);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /check\/unknown-process: there is no process 'Child'/);
  const child = file('child-def.flow.txt', 'process Child version 1\n  input { orderId: string }\n  end "ok"\n');
  const withChild = svcflow('compile', alone, '--with', child);
  t.is(withChild.code, 0, withChild.stderr);
});

test('check: bytes that are not UTF-8 are parse/invalid-encoding at their line and column', (t) => {
  const text = Buffer.concat([Buffer.from('process Bytes version 1\n  set x = "中文'), Buffer.from([0xb5, 0xe7]), Buffer.from('"\n  end "ok"\n')]);
  const r = svcflow('check', file('gbk.flow', text));
  t.is(r.code, 1);
  t.regex(r.stderr, /gbk\.flow:2:14: error parse\/invalid-encoding/);
});

test('compile: a file beside it nested too deep, or defining the same process, does not stop it', (t) => {
  const sub = mkdtempSync(join(dir, 'siblings-'));
  writeFileSync(join(sub, 'deep.flow'), `process Deep version 1\n  set x = ${'('.repeat(20_000)}1${')'.repeat(20_000)}\n  end "ok"\n`);
  const target = join(sub, 'target.flow');
  writeFileSync(target, 'process Target version 1\n  set x = 1\n  end "ok"\n');
  writeFileSync(join(sub, 'zz-copy.flow'), 'process Target version 1\n  set x = 2\n  end "ok"\n');
  const r = svcflow('compile', target);
  t.is(r.code, 0, r.stderr);
  t.is(ProcessIR.parse(JSON.parse(r.stdout)).name, 'Target');
  const all = svcflow('check', sub);
  t.is(all.code, 1);
  t.regex(all.stderr, /deep\.flow:2:\d+: error parse\/too-deep/);
  t.regex(all.stderr, /zz-copy\.flow:1:9: error check\/duplicate-process: process 'Target v1' is already defined in .*target\.flow/);
  t.true(noStack(all.stderr));
});

test("the grammar passes Chevrotain's validations (skipped outside tests for a faster start)", (t) => {
  const parser = fileURLToPath(new URL('../src/dsl/parser.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(parser)}); if (!m.GRAMMAR_CHECKS) process.exit(3);`], {
    encoding: 'utf8',
    env: { ...process.env, SVCFLOW_GRAMMAR_CHECKS: '1' },
  });
  t.is(r.status, 0, r.stderr);
});
