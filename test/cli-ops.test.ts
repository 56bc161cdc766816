/**
 * The operator commands as an operator runs them — `svcflow worker | deploy | start | signal |
 * update | ps | show | cancel` as child processes — against the real Temporal dev server and the
 * real PostgreSQL of `npm test`: exit codes, what stdout and stderr say, one-line errors with
 * no stack trace, and a worker that stops cleanly on SIGTERM.
 */
import anyTest, { type TestFn } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_PG_PORT } from '../src/infra/stack.js';
import { DEV_DATABASE_URL } from '../src/cli/options.js';
import { eventually, uniqueQueue } from './helpers/servers.js';
import { telecomDatabase } from './helpers/telecom.js';

const test = anyTest as TestFn<{ worker: ChildProcess; exited: Promise<number | null>; workerErr: () => string }>;
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'svcflow-ops-'));
const queue = uniqueQueue('cli-ops');
const env = { ...process.env, SVCFLOW_TASK_QUEUE: queue };
/** Process names of this run: the registry outlives a test run when DATABASE_URL is reused. */
const tag = Date.now().toString(36);
const Ticket = `CliOpsTicket${tag}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function svcflow(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const noStack = (s: string) => !/\n\s+at .+:\d+:\d+\)?$/m.test(s);

/** Retries `probe` (the CLI reads Temporal's visibility, which lags a little) until it returns a value. */
const ticketFlow = file(
  'ticket.flow',
  `process ${Ticket} version 1
  "A ticket that waits for an operator's decision, then for a note."
  input { ticketId: string, msisdn: phone @pii }
  index ticketId
  wait decision = update decide(answer: string) within 24h on timeout { end "expired" }
  wait note = signal note within 2h on timeout { end "no-note" }
  end "decided"
`,
);
const ticketInput = (ticketId: string) => JSON.stringify({ ticketId, msisdn: '13800138000' });

test.before(async (t) => {
  // The processes here send messages from the telecom module's demo templates.
  await telecomDatabase();
  const worker = spawn(process.execPath, [cli, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  worker.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  t.context.worker = worker;
  t.context.workerErr = () => err;
  t.context.exited = new Promise((resolve) => worker.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`svcflow worker did not start: ${err}`)), 90_000);
    worker.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('Stop with Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    });
    worker.on('exit', (code) => reject(new Error(`svcflow worker exited with ${code}: ${err}`)));
  });
  t.true(out.includes(`task queue   ${queue}`));
});

test.after.always((t) => {
  if (t.context.worker?.exitCode === null) t.context.worker.kill('SIGKILL');
});

test.serial('deploy of a file with errors prints the diagnostics as check does, exits 1 and deploys nothing', async (t) => {
  const good = file('good.flow', `process CliOpsGood${tag} version 1\n  input { orderId: string }\n  end "done"\n`);
  const bad = file('bad.flow', `process CliOpsBad${tag} version 1\n  call billing.chrage(accountId: "a")\n`);
  const check = await svcflow(['check', bad]);
  const deploy = await svcflow(['deploy', good, bad]);
  t.is(deploy.code, 1);
  t.is(deploy.stdout, '');
  const diagnostics = check.stderr.split('\n').filter((l) => !/^\d+ errors? in /.test(l)).join('\n');
  t.true(deploy.stderr.startsWith(diagnostics), deploy.stderr);
  t.regex(deploy.stderr, new RegExp(`^${bad.replaceAll('\\', '\\\\')}:2:8: error check/unknown-activity: `, 'm'));
  t.regex(deploy.stderr, /^nothing deployed$/m);
  t.true(noStack(deploy.stderr));
  const start = await svcflow(['start', `CliOpsGood${tag}`, '--input', '{"orderId":"O-1"}']);
  t.is(start.code, 1);
  t.regex(start.stderr, new RegExp(`^svcflow: error: there is no deployed process 'CliOpsGood${tag}'`));
});

test.serial('deploy prints name, version, short hash and whether it was new; a call of a deployed process resolves through the registry', async (t) => {
  const first = await svcflow(['deploy', ticketFlow]);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /^PROCESS\s+VERSION\s+HASH\s+DEPLOYED$/m);
  t.regex(first.stdout, new RegExp(`^${Ticket}\\s+v1\\s+[0-9a-f]{12}\\s+new$`, 'm'));
  const again = await svcflow(['deploy', ticketFlow]);
  t.regex(again.stdout, new RegExp(`^${Ticket}\\s+v1\\s+[0-9a-f]{12}\\s+unchanged \\(already deployed\\)$`, 'm'));

  const caller = (callee: string) =>
    file(`caller-${callee}.flow`, `process CliOpsCaller${callee} version 1\n  input { ticketId: string, msisdn: phone }\n  call process ${callee}(ticketId: input.ticketId, msisdn: input.msisdn)\n  end "done"\n`);
  const resolved = await svcflow(['deploy', caller(Ticket)]);
  t.is(resolved.code, 0, resolved.stderr);
  const missing = await svcflow(['deploy', caller(`Nowhere${tag}`)]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /error check\/unknown-process: there is no process 'Nowhere/);
  t.regex(missing.stderr, /^nothing deployed$/m);
});

test.serial('start, show, ps, update, signal: a round trip on the real servers', async (t) => {
  const start = await svcflow(['start', Ticket, '--input', ticketInput('T-1')]);
  t.is(start.code, 0, start.stderr);
  t.is(start.stdout, `${Ticket}-T-1\n`, 'stdout is the workflow id alone: by default, the process and its business keys');
  const again = await svcflow(['start', Ticket, '--input', ticketInput('T-1')]);
  t.is(again.code, 1);
  t.regex(again.stderr, new RegExp(`^svcflow: error: instance ${Ticket}-T-1 already exists \\(running\\)`), 'a second start for the same ticket is refused');
  const id = start.stdout.trim();

  const shown = await eventually(async () => {
    const r = await svcflow(['show', id]);
    return r.stdout.includes('waiting for') ? r : undefined;
  }, 'the instance to wait');
  t.is(shown.code, 0, shown.stderr);
  t.regex(shown.stdout, new RegExp(`^${id}$`, 'm'));
  t.regex(shown.stdout, new RegExp(`process\\s+${Ticket} v1 \\(definition [0-9a-f]{12}\\)`));
  t.regex(shown.stdout, /status\s+running/);
  t.regex(shown.stdout, /current step\s+decision/);
  t.regex(shown.stdout, /waiting for\s+update 'decide'/);
  t.regex(shown.stdout, /deadline\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(in 23h 5\d+m\)/);
  t.regex(shown.stdout, /input\s+\{"ticketId":"T-1","msisdn":"\*\*\*"\}/);
  t.false(shown.stdout.includes('13800138000'), 'PII is masked');

  const json = JSON.parse((await svcflow(['show', id, '--json'])).stdout) as { status: string; version: number; state: { currentStep: string; waiting: { type: string; name: string; deadline: string }; variables: { input: Record<string, string> } } };
  t.is(json.status, 'running');
  t.is(json.version, 1);
  t.is(json.state.currentStep, 'decision');
  t.deepEqual([json.state.waiting.type, json.state.waiting.name], ['update', 'decide']);
  t.is(json.state.variables.input.msisdn, '***');

  const ps = await eventually(async () => {
    const r = await svcflow(['ps', '--process', Ticket, '--status', 'running']);
    return r.stdout.includes(id) ? r : undefined;
  }, 'ps to list the instance');
  t.regex(ps.stdout, /^ID\s+PROCESS\s+VERSION\s+STATUS\s+KEYS\s+STEP \/ OUTCOME\s+NEXT DEADLINE\s+STARTED$/m);
  const time = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d';
  t.regex(ps.stdout, new RegExp(`^${id}\\s+${Ticket}\\s+v1\\s+running\\s+ticketId=T-1\\s+decision\\s+${time} \\(in 23h 5\\d+m\\)\\s+${time}$`, 'm'));

  const update = await svcflow(['update', id, 'decide', '--data', '{"answer": "yes"}']);
  t.is(update.code, 0, update.stderr);
  t.deepEqual(JSON.parse(update.stdout), { accepted: true, step: 'decision' });
  const payload = file('note.json', 'null');
  const signal = await svcflow(['signal', id, 'note', '--data', `@${payload}`]);
  t.is(signal.code, 0, signal.stderr);

  const done = await eventually(async () => {
    const r = await svcflow(['show', id]);
    return /status\s+completed/.test(r.stdout) ? r : undefined;
  }, 'the instance to complete');
  t.regex(done.stdout, /outcome\s+decided/);
  const completed = await eventually(async () => {
    const r = await svcflow(['ps', '--process', Ticket, '--status', 'completed', '--json']);
    const rows = JSON.parse(r.stdout) as Array<{ id: string; status: string; version: number; outcome?: string; businessKeys: string[] }>;
    return rows.some((row) => row.id === id) ? rows : undefined;
  }, 'ps to list the completed instance');
  t.like(completed.find((r) => r.id === id), { status: 'completed', version: 1, outcome: 'decided', businessKeys: ['ticketId=T-1'] });

  const late = await svcflow(['signal', id, 'note']);
  t.is(late.code, 1);
  t.regex(late.stderr, new RegExp(`^svcflow: error: instance ${id} is completed, not running`));
});

const undoFlow = file(
  'undo.flow',
  `process CliOpsUndo${tag} version 1
  "Tells the customer, then fails on a refusal: the message is compensated."
  input { ticketId: string, msisdn: phone @pii }
  index ticketId
  notify: call notification.sendSms(to: input.msisdn, template: "sp.confirm.done", vars: { product: "ticket" })
    compensate with notification.sendSms(to: input.msisdn, template: "sp.confirm.done", vars: { product: "undone" })
  wait decision = update decide(answer: string) within 24h on timeout { end "expired" }
  if decision.answer == "no" { fail "ticket/refused", "the customer refused" }
  wait note = signal note within 2h on timeout { end "no-note" }
  end "decided"
`,
);

test.serial('signal warns when the instance does not wait for it; show lists the compensations that ran; ps the outcome and keys', async (t) => {
  t.is((await svcflow(['deploy', undoFlow])).code, 0);
  const Undo = `CliOpsUndo${tag}`;
  const id = `undo-${tag}`;
  t.is((await svcflow(['start', Undo, '--id', id, '--input', ticketInput('T-3')])).code, 0);
  await eventually(async () => (/waiting for\s+update 'decide'/.test((await svcflow(['show', id])).stdout) ? true : undefined), 'the wait');
  const early = await svcflow(['signal', id, 'note']);
  t.is(early.code, 0, early.stderr);
  t.regex(early.stderr, new RegExp(`^warning: ${id} is not waiting for 'note' now \\(current step: decision\\); the signal is kept until a wait for 'note' takes it`, 'm'));
  t.is((await svcflow(['update', id, 'decide', '--data', '{"answer": "no"}'])).code, 0);

  const failed = await eventually(async () => {
    const r = await svcflow(['show', id], { TZ: 'Asia/Shanghai' });
    return /status\s+failed/.test(r.stdout) ? r : undefined;
  }, 'the instance to fail');
  t.regex(failed.stdout, /failure\s+the customer refused \[ticket\/refused\]/);
  t.regex(failed.stdout, /compensated\s+notify by notification\.sendSms: completed \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00\)/);
  t.regex(failed.stdout, /started\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00$/m, 'local time, with its zone');
  t.regex((await svcflow(['show', id, '--utc'], { TZ: 'Asia/Shanghai' })).stdout, /started\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m);
  const json = JSON.parse((await svcflow(['show', id, '--json'])).stdout) as { compensated: Array<{ step: string; activity: string; status: string }> };
  t.deepEqual(json.compensated.map((c) => [c.step, c.activity, c.status]), [['notify', 'notification.sendSms', 'completed']]);

  const ps = await eventually(async () => {
    const r = await svcflow(['ps', '--process', Undo, '--utc']);
    return r.stdout.includes(id) ? r : undefined;
  }, 'ps to list it');
  t.regex(ps.stdout, new RegExp(`^${id}\\s+${Undo}\\s+v1\\s+failed\\s+ticketId=T-3\\s+ticket/refused\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC$`, 'm'));
});

test('a usage error is one line and a hint, not the whole usage', async (t) => {
  for (const [args, error, hint] of [
    [['ps', '--status', 'bogus'], "option '--status <status>' argument 'bogus' is invalid. Allowed choices are running, completed, failed, canceled, terminated, timed-out, continued-as-new.", 'svcflow ps --help shows its usage'],
    [['show'], "missing required argument 'id'", 'svcflow show --help shows its usage'],
    [['bogus'], "unknown command 'bogus'", 'svcflow --help lists the commands'],
  ] as const) {
    const r = await svcflow([...args]);
    t.is(r.code, 1);
    t.is(r.stderr, `svcflow: error: ${error}\n  hint: ${hint}\n`, args.join(' '));
  }
});

test.serial('start with invalid input prints one clear error line, exits 1 and starts nothing', async (t) => {
  const id = `${Ticket}-invalid`;
  const r = await svcflow(['start', Ticket, '--id', id, '--input', '{"ticketId": 7, "msisdn": "call me"}']);
  t.is(r.code, 1);
  t.is(r.stdout, '');
  t.regex(r.stderr, new RegExp(`^svcflow: error: invalid input for ${Ticket}: ticketId must be .*; msisdn must be a phone number.*\n$`));
  const version = await svcflow(['start', Ticket, '--version', '2', '--input', ticketInput('T-1')]);
  t.regex(version.stderr, new RegExp(`^svcflow: error: there is no deployed process '${Ticket} version 2'`));
  const show = await svcflow(['show', id]);
  t.is(show.code, 1);
  t.regex(show.stderr, new RegExp(`^svcflow: error: there is no process instance '${id}'\n  hint: `));
});

test.serial('cancel ends a running instance as canceled', async (t) => {
  const id = (await svcflow(['start', Ticket, '--version', '1', '--input', ticketInput('T-2')])).stdout.trim();
  await eventually(async () => ((await svcflow(['show', id])).stdout.includes('waiting for') ? true : undefined), 'the wait');
  const cancel = await svcflow(['cancel', id]);
  t.is(cancel.code, 0, cancel.stderr);
  const shown = await eventually(async () => {
    const r = await svcflow(['show', id]);
    return /status\s+canceled/.test(r.stdout) ? r : undefined;
  }, 'the instance to be canceled');
  t.regex(shown.stdout, /ended\s+\d{4}-/);
});

test.serial('the worker stops cleanly on SIGTERM', async (t) => {
  t.context.worker.kill('SIGTERM');
  t.is(await t.context.exited, 0, t.context.workerErr());
  t.regex(t.context.workerErr(), /SIGTERM: no new tasks/);
  t.regex(t.context.workerErr(), /\[svcflow worker\] stopped/);
});

test('bad JSON in --data or --input is one clear error line with a hint, before any connection', async (t) => {
  // An address nobody answers at: the JSON must be refused before it matters.
  const nowhere = { TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
  for (const command of ['signal', 'update']) {
    const r = await svcflow([command, 'some-id', 'decide', '--data', '{answer: yes}'], nowhere);
    t.is(r.code, 1, command);
    t.regex(r.stderr, /^svcflow: error: --data is not valid JSON: .+\n {2}hint: quote it for the shell, as in --data '\{"orderId": "O-1"\}', or put it in a file and pass --data @file\.json\n$/);
  }
  const input = await svcflow(['start', Ticket, '--input', '{"ticketId": "T-1",}'], nowhere);
  t.is(input.code, 1);
  t.regex(input.stderr, /^svcflow: error: --input is not valid JSON: /);
  const missing = await svcflow(['start', Ticket, '--input', `@${join(dir, 'nope.json')}`], nowhere);
  t.is(missing.code, 1);
  t.is(missing.stderr, `svcflow: error: --input @${join(dir, 'nope.json')}: cannot read ${join(dir, 'nope.json')}: no such file or directory\n`);
  const badFile = await svcflow(['signal', 'some-id', 'note', '--data', `@${file('bad.json', '{"a": ')}`], nowhere);
  t.regex(badFile.stderr, /^svcflow: error: --data @.*bad\.json is not valid JSON: /);
});

test('servers that do not answer are one line with a hint, never a stack trace', async (t) => {
  const pgDown = await svcflow(['ps'], { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' });
  t.is(pgDown.code, 1);
  t.regex(pgDown.stderr, /^svcflow: error: cannot use PostgreSQL at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none: connect ECONNREFUSED .*\n {2}hint: .*svcflow dev.*\n$/);
  const notUrl = await svcflow(['migrate', '--database-url', 'localhost:5432']);
  t.regex(notUrl.stderr, /^svcflow: error: the database URL is not a postgres:\/\/ URL\n/);
  const temporalDown = await svcflow(['ps', '--address', '127.0.0.1:1']);
  t.is(temporalDown.code, 1);
  t.regex(temporalDown.stderr, /^svcflow: error: cannot reach Temporal at 127\.0\.0\.1:1: .*\n {2}hint: .*TEMPORAL_ADDRESS.*\n$/);
  t.true(noStack(pgDown.stderr + temporalDown.stderr));
});

test('migrate says what it applied, and nothing the second time', async (t) => {
  const r = await svcflow(['migrate']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /: (up to date, nothing to apply|applied \d+ migrations?)\n/);
  const again = await svcflow(['migrate']);
  t.regex(again.stdout, /: up to date, nothing to apply\n$/);
});

test('the default database URL is the one `svcflow dev` creates', (t) => {
  t.is(new URL(DEV_DATABASE_URL).port, String(DEV_PG_PORT));
  t.is(new URL(DEV_DATABASE_URL).pathname, '/svcflow');
});
