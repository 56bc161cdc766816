#!/usr/bin/env node
/**
 * The `svcflow` command line. Errors a user can act on are one line on stderr and exit 1;
 * never a stack trace (set SVCFLOW_DEBUG=1 to see one).
 */
import { Command, Option } from 'commander';
import { checkCommand, compileCommand, graphCommand } from './front.js';
import { reportError } from './errors.js';
import { connectionOptions, databaseOptions, positiveInt, type ConnectionFlags, type DatabaseFlags } from './options.js';
import type { DeployOptions } from './deploy.js';
import type { PayloadOptions, StartOptions } from './instances.js';
import type { PsOptions } from './ps.js';
import type { ShowOptions } from './show.js';

const program = new Command();
program
  .name('svcflow')
  .description('Service processes as checked DSL files, run as durable Temporal workflows.')
  .version('0.1.0')
  // Program options only before the command: `svcflow start P --version 2` is the process's version.
  .enablePositionalOptions()
  // A usage error is one line `svcflow: error: …` and a hint, as every other error (errors.ts).
  .configureOutput({ outputError: (text, write) => write(`svcflow: ${text}`) })
  .showHelpAfterError('  hint: svcflow --help lists the commands');

const run =
  <A extends unknown[]>(action: (...args: A) => Promise<number | void>) =>
  async (...args: A) => {
    const code = await action(...args);
    if (typeof code === 'number') process.exitCode = code;
  };

program
  .command('check')
  .description('check .flow files (or directories of them); exit 1 on any error')
  .argument('<files...>', '.flow files or directories')
  .option('--json', 'print diagnostics as JSON on stdout, for tools')
  .action(run(checkCommand));

program
  .command('compile')
  .description('compile a .flow file to its IR (JSON)')
  .argument('<file>', 'the .flow file')
  .option('-o, --out <file>', 'write the IR here instead of stdout')
  .option('--with <files...>', 'the .flow files whose processes this one calls (default: the .flow files beside it)')
  .action(run(compileCommand));

program
  .command('graph')
  .description('draw a process: steps, branches, waits with time limits, escalations, compensations')
  .argument('<file>', 'the .flow file')
  .option('-f, --format <format>', 'mermaid, dot or svg', 'mermaid')
  .option('-o, --out <file>', 'write the drawing here instead of stdout')
  .option('--with <files...>', 'the .flow files whose processes this one calls (default: the .flow files beside it)')
  .action(run(graphCommand));

program
  .command('catalog')
  .description("list the systems the project declares (svcflow.config.json): operations, channels, templates")
  .argument('[system]', 'only this system')
  .option('--json', 'print the catalog as JSON (what an engine or a worker is given)')
  .action(run(async (system: string | undefined, opts: { json?: boolean }) => (await import('./catalog.js')).catalogCommand(system, opts)));

program
  .command('types')
  .description('write TypeScript types for implementing the declared systems: one type per system, each operation typed from its declaration')
  .option('--catalog <file>', "the catalog, as `svcflow catalog --json` prints it (default: the project's declared systems)")
  .option('-o, --out <file>', 'write the types here (a .ts file) instead of stdout')
  .action(run(async (opts: { catalog?: string; out?: string }) => (await import('./types.js')).typesCommand(opts)));

program
  .command('init')
  .description('scaffold a new project that depends on svcflow: a process, a systems file, a typed worker and one test')
  .argument('<dir>', 'a new or empty folder')
  .option('--name <name>', "the package's name, also the worker's task queue (default: the folder's name, in lower case)")
  .option('--svcflow <spec>', 'the dependency on svcflow in package.json (default: file: this svcflow checkout)')
  .action(run(async (dir: string, opts: { name?: string; svcflow?: string }) => (await import('./init.js')).initCommand(dir, opts)));

program
  .command('dev')
  .description('start Temporal (Web UI on :8233), PostgreSQL and a worker on embedded defaults, until Ctrl-C')
  .option('--task-queue <name>', 'task queue of the worker')
  .action(run(async (opts: { taskQueue?: string }) => (await import('./dev.js')).dev(opts)));

program
  .command('setup')
  .description('install or build what the local stack needs (Temporal CLI, time-skipping test server, Python with temporalio, PostgreSQL) without starting it')
  .action(
    run(async () => {
      const [{ prepareStack }, { stderrLogger }] = await Promise.all([import('../infra/stack.js'), import('../infra/log.js')]);
      await prepareStack(stderrLogger);
    }),
  );

// Operator commands: each module is loaded when its command runs, so `check` stays light.
connectionOptions(
  program
    .command('worker')
    .description('run a worker on the task queue (migrations first) until SIGINT/SIGTERM; run more for more capacity')
    .option('--http <port>', 'also serve the HTTP endpoints (inbound SMS, technicians\' reports) on this port', positiveInt)
    .option('--http-host <host>', 'the address the HTTP endpoints listen on (default 127.0.0.1; put a proxy or SVCFLOW_HTTP_TOKEN in front before opening it)')
    .addOption(new Option('--sms <where>', 'console: print messages on stderr; outbox: leave them queued for your gateway relay').choices(['outbox', 'console']).default('outbox'))
    .option('--metrics <ip:port>', 'serve Prometheus metrics at http://<ip:port>/metrics, e.g. 127.0.0.1:9464 (default: SVCFLOW_METRICS; off)')
    .option('--otlp <url>', 'send OpenTelemetry traces over OTLP/HTTP to this URL, e.g. http://127.0.0.1:4318/v1/traces (default: OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT; off)'),
).action(run(async (opts: ConnectionFlags & { http?: number; httpHost?: string; sms?: string; metrics?: string; otlp?: string }) => (await import('./worker.js')).workerCommand(opts)));

databaseOptions(program.command('migrate').description('apply pending database migrations and say which'))
  .action(run(async (opts: DatabaseFlags) => (await import('./migrate.js')).migrateCommand(opts)));

connectionOptions(
  program
    .command('deploy')
    .description('compile .flow files and store their processes in the registry; with any error, nothing is deployed')
    .argument('<files...>', '.flow files or directories')
    .option('--json', 'print the result (or the diagnostics) as JSON on stdout'),
).action(run(async (files: string[], opts: DeployOptions) => (await import('./deploy.js')).deployCommand(files, opts)));

connectionOptions(
  program
    .command('start')
    .description('start an instance of a deployed process; prints its workflow id')
    .argument('<process>', 'process name, as deployed')
    .option('--input <json|@file>', 'the process input: JSON, @file.json, or @- for stdin', '{}')
    .option('--id <id>', 'workflow id (default: <process>-<its business keys>, e.g. Installation-O-1-AC-2; <process>-<random> for a process without index)')
    .option('--version <n>', 'a deployed version (default: the newest)', positiveInt),
).action(run(async (name: string, opts: StartOptions) => (await import('./instances.js')).startCommand(name, opts)));

for (const kind of ['signal', 'update'] as const) {
  connectionOptions(
    program
      .command(kind)
      .description(kind === 'signal' ? 'send a signal the instance waits for' : 'send an update the instance waits for; prints its result as JSON')
      .argument('<id>', 'workflow id')
      .argument('<name>', `${kind} name, as the process's wait names it`)
      .option('--data <json|@file>', 'the payload: JSON, @file.json, or @- for stdin'),
  ).action(
    run(async (id: string, name: string, opts: PayloadOptions) => {
      const m = await import('./instances.js');
      return kind === 'signal' ? m.signalCommand(id, name, opts) : m.updateCommand(id, name, opts);
    }),
  );
}

connectionOptions(
  program
    .command('ps')
    .description('list process instances: id, process, version, status, business keys, current step or outcome, next deadline, started')
    .option('--process <name>', 'only instances of this process')
    .addOption(new Option('--status <status>', 'only instances in this status').choices(['running', 'completed', 'failed', 'canceled', 'terminated', 'timed-out', 'continued-as-new']))
    .option('--limit <n>', 'at most this many', positiveInt, 50)
    .option('--utc', 'times in UTC (default: local time, with its zone)')
    .option('--json', 'print the instances as JSON'),
).action(run(async (opts: PsOptions) => (await import('./ps.js')).psCommand(opts)));

connectionOptions(
  program
    .command('show')
    .description('one instance: current step, what it waits for and until when, variables (PII masked), compensations run, outcome')
    .argument('<id>', 'workflow id')
    .option('--utc', 'times in UTC (default: local time, with its zone)')
    .option('--json', 'print it as JSON, for tools'),
).action(run(async (id: string, opts: ShowOptions) => (await import('./show.js')).showCommand(id, opts)));

connectionOptions(
  program.command('cancel').description('cancel a running instance: its compensations run, then it ends').argument('<id>', 'workflow id'),
).action(run(async (id: string, opts: ConnectionFlags) => (await import('./instances.js')).cancelCommand(id, opts)));

for (const command of program.commands) command.showHelpAfterError(`  hint: svcflow ${command.name()} --help shows its usage`);

program.parseAsync(process.argv).catch((err: unknown) => {
  reportError(err);
  process.exitCode = 1;
});
