/**
 * The compiling side of `npm run bench:fuzz` (bench/fuzz.ts), in a worker thread the main thread
 * can stop when an input hangs. Each message is a file's text; the reply says whether compiling
 * it threw, or gave an unsound result (a diagnostic outside the file, a process despite errors).
 */
import { parentPort } from 'node:worker_threads';
import { compileSource } from '../src/dsl/compile.js';
import { fixtureCatalog } from '../test/helpers/catalog.js';

export interface FuzzReply {
  ok: boolean;
  error?: string;
  ms: number;
  diagnostics: number;
  compiled: number;
}

function soundness(text: string, r: ReturnType<typeof compileSource>): string | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  for (const d of r.diagnostics) {
    const inside = d.line >= 1 && d.line <= lines.length && d.column >= 1 && d.column <= (lines[d.line - 1]?.length ?? 0) + 1;
    if (!inside) return `unsound: ${d.code} at ${d.line}:${d.column} is outside the file`;
    if (!/^(parse|check)\/[a-z-]+$/.test(d.code)) return `unsound: code ${d.code}`;
  }
  if (r.processes.length && r.diagnostics.some((d) => d.severity === 'error')) return 'unsound: compiled despite errors';
  return undefined;
}

parentPort!.on('message', (text: string) => {
  const t0 = performance.now();
  let reply: FuzzReply;
  try {
    const r = compileSource(text, 'fuzz.flow', { catalog: fixtureCatalog });
    const ms = performance.now() - t0;
    const problem = soundness(text, r);
    reply = { ok: problem === undefined, ...(problem ? { error: problem } : {}), ms, diagnostics: r.diagnostics.length, compiled: r.processes.length };
  } catch (err) {
    reply = { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}`.slice(0, 2000) : String(err), ms: performance.now() - t0, diagnostics: 0, compiled: 0 };
  }
  parentPort!.postMessage(reply);
});
