/**
 * What `svcflow init` writes: a project that depends on svcflow, with one system declared, one
 * process calling it, a typed implementation served by createRuntime, and one test. The types
 * file (src/systems.ts) is not here: init renders it from the systems file it writes.
 */

export interface ScaffoldParams {
  /** The package's name (checked by init.ts: an npm name). */
  name: string;
  /** The dependency on svcflow, as package.json takes it (`file:/path/to/svcflow`, `^0.1.0`). */
  svcflow: string;
}

export const SYSTEMS_FILE = 'systems/customers.flow';
export const TYPES_FILE = 'src/systems.ts';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

const SYSTEMS = `# The systems your processes call: declared here, implemented in src/customers.ts.
system customers
  "The customer records and the replies sent to customers."

  operation findCustomer
    "Find the customer who wrote from this address."
    input { email: string @pii }
    output { customerId: string, name: string @pii }
    timeout 5s
    errors {
      "customers/not-found": "no customer has this address"
    }

  operation sendReply
    "Send a customer the answer to their question."
    input { customerId: string, text: string }
    output { sentAt: time }
`;

const PROCESS = `# A customer's question: find who asked, send them the answer.
process AnswerQuestion version 1
  "Find the customer who asked, and send them the answer."
  input { questionId: string, email: string @pii, answer: string }
  output { customerId: string }
  index questionId

  find: call customers.findCustomer(email: input.email) as customer
  reply: call customers.sendReply(customerId: customer.customerId, text: input.answer)
  end "answered" with { customerId: customer.customerId }
`;

const CUSTOMERS = `/**
 * The implementation of the customers system (systems/customers.flow), typed by src/systems.ts:
 * after changing the declaration, run \`npm run types\`; tsc then holds this file to it.
 * Kept in memory here; a real one records each effect under meta.idempotencyKey, so that a
 * retried call changes nothing.
 */
import type { CustomersSystem } from './systems.js';

export interface Reply {
  customerId: string;
  text: string;
}

export function createCustomers(): { customers: CustomersSystem; replies: Map<string, Reply> } {
  /** The replies sent, by idempotency key: a retry sends nothing twice. */
  const replies = new Map<string, Reply>();
  const customers: CustomersSystem = {
    findCustomer: async ({ email }) => ({ customerId: \`C-\${email.length}\`, name: email.split('@')[0] ?? email }),
    sendReply: async ({ customerId, text }, meta) => {
      if (!replies.has(meta.idempotencyKey)) replies.set(meta.idempotencyKey, { customerId, text });
      return { sentAt: new Date().toISOString() };
    },
  };
  return { customers, replies };
}
`;

const worker = (p: ScaffoldParams) => `/**
 * The worker: svcflow's engine and a worker serving the customers system, with the project's
 * processes deployed. \`npm start\` runs it against the servers of \`svcflow dev\` (or
 * TEMPORAL_ADDRESS and DATABASE_URL).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileCatalog, createRuntime, formatDiagnostic, loadProject, temporalConfigFromEnv, type Runtime, type TemporalConfig } from 'svcflow';
import { createCustomers } from './customers.js';
import type { CustomersSystem } from './systems.js';

/** The project's folder (this file runs from dist/src). */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Its own task queue, not svcflow's default: a \`svcflow dev\` worker beside it does not serve these systems. */
export const TASK_QUEUE = process.env.SVCFLOW_TASK_QUEUE || ${JSON.stringify(p.name)};

export interface WorkerOptions {
  temporal: TemporalConfig;
  databaseUrl: string;
  taskQueue?: string;
  customers: CustomersSystem;
}

export async function startWorker(opts: WorkerOptions): Promise<Runtime> {
  const project = await loadProject(root);
  const { catalog, diagnostics } = compileCatalog(project.systems);
  if (diagnostics.length) throw new Error(diagnostics.map((d) => formatDiagnostic(d, undefined)).join('\\n'));
  const runtime = await createRuntime({
    temporal: opts.temporal,
    databaseUrl: opts.databaseUrl,
    catalog,
    systems: { customers: opts.customers },
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    log: (m) => console.error(\`[svcflow] \${m}\`),
  });
  try {
    await runtime.engine.deploy(project.processes);
    await runtime.start();
  } catch (err) {
    await runtime.stop();
    throw err;
  }
  return runtime;
}

/** The servers of \`svcflow dev\` unless the environment names others. */
export function serversFromEnv(env: NodeJS.ProcessEnv = process.env): { temporal: TemporalConfig; databaseUrl: string } {
  return {
    temporal: temporalConfigFromEnv(env.TEMPORAL_ADDRESS || 'localhost:7233', env),
    databaseUrl: env.DATABASE_URL || 'postgres://svcflow@127.0.0.1:55432/svcflow',
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runtime = await startWorker({ ...serversFromEnv(), customers: createCustomers().customers });
  console.error(\`worker running on the task queue \${runtime.taskQueue}; Ctrl-C stops it\`);
  await runtime.finished;
}
`;

const TEST = `/**
 * The process runs on a real Temporal and PostgreSQL: those of \`svcflow dev\` (start it in
 * another terminal), or those TEMPORAL_ADDRESS and DATABASE_URL name.
 */
import test from 'ava';
import { createCustomers } from '../src/customers.js';
import { serversFromEnv, startWorker } from '../src/worker.js';

test('a question is answered: the customer is found and the reply sent once', async (t) => {
  const { customers, replies } = createCustomers();
  const run = \`\${process.pid}-\${Date.now().toString(36)}\`;
  const runtime = await startWorker({ ...serversFromEnv(), taskQueue: \`answer-question-\${run}\`, customers });
  try {
    const id = \`question-\${run}\`;
    await runtime.engine.start('AnswerQuestion', { questionId: id, email: 'ann@example.com', answer: 'Your parcel left today.' }, { id });
    const result = await runtime.engine.result(id);
    t.deepEqual(result, { outcome: 'answered', output: { customerId: 'C-15' } });
    t.deepEqual([...replies.values()], [{ customerId: 'C-15', text: 'Your parcel left today.' }]);
  } finally {
    await runtime.stop();
  }
});
`;

function readme(p: ScaffoldParams): string {
  return `# ${p.name}

A service process project on svcflow: processes in \`processes/\`, the
systems they call declared in \`systems/\`, their TypeScript implementations in \`src/\`.

    npm install
    npx svcflow dev        # another terminal: Temporal and PostgreSQL on their defaults
    npm test               # builds, then runs test/worker.test.ts against them
    npm start              # the worker, until Ctrl-C

To add an activity: declare the operation in \`systems/customers.flow\`, run \`npm run types\`,
implement it in \`src/customers.ts\` (tsc checks it against the declaration), call it from a process.
`;
}

/** The files of a new project, by path relative to its folder. */
export function scaffoldFiles(p: ScaffoldParams): Array<[string, string]> {
  return [
    [
      'package.json',
      json({
        name: p.name,
        version: '0.1.0',
        private: true,
        type: 'module',
        scripts: {
          build: 'tsc -p tsconfig.json',
          pretest: 'npm run -s build',
          test: 'ava',
          start: 'npm run -s build && node dist/src/worker.js',
          check: 'svcflow check processes',
          types: 'svcflow types --out src/systems.ts',
        },
        dependencies: { svcflow: p.svcflow },
        devDependencies: { '@types/node': '^20.19.0', ava: '^6.4.1', typescript: '~5.9.3' },
        ava: { files: ['dist/test/**/*.test.js'], timeout: '2m', workerThreads: false },
      }),
    ],
    [
      'tsconfig.json',
      json({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022'],
          types: ['node'],
          outDir: 'dist',
          rootDir: '.',
          strict: true,
          skipLibCheck: true,
          sourceMap: true,
        },
        include: ['src/**/*.ts', 'test/**/*.ts'],
      }),
    ],
    ['svcflow.config.json', json({ processes: 'processes', systems: ['systems'] })],
    ['.gitignore', 'node_modules/\ndist/\n'],
    ['README.md', readme(p)],
    [SYSTEMS_FILE, SYSTEMS],
    ['processes/answer-question.flow', PROCESS],
    ['src/customers.ts', CUSTOMERS],
    ['src/worker.ts', worker(p)],
    ['test/worker.test.ts', TEST],
  ];
}
