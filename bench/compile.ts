/**
 * `npm run bench:compile`: compiling the same process of 10, 100 and 1,000 steps from the DSL
 * (lex, parse, AST, full check against the catalog, lowering to IR, IR validation and hash)
 * against the baseline, the same process as YAML read by js-yaml and validated by zod.
 *
 * Throughput: definitions per second, in ROUNDS rounds; each round times one batch of each
 * form per size, alternating which form goes first, so drift and noise hit both. Medians.
 * Cold start: fresh node processes each import the compiler and compile the 10-step file.
 * Nesting: each kind of nesting (bench/nesting.ts) at a quarter, half and all of the nesting
 * limit, timed alone: checking must grow with the file, not double with each level.
 * Writes bench/results/compile.json and prints a table.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSource, MAX_NESTING, MAX_OPERATORS } from '../src/dsl/compile.js';
import type { Step } from '../src/ir/schema.js';
import { countYamlSteps, loadYamlWorkflow } from './yaml-workflow.js';
import { workload, WORKLOAD_TEMPLATES, type Workload } from './workload.js';
import { LEVELS_PER_N, NESTING, type NestingKind } from './nesting.js';
import { telecomCatalog, withTemplates } from '../test/helpers/catalog.js';

/** The telecom catalog, with the templates the generated workload sends. */
const catalog = withTemplates(telecomCatalog, 'notification', WORKLOAD_TEMPLATES);

const SIZES = [10, 100, 1000];
const ROUNDS = 15;
const BATCH_MS = 150;
const WARMUP_MS = 600;
const COLD_PROCESSES = 11;

type Form = 'dsl' | 'yaml';

function compileDsl(w: Workload): number {
  const r = compileSource(w.flow, `${w.name}.flow`, { catalog });
  if (r.diagnostics.length || r.processes.length !== 1) {
    const d = r.diagnostics[0];
    throw new Error(`the generated ${w.name}.flow does not compile: ${d ? `${d.line}:${d.column} ${d.code} ${d.message}` : 'no process'}`);
  }
  return countIrSteps(r.processes[0]!.steps);
}

function compileYaml(w: Workload): number {
  return countYamlSteps(loadYamlWorkflow(w.yaml).steps);
}

const compilers: Record<Form, (w: Workload) => number> = { dsl: compileDsl, yaml: compileYaml };

function countIrSteps(steps: Step[]): number {
  let n = 0;
  for (const s of steps) {
    n += 1;
    if (s.kind === 'wait') n += countIrSteps(s.onTimeout) + s.escalations.reduce((m, x) => m + countIrSteps(x.steps), 0);
    if (s.kind === 'if') n += s.branches.reduce((m, b) => m + countIrSteps(b.steps), 0) + countIrSteps(s.otherwise);
  }
  return n;
}

/** Compiles repeatedly for at least `ms` milliseconds; definitions per second. */
function batch(form: Form, w: Workload, ms: number): number {
  const compile = compilers[form];
  let n = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    sink += compile(w);
    n += 1;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  if (sink !== n * w.allSteps) throw new Error(`${form} ${w.steps}: wrong step count`);
  return (n * 1000) / elapsed;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
const median = (xs: number[]) => quantile(xs, 0.5);
const round = (x: number, digits = 3) => Number(x.toPrecision(digits));

// ── both forms describe the same process ───────────────────────────────────────────────────
const workloads = SIZES.map(workload);
for (const w of workloads) {
  const dsl = compileDsl(w);
  const yaml = compileYaml(w);
  if (dsl !== w.allSteps || yaml !== w.allSteps) throw new Error(`${w.steps} steps: DSL has ${dsl}, YAML ${yaml}, expected ${w.allSteps}`);
}

// ── throughput ─────────────────────────────────────────────────────────────────────────────
const loadBefore = loadavg()[0]!;
if (loadBefore > cpus().length / 2) {
  console.warn(`warning: load average ${loadBefore.toFixed(1)} on ${cpus().length} CPUs: other work is running, the figures will be noisy`);
}
const started = performance.now();
for (const w of workloads) for (const form of ['dsl', 'yaml'] as const) batch(form, w, WARMUP_MS);
const samples = workloads.map(() => ({ dsl: [] as number[], yaml: [] as number[] }));
for (let r = 0; r < ROUNDS; r++) {
  workloads.forEach((w, i) => {
    const order: Form[] = (r + i) % 2 === 0 ? ['dsl', 'yaml'] : ['yaml', 'dsl'];
    for (const form of order) samples[i]![form].push(batch(form, w, BATCH_MS));
  });
}

const sizes = workloads.map((w, i) => {
  const s = samples[i]!;
  const dslBytes = Buffer.byteLength(w.flow);
  const yamlBytes = Buffer.byteLength(w.yaml);
  const dsl = median(s.dsl);
  const yaml = median(s.yaml);
  return {
    steps: w.steps,
    all_steps: w.allSteps,
    dsl_bytes: dslBytes,
    yaml_bytes: yamlBytes,
    dsl_defs_per_s: round(dsl),
    yaml_defs_per_s: round(yaml),
    ratio: round(dsl / yaml),
    dsl_mb_per_s: round((dsl * dslBytes) / 1e6),
    yaml_zod_mb_per_s: round((yaml * yamlBytes) / 1e6),
    ratio_vs_yaml_zod: round(dsl / yaml),
    dsl_ms_per_def: round(1000 / dsl),
    yaml_ms_per_def: round(1000 / yaml),
    spread: {
      dsl_defs_per_s_p25_p75: [round(quantile(s.dsl, 0.25)), round(quantile(s.dsl, 0.75))],
      yaml_defs_per_s_p25_p75: [round(quantile(s.yaml, 0.25)), round(quantile(s.yaml, 0.75))],
    },
  };
});
const throughputSeconds = (performance.now() - started) / 1000;

// ── nesting ────────────────────────────────────────────────────────────────────────────────
const NESTING_RUNS = 5;
const nesting = (Object.keys(NESTING) as NestingKind[]).map((kind) => {
  const top = kind === 'plus' ? MAX_OPERATORS : Math.floor((MAX_NESTING - 2) / LEVELS_PER_N[kind]);
  const depths = [Math.ceil(top / 4), Math.ceil(top / 2), top];
  const points = depths.map((n) => {
    const text = NESTING[kind](n);
    const r = compileSource(text, `nested-${kind}.flow`, { catalog });
    if (r.diagnostics.length) throw new Error(`nested ${kind} ${n}: ${r.diagnostics[0]!.code} ${r.diagnostics[0]!.message}`);
    const ms: number[] = [];
    for (let i = 0; i < NESTING_RUNS; i++) {
      const t0 = performance.now();
      compileSource(text, `nested-${kind}.flow`, { catalog });
      ms.push(performance.now() - t0);
    }
    return { n, bytes: Buffer.byteLength(text), ms: round(median(ms)) };
  });
  const [first, , last] = points as [(typeof points)[0], unknown, (typeof points)[0]];
  return { kind, points, bytes_growth: round(last.bytes / first.bytes), time_growth: round(last.ms / first.ms), ms_per_kb_at_limit: round(last.ms / (last.bytes / 1024)) };
});

// ── cold start ─────────────────────────────────────────────────────────────────────────────
interface Cold {
  importMs: number;
  firstCompileMs: number;
  lexerMs?: number;
  parserMs?: number;
  catalogMs?: number;
  totalMs: number;
  sinceProcessStartMs: number;
  wallMs: number;
}
const tmp = mkdtempSync(join(tmpdir(), 'svcflow-bench-'));
const small = workloads[0]!;
const files: Record<Form, string> = { dsl: join(tmp, `${small.name}.flow`), yaml: join(tmp, `${small.name}.yaml`) };
writeFileSync(files.dsl, small.flow);
writeFileSync(files.yaml, small.yaml);
const coldScript = fileURLToPath(new URL('./cold-start.js', import.meta.url));
const cold: Record<Form, Cold[]> = { dsl: [], yaml: [] };
try {
  // One discarded run of each first: it fills the OS file cache, as on any machine that has run node before.
  for (let i = -1; i < COLD_PROCESSES; i++) {
    const order: Form[] = i % 2 === 0 ? ['dsl', 'yaml'] : ['yaml', 'dsl'];
    for (const form of order) {
      const t0 = performance.now();
      const child = spawnSync(process.execPath, [coldScript, form, files[form]], { encoding: 'utf8' });
      const wallMs = performance.now() - t0;
      if (child.status !== 0) throw new Error(`cold start (${form}) failed: ${child.stderr}`);
      const out = JSON.parse(child.stdout) as Omit<Cold, 'wallMs'> & { steps: number };
      if (out.steps !== small.steps) throw new Error(`cold start (${form}): ${out.steps} steps`);
      if (i >= 0) cold[form].push({ ...out, wallMs });
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const coldMedian = (form: Form, key: keyof Cold) => round(median(cold[form].map((c) => c[key] ?? NaN)));
const coldDetail = (form: Form) => ({
  import_ms: coldMedian(form, 'importMs'),
  first_compile_ms: coldMedian(form, 'firstCompileMs'),
  import_and_compile_ms: coldMedian(form, 'totalMs'),
  since_process_start_ms: coldMedian(form, 'sinceProcessStartMs'),
  spawn_to_exit_ms: coldMedian(form, 'wallMs'),
});

// ── results ────────────────────────────────────────────────────────────────────────────────
const root = fileURLToPath(new URL('../../', import.meta.url));
const version = (pkg: string) => (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
const cpu = cpus();
const dslCold = coldMedian('dsl', 'totalMs');
const yamlCold = coldMedian('yaml', 'totalMs');
const results = {
  benchmark: 'compile',
  date: new Date().toISOString(),
  machine: {
    cpus: cpu.length,
    cpu_model: cpu[0]?.model ?? 'unknown',
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    load_average_1m: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) },
  },
  versions: { chevrotain: version('chevrotain'), zod: version('zod'), 'js-yaml': version('js-yaml') },
  runs: { rounds: ROUNDS, batch_ms: BATCH_MS, warmup_ms: WARMUP_MS, cold_processes: COLD_PROCESSES, throughput_seconds: round(throughputSeconds) },
  sizes,
  nesting,
  cold_start_ms: {
    dsl: dslCold,
    yaml: yamlCold,
    ratio: round(dslCold / yamlCold),
    steps: small.steps,
    dsl_parser_construction_ms: coldMedian('dsl', 'parserMs'),
    dsl_lexer_construction_ms: coldMedian('dsl', 'lexerMs'),
    dsl_catalog_ms: coldMedian('dsl', 'catalogMs'),
    // What a fresh node process costs before any of this: the scale of the machine's slowness.
    node_boot_ms: round(median([...cold.dsl, ...cold.yaml].map((c) => c.sinceProcessStartMs - c.totalMs))),
    detail: { dsl: coldDetail('dsl'), yaml: coldDetail('yaml') },
  },
  notes: [
    'steps: top-level steps; all_steps also counts the calls nested in escalations, timeout branches and if/else.',
    'ratio and ratio_vs_yaml_zod: DSL definitions/s divided by YAML+zod definitions/s (medians); above 1 the DSL is faster.',
    'MB/s is over each form\'s own source bytes; the YAML is longer than the .flow, so compare definitions/s.',
    'cold_start_ms.dsl/yaml: median time for a fresh node process to import the compiler and compile the 10-step file (node boot excluded; see detail.since_process_start_ms).',
    'nesting: one compile of a process nested n levels (bench/nesting.ts) at a quarter, half and all of the limit, median of 5; time_growth against bytes_growth from the first to the last: near-linear checking keeps them close (quadratic would square it).',
    "cold_start_ms.dsl_parser_construction_ms / dsl_lexer_construction_ms / dsl_catalog_ms: of the DSL's import, building Chevrotain's parser (grammar recording, lookahead tables) and lexer, and reading and compiling the telecom module's system declarations; node_boot_ms: node's own start before the script runs, to tell a slow machine from a slow compiler.",
  ],
};
const outDir = join(root, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'compile.json'), `${JSON.stringify(results, null, 2)}\n`);

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`compile benchmark · node ${process.version} · ${cpu.length} CPUs · medians of ${ROUNDS} interleaved rounds`);
console.log(`${pad('steps', 6)} ${pad('DSL defs/s', 11)} ${pad('YAML defs/s', 12)} ${pad('DSL/YAML', 9)} ${pad('DSL MB/s', 9)} ${pad('YAML MB/s', 10)}`);
for (const s of sizes) {
  console.log(`${pad(s.steps, 6)} ${pad(s.dsl_defs_per_s, 11)} ${pad(s.yaml_defs_per_s, 12)} ${pad(s.ratio, 9)} ${pad(s.dsl_mb_per_s, 9)} ${pad(s.yaml_zod_mb_per_s, 10)}`);
}
const d = results.cold_start_ms.detail;
console.log(
  `cold start (import + compile ${small.steps} steps, median of ${COLD_PROCESSES} fresh processes): ` +
    `DSL ${dslCold} ms (import ${d.dsl.import_ms}, compile ${d.dsl.first_compile_ms}), ` +
    `YAML+zod ${yamlCold} ms (import ${d.yaml.import_ms}, compile ${d.yaml.first_compile_ms}), ratio ${results.cold_start_ms.ratio}; ` +
    `of the DSL's import, building the lexer ${results.cold_start_ms.dsl_lexer_construction_ms} ms, the parser ${results.cold_start_ms.dsl_parser_construction_ms} ms, the catalog (reading and compiling modules/telecom/systems) ${results.cold_start_ms.dsl_catalog_ms} ms; ` +
    `node's own boot ${results.cold_start_ms.node_boot_ms} ms`,
);
console.log(`nesting (ms per compile at n = a quarter, half and all of the limit; growth of time against growth of bytes):`);
for (const x of nesting) {
  console.log(`  ${x.kind.padEnd(12)} ${x.points.map((p) => `n=${p.n} ${p.bytes} B ${p.ms} ms`).join(' · ')} · time ×${x.time_growth} for bytes ×${x.bytes_growth}`);
}
console.log(`written to bench/results/compile.json`);
