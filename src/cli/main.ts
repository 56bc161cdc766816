#!/usr/bin/env node
/**
 * The `svcflow` command line. Errors a user can act on are one line on stderr and exit 1;
 * never a stack trace (set SVCFLOW_DEBUG=1 to see one).
 */
import { Command } from 'commander';
import { checkCommand, compileCommand, graphCommand, CliError } from './front.js';

const program = new Command();
program
  .name('svcflow')
  .description('Service processes as checked DSL files, run as durable Temporal workflows.')
  .version('0.1.0')
  .showHelpAfterError();

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
  .option('--with <files...>', 'other .flow files whose processes this one calls')
  .action(run(compileCommand));

program
  .command('graph')
  .description('draw a process: steps, branches, waits with time limits, escalations, compensations')
  .argument('<file>', 'the .flow file')
  .option('-f, --format <format>', 'mermaid, dot or svg', 'mermaid')
  .option('-o, --out <file>', 'write the drawing here instead of stdout')
  .option('--with <files...>', 'other .flow files whose processes this one calls')
  .action(run(graphCommand));

program
  .command('dev')
  .description('start Temporal (Web UI on :8233), PostgreSQL and a worker on embedded defaults, until Ctrl-C')
  .option('--task-queue <name>', 'task queue of the worker')
  .action(run(async (opts: { taskQueue?: string }) => (await import('./dev.js')).dev(opts)));

program
  .command('setup')
  .description('install or build what the local stack needs (Temporal CLI, time-skipping test server, PostgreSQL) without starting it')
  .action(
    run(async () => {
      const [{ prepareStack }, { stderrLogger }] = await Promise.all([import('../infra/stack.js'), import('../infra/log.js')]);
      await prepareStack(stderrLogger);
    }),
  );

program.parseAsync(process.argv).catch((err: unknown) => {
  if (process.env.SVCFLOW_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`svcflow: ${err instanceof CliError ? message : message.split('\n')[0]}\n`);
  process.exitCode = 1;
});
