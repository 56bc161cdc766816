import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { once } from 'node:events';

/** A child process that svcflow started and must stop. */
export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** On any exit of this process, kill what it started: no orphaned servers. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * Starts a long-running server process. Its output is kept (last 64 KiB) so that a failed
 * start can say why; `stop()` sends SIGTERM and waits, then SIGKILL after `graceMs`.
 */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions & { graceMs?: number } = {},
): Managed & { output(): string } {
  installExitHook();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-65536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      output += `\n${String(err)}`;
      live.delete(child);
      resolve();
    });
  });
  return {
    name,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || !live.has(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), options.graceMs ?? 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function run(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { onOutput?: (line: string) => void } = {},
): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-262144);
    if (options.onOutput) for (const line of text.split('\n')) if (line.trim()) options.onOutput(line);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const [code] = (await Promise.race([
    once(child, 'exit'),
    once(child, 'error').then(([err]) => {
      throw new Error(`${command}: ${String(err)}`);
    }),
  ])) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`);
  return output;
}

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not allocate a port');
  return address.port;
}

/** True when something accepts TCP connections on host:port. */
export async function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

/** Waits until the port accepts connections, the process dies, or the time is up. */
export async function waitForPort(
  port: number,
  proc: Managed & { output(): string },
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${proc.name} exited before it listened on port ${port}:\n${proc.output().slice(-4000)}`);
    }
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  await proc.stop();
  throw new Error(`${proc.name} did not listen on port ${port} within ${timeoutMs} ms:\n${proc.output().slice(-4000)}`);
}
