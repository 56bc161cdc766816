/**
 * `npm test`: starts the stack (Temporal dev server in memory, a fresh PostgreSQL database,
 * the time-skipping test server and the Python worker's environment installed), hands it to
 * ava through the environment, and stops everything afterwards, whatever the outcome.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { startStack } from '../src/infra/stack.js';
import { stderrLogger } from '../src/infra/log.js';
import { migrate, migrateModule } from '../src/engine/migrate.js';
import { telecom } from '../modules/telecom/index.js';

const started = performance.now();
const stack = await startStack({ mode: 'test', log: stderrLogger });
let code = 1;
const stopOnSignal = () => {
  void stack.stop().then(() => process.exit(130));
};
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);
try {
  // The schema, as npm start has it (the engine's and the telecom module's tables, not its demo
  // data: the tests that need it ask for it); test files that migrate again find nothing to do
  // (and no two of them race to create the same tables on a fresh database).
  await migrate(stack.databaseUrl, () => {});
  await migrateModule(stack.databaseUrl, telecom);
  stderrLogger(`stack ready in ${((performance.now() - started) / 1000).toFixed(1)} s; running ava`);
  const ava = join(dirname(dirname(createRequire(import.meta.url).resolve('ava'))), 'entrypoints', 'cli.mjs');
  // Under CI, ava reports in TAP and this script closes with the plain 'N passed, N failed'
  // line that CI reads; a developer's terminal gets ava's own reporter.
  const tap = process.env.CI === 'true' || process.env.CI === '1';
  const child = spawn(process.execPath, [ava, ...(tap ? ['--tap'] : []), ...process.argv.slice(2)], {
    stdio: tap ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_NAMESPACE: stack.temporal.namespace,
      DATABASE_URL: stack.databaseUrl,
      ...(stack.testServer ? { SVCFLOW_TEST_SERVER: stack.testServer } : {}),
      ...(stack.chromium ? { SVCFLOW_CHROMIUM: stack.chromium } : {}),
      ...(stack.python ? { SVCFLOW_PYTHON: stack.python } : {}),
      SVCFLOW_STACK_STARTED: stack.started.join('; '),
      // Tests that encrypt give their own keys; none finds the keys of a developer's npm start.
      SVCFLOW_CODEC: 'off',
      // Chevrotain's grammar and token validations, skipped in production for a faster start.
      SVCFLOW_GRAMMAR_CHECKS: '1',
    },
  });
  const counts = { passed: 0, failed: 0 };
  if (tap) {
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (/^ok \d+/.test(line)) counts.passed++;
        else if (/^not ok \d+/.test(line)) counts.failed++;
      }
    });
  }
  [code] = (await once(child, 'exit')) as [number];
  if (tap) process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed\n`);
} finally {
  await stack.stop();
}
stderrLogger(`npm test finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exit(code ?? 1);
