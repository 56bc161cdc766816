/**
 * One cold start, run in a fresh node process by bench/compile.ts:
 *   node dist/bench/cold-start.js dsl|yaml FILE
 * Imports the compiler (DSL: lexer, Chevrotain parser construction, checker, the catalog read
 * from modules/telecom/systems and compiled, IR schema; YAML: js-yaml and the zod schema), compiles FILE once, and prints the timings as JSON.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [form, file] = process.argv.slice(2);
if ((form !== 'dsl' && form !== 'yaml') || !file) {
  process.stderr.write('usage: cold-start.js dsl|yaml FILE\n');
  process.exit(2);
}
const text = readFileSync(file, 'utf8');

const t0 = performance.now();
let compile: (text: string) => number;
/** DSL only: building the Chevrotain lexer, and the parser (its grammar recording and lookahead tables). */
let lexerMs: number | undefined;
let parserMs: number | undefined;
/** DSL only: finding the project's catalog (svcflow.config.json, the system files, the cache). */
let catalogMs: number | undefined;
if (form === 'dsl') {
  await import('../src/dsl/recovery.js'); // Chevrotain, the tokens and the messages, which the parser needs first
  const t = performance.now();
  await import('../src/dsl/lexer.js');
  lexerMs = performance.now() - t;
  const u = performance.now();
  await import('../src/dsl/parser.js');
  parserMs = performance.now() - u;
  const { compileSource } = await import('../src/dsl/compile.js');
  // The catalog, as a fresh `svcflow check` finds it: the project's systems (modules/telecom/systems),
  // through svcflow.config.json; compiled once, then read back from svcflow's cache
  // (SVCFLOW_BENCH_NO_CACHE=1: compiled every time).
  const c = performance.now();
  const { loadProjectCatalog } = await import('../src/engine/project.js');
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const { catalog, diagnostics } = await loadProjectCatalog(root, { cache: process.env.SVCFLOW_BENCH_NO_CACHE !== '1' });
  if (diagnostics.length) throw new Error(`the telecom systems do not compile: ${JSON.stringify(diagnostics[0])}`);
  catalogMs = performance.now() - c;
  // The benchmark file's own templates join the notification system's.
  const { WORKLOAD_TEMPLATES } = await import('./workload-templates.js');
  const notification = catalog.systems.find((s) => s.name === 'notification')!;
  notification.templates = [...(notification.templates ?? []), ...WORKLOAD_TEMPLATES];
  compile = (t) => {
    const r = compileSource(t, file, { catalog });
    if (r.diagnostics.length || r.processes.length !== 1) throw new Error(`DSL did not compile: ${JSON.stringify(r.diagnostics[0])}`);
    return r.processes[0]!.steps.length;
  };
} else {
  const { loadYamlWorkflow } = await import('./yaml-workflow.js');
  compile = (t) => loadYamlWorkflow(t).steps.length;
}
const t1 = performance.now();
const steps = compile(text);
const t2 = performance.now();

process.stdout.write(
  JSON.stringify({
    form,
    steps,
    importMs: t1 - t0,
    firstCompileMs: t2 - t1,
    totalMs: t2 - t0,
    lexerMs,
    parserMs,
    catalogMs,
    // performance.now() counts from the start of the process: node's own boot is included.
    sinceProcessStartMs: t2,
  }),
);
