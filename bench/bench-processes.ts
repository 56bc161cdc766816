/**
 * The processes bench:runtime and bench:start run: `BenchN` (N sequential SMS) and `Hold`
 * (waits for a signal), compiled against the telecom catalog with the bench's own templates.
 */
import { compileSources } from '../src/dsl/compile.js';
import type { ProcessIR } from '../src/ir/schema.js';
import { telecomCatalog, withTemplates } from '../test/helpers/catalog.js';

export const SIZES = [1, 5, 20];

const flow = [
  ...SIZES.map((n) =>
    [`process Bench${n} version 1`, `  "${n} SMS in sequence"`, '  input { msisdn: phone }',
      ...Array.from({ length: n }, (_, i) => `  s${i + 1}: call notification.sendSms(to: input.msisdn, template: "bench.step${i + 1}")`)].join('\n'),
  ),
  'process Hold version 1\n  "waits for go"\n  input { msisdn: phone }\n  wait signal go within 30d',
].join('\n\n');
export const BENCH_SOURCE = { file: 'bench.flow', text: `${flow}\n` };
// The bench's messages are templates of its own (its notification activity is recorded, not sent).
export const BENCH_CATALOG = withTemplates(telecomCatalog, 'notification', Array.from({ length: Math.max(...SIZES) }, (_, i) => ({ id: `bench.step${i + 1}`, placeholders: [] })));

export function compileBench(): Map<string, ProcessIR> {
  const compiled = compileSources([BENCH_SOURCE], { catalog: BENCH_CATALOG });
  if (compiled.diagnostics.length) throw new Error(compiled.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return new Map(compiled.processes.map((p) => [p.name, p]));
}
