/**
 * Helpers for running compiled processes on a real Temporal server: compile DSL text, a worker
 * with the svcflow workflow bundle, and system activities that record what they were asked.
 * The recorded activities stand in for billing, dispatch, notification and complaints only;
 * Temporal itself is always real.
 */
import { compileSources } from '../../src/dsl/compile.js';
import type { ProcessIR } from '../../src/ir/schema.js';
import type { ProcessArgs } from '../../src/workflows/run-process.js';
import { CATALOG } from '../../modules/telecom/src/catalog/index.js';
import { fixtureCatalog } from './catalog.js';

export function compileOrThrow(text: string, file = 'test.flow'): Map<string, ProcessIR> {
  const { processes, diagnostics } = compileSources([{ file, text }], { catalog: fixtureCatalog });
  if (diagnostics.length) throw new Error(diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join('\n'));
  return new Map(processes.map((p) => [p.name, p]));
}

export function argsFor(irs: Map<string, ProcessIR>, name: string, input: unknown): ProcessArgs {
  return { ir: irs.get(name)!, children: Object.fromEntries(irs), input: input as ProcessArgs['input'] };
}

export interface Call {
  activity: string;
  input: Record<string, unknown>;
  key: string;
}

/** Every catalog activity, recording its calls; `outputs` gives what each returns. */
export function recordingActivities(outputs: Record<string, (input: Record<string, unknown>) => unknown> = {}) {
  const calls: Call[] = [];
  const activities: Record<string, (input: Record<string, unknown>, meta: { idempotencyKey: string }) => Promise<unknown>> = {};
  for (const name of CATALOG.keys()) {
    activities[name] = async (input, meta) => {
      calls.push({ activity: name, input, key: meta.idempotencyKey });
      return outputs[name]?.(input) ?? {};
    };
  }
  return { activities, calls };
}
