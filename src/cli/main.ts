#!/usr/bin/env node
/** The `svcflow` command line. */
import { Command } from 'commander';
import { dev } from './dev.js';
import { prepareStack } from '../infra/stack.js';
import { stderrLogger } from '../infra/log.js';

const program = new Command();
program.name('svcflow').description('Service processes as checked DSL files, run as durable Temporal workflows.').version('0.1.0');

program
  .command('dev')
  .description('start Temporal (Web UI on :8233), PostgreSQL and a worker on embedded defaults, until Ctrl-C')
  .option('--task-queue <name>', 'task queue of the worker')
  .action(async (opts: { taskQueue?: string }) => dev(opts));

program
  .command('setup')
  .description('install or build what the local stack needs (Temporal CLI, time-skipping test server, PostgreSQL) without starting it')
  .action(async () => prepareStack(stderrLogger));

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`svcflow: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
