/**
 * The reproduced defect: `svcflow worker` against a Temporal server that has never seen
 * svcflow (no search attributes: an operator's own cluster), then `svcflow deploy` and
 * `svcflow start` — the start must succeed, and the worker must run the instance to its end.
 * A bare dev server started here; the database of `npm test`.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseTemporal } from '../src/infra/temporal.js';
import { freePort, startProcess, waitForPort } from '../src/infra/processes.js';
import { uniqueQueue } from './helpers/servers.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function svcflow(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('svcflow worker on a fresh Temporal server, then svcflow start: the instance starts and ends', async (t) => {
  const source = chooseTemporal({ ...process.env, TEMPORAL_ADDRESS: '' });
  if (source.kind !== 'binary') throw new Error('npm test installs the temporal CLI; it is not on this machine');
  const port = await freePort();
  // No --search-attribute flags: a server as an operator's cluster would be, before svcflow.
  const server = startProcess('fresh temporal dev server', source.path, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error']);
  const env = { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_NAMESPACE: 'default', SVCFLOW_TASK_QUEUE: uniqueQueue('fresh') };
  try {
    await waitForPort(port, server, 60_000);
    const worker = spawn(process.execPath, [cli, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    worker.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
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
      const name = `Fresh${Date.now().toString(36)}`;
      const dir = mkdtempSync(join(tmpdir(), 'svcflow-fresh-'));
      const flow = join(dir, 'fresh.flow');
      writeFileSync(flow, `process ${name} version 1\n  input { ref: string }\n  index ref\n  end "done"\n`);
      const deployed = await svcflow(['deploy', flow], env);
      t.is(deployed.code, 0, deployed.stderr);
      const started = await svcflow(['start', name, '--id', `fresh-${name}`, '--input', '{"ref":"R-1"}'], env);
      t.is(started.code, 0, started.stderr);
      t.notRegex(started.stderr, /Failed to start Workflow/);
      // The worker runs it to its end (the show command reads its outcome from Temporal).
      let shown: Run | undefined;
      for (let i = 0; i < 50 && !/"outcome":\s*"done"/.test(shown?.stdout ?? ''); i++) {
        if (i) await new Promise((r) => setTimeout(r, 200));
        shown = await svcflow(['show', `fresh-${name}`, '--json'], env);
      }
      t.regex(shown!.stdout, /"outcome":\s*"done"/, shown!.stderr);
    } finally {
      worker.kill('SIGTERM');
      t.is(await exited, 0, err);
    }
  } finally {
    await server.stop();
  }
});
