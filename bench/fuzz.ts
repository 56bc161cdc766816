/**
 * `npm run bench:fuzz [-- N]`: the compiler on N inputs (100,000 by default) made from every
 * shipped process and test fixture: mutations (cuts, insertions of tokens, bytes, names from
 * Object.prototype, deep nesting), splices of one file into another, and swaps of names. Each
 * input is compiled in a worker thread under a watchdog, so a hang is counted, not waited for.
 *
 * Counts: inputs, escaped exceptions (the compiler threw), unsound results (a diagnostic outside
 * the file, a process compiled despite errors), hangs over 2 s, and the slowest input. Writes
 * bench/results/fuzz.json (with the inputs that failed, cut to 2 KB each).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FuzzReply } from './fuzz-worker.js';

const N = Number(process.argv[2] ?? 100_000);
const HANG_MS = 2000;
const SEED = 0x5eed10;

const root = fileURLToPath(new URL('../../', import.meta.url));
const dirs = ['processes', 'test/dsl/good', 'test/dsl/bad'];
const corpus = dirs.flatMap((d) =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith('.flow'))
    .sort()
    .map((f) => ({ name: `${d}/${f}`, text: readFileSync(join(root, d, f), 'utf8') })),
);

// ── a seeded generator, so a run can be repeated ───────────────────────────────────────────
let state = SEED;
function rand(): number {
  // mulberry32
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

const PROTO = Object.getOwnPropertyNames(Object.prototype);
const TOKENS = [
  ...PROTO, ...PROTO.map((n) => `${n}()`), ...PROTO.map((n) => `.${n}`), ...PROTO.map((n) => `{ ${n}: 1 }`), ...PROTO.map((n) => `["${n}"]`),
  'process', 'version', '1', 'call', 'billing.charge', '(', ')', '{', '}', '[', ']', ':', ',', '"x"', '"\\u0000"', '¥30.00', '2.00 USD', '24h',
  'wait', 'within', 'if', 'else', 'else if true {', 'end', '"ok"', 'input', '.', 'signal', 'as', 'set', '=', '+', '<', 'and', 'not',
  'parallel all {', 'branch {', 'repeat 2 times {', 'for each i in [1] {', 'escalate after 1m {', 'on timeout {', 'list of', '客户', '\n', '\t', '\u0000', '\uFFFD',
];

type Kind = 'cut' | 'insert' | 'bytes' | 'swap-name' | 'nest' | 'splice' | 'duplicate';
const KINDS: Kind[] = ['cut', 'insert', 'bytes', 'swap-name', 'nest', 'splice', 'duplicate'];

function mutate(text: string, kind: Kind): string {
  const at = int(text.length + 1);
  switch (kind) {
    case 'cut':
      return text.slice(0, at) + text.slice(at + 1 + int(60));
    case 'insert':
      return text.slice(0, at) + pick(TOKENS) + text.slice(at);
    case 'bytes':
      return text.slice(0, at) + String.fromCharCode(...Array.from({ length: 1 + int(8) }, () => int(0x3000))) + text.slice(at);
    case 'swap-name': {
      const words = [...text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)];
      if (!words.length) return text;
      const w = pick(words);
      return text.slice(0, w.index) + pick(PROTO) + text.slice(w.index + w[0].length);
    }
    case 'nest': {
      // Deep nesting of one kind, around or at a random place: past the limit, or just below it.
      const n = pick([10, 50, 99, 101, 150, 400, 2000]);
      const [open, close] = pick([['(', ')'], ['[', ']'], ['{ a: ', ' }'], ['if true {\n', '}\n'], ['repeat 2 times {\n', '}\n'], ['x + ', '']]);
      return text.slice(0, at) + open.repeat(n) + '1' + close.repeat(n) + text.slice(at);
    }
    case 'splice': {
      const other = pick(corpus).text;
      const from = int(other.length);
      return text.slice(0, at) + other.slice(from, from + 1 + int(400)) + text.slice(at + int(100));
    }
    case 'duplicate': {
      const len = 1 + int(200);
      return text.slice(0, at) + text.slice(at, at + len).repeat(2 + int(4)) + text.slice(at + len);
    }
  }
}

function makeInput(): { text: string; kinds: Kind[]; base: string } {
  const base = pick(corpus);
  let text = base.text;
  const kinds: Kind[] = [];
  for (let i = 1 + int(4); i > 0; i--) {
    const kind = pick(KINDS);
    kinds.push(kind);
    text = mutate(text, kind);
  }
  return { text, kinds, base: base.name };
}

// ── the worker and its watchdog ────────────────────────────────────────────────────────────
const workerFile = fileURLToPath(new URL('./fuzz-worker.js', import.meta.url));
let worker!: Worker;
let pending: ((r: FuzzReply | 'hang') => void) | undefined;
function startWorker(): void {
  worker = new Worker(workerFile);
  worker.on('message', (r: FuzzReply) => pending?.(r));
  worker.on('error', (err) => pending?.({ ok: false, error: `worker: ${String(err)}`, ms: 0, diagnostics: 0, compiled: 0 }));
}
function run(text: string): Promise<FuzzReply | 'hang'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending = undefined;
      void worker.terminate();
      startWorker();
      resolve('hang');
    }, HANG_MS);
    pending = (r) => {
      clearTimeout(timer);
      pending = undefined;
      resolve(r);
    };
    worker.postMessage(text);
  });
}

const clip = (s: string) => (s.length > 2048 ? `${s.slice(0, 2048)}…` : s);
const loadBefore = loadavg()[0]!;
startWorker();
const started = performance.now();
let exceptions = 0;
let unsound = 0;
let hangs = 0;
let compiled = 0;
let withDiagnostics = 0;
const failures: Array<{ what: string; detail: string; base: string; kinds: Kind[]; input: string }> = [];
let slowest = { ms: 0, bytes: 0, base: '', kinds: [] as Kind[], input: '' };
const totalMs: number[] = [];
for (let i = 0; i < N; i++) {
  const { text, kinds, base } = makeInput();
  const r = await run(text);
  if (r === 'hang') {
    hangs++;
    if (failures.length < 50) failures.push({ what: 'hang', detail: `over ${HANG_MS} ms`, base, kinds, input: clip(text) });
    continue;
  }
  totalMs.push(r.ms);
  if (r.ms > slowest.ms) slowest = { ms: r.ms, bytes: Buffer.byteLength(text), base, kinds, input: text.slice(0, 65_536) };
  if (!r.ok) {
    const what = r.error?.startsWith('unsound') ? 'unsound' : 'exception';
    if (what === 'unsound') unsound++;
    else exceptions++;
    if (failures.length < 50) failures.push({ what, detail: r.error ?? '', base, kinds, input: clip(text) });
    continue;
  }
  if (r.diagnostics) withDiagnostics++;
  if (r.compiled) compiled++;
  if ((i + 1) % 10_000 === 0) console.error(`${i + 1} inputs, ${exceptions} exceptions, ${unsound} unsound, ${hangs} hangs, slowest ${slowest.ms.toFixed(0)} ms`);
}
await worker.terminate();
const seconds = (performance.now() - started) / 1000;
const sorted = [...totalMs].sort((a, b) => a - b);
const q = (p: number) => Number((sorted[Math.floor((sorted.length - 1) * p)] ?? 0).toPrecision(3));

const results = {
  benchmark: 'fuzz',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version, load_average_1m: { before: loadBefore, after: loadavg()[0] } },
  seed: SEED,
  corpus: corpus.length,
  inputs: N,
  escaped_exceptions: exceptions,
  unsound_results: unsound,
  hangs_over_2s: hangs,
  with_diagnostics: withDiagnostics,
  compiled_cleanly: compiled,
  compile_ms: { median: q(0.5), p99: q(0.99), max: Number(slowest.ms.toPrecision(3)) },
  // The whole input (to 64 KB), to time it again alone: on a loaded machine the slowest is often a pause, not the input.
  slowest_input: { ms: Number(slowest.ms.toPrecision(3)), bytes: slowest.bytes, base: slowest.base, mutations: slowest.kinds, text: slowest.input },
  seconds: Number(seconds.toPrecision(3)),
  failures,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'fuzz.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(
  `fuzz: ${N} inputs from ${corpus.length} files in ${results.seconds} s: ${exceptions} escaped exceptions, ${unsound} unsound results, ${hangs} hangs over 2 s; ` +
    `${withDiagnostics} with diagnostics, ${compiled} compiled; compile median ${results.compile_ms.median} ms, p99 ${results.compile_ms.p99} ms, ` +
    `slowest ${results.slowest_input.ms} ms (${slowest.bytes} bytes, ${slowest.base}, ${slowest.kinds.join('+')})`,
);
console.log('written to bench/results/fuzz.json');
