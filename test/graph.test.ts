/**
 * `svcflow graph`: the Mermaid and DOT renderings of a process, and the DOT laid out by the
 * real Graphviz (WASM). No servers.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { compileSources } from '../src/dsl/compile.js';
import { buildGraph, toDot, toMermaid, toSvg } from '../src/dsl/graph.js';
import type { ProcessIR, Step } from '../src/ir/schema.js';
import { telecomCatalog } from './helpers/catalog.js';

const file = 'secondary-confirmation.flow';
const text = readFileSync(new URL(`../../processes/${file}`, import.meta.url), 'utf8');
const { processes, diagnostics } = compileSources([{ file, text }], { catalog: telecomCatalog });
const ir = processes[0]!;

function allSteps(steps: Step[]): Step[] {
  return steps.flatMap((s) => {
    const nested =
      s.kind === 'wait' ? [...s.escalations.flatMap((e) => e.steps), ...s.onTimeout]
      : s.kind === 'if' ? [...s.branches.flatMap((b) => b.steps), ...s.otherwise]
      : s.kind === 'match' ? [...s.cases.flatMap((c) => c.steps), ...s.otherwise]
      : s.kind === 'parallel' ? s.branches.flatMap((b) => b.steps)
      : s.kind === 'forEach' || s.kind === 'repeat' ? s.steps
      : [];
    return [s, ...allSteps(nested)];
  });
}

const loc = { line: 1, column: 1 };
/** A hand-built IR with every kind of step and awkward labels. */
function handBuilt(): ProcessIR {
  const dur = (ms: number) => ({ k: 'duration' as const, ms });
  const inv = (activity: string) => ({ activity, args: [] });
  const steps: Step[] = [
    { id: 'book:a.b#2', loc, kind: 'call', call: inv('field.book'), compensate: inv('field.cancel') },
    {
      id: 'approve',
      loc,
      kind: 'wait',
      trigger: { type: 'signal', name: 'approve' },
      within: { k: 'bizDuration', amount: 2, unit: 'days', calendar: 'cn' },
      onTimeout: [],
      escalations: [{ after: dur(4 * 3_600_000), level: 'province', steps: [{ id: 'notify', loc, kind: 'call', call: inv('n.send') }] }],
    },
    { id: 'wait:reschedule', loc, kind: 'wait', trigger: { type: 'update', name: 'reschedule' }, within: { k: 'var', name: 'x' }, onTimeout: [{ id: 'fail:TIMEOUT', loc, kind: 'fail', code: 'TIMEOUT', message: { k: 'lit', value: 'late' } }], escalations: [] },
    {
      id: 'parallel-all',
      loc,
      kind: 'parallel',
      mode: 'all',
      branches: [
        { name: 'left', steps: [{ id: 'process:Child', loc, kind: 'callProcess', process: 'Child', args: [] }] },
        { name: 'right', steps: [{ id: 'sleep', loc, kind: 'sleep', duration: dur(1_800_000) }] },
      ],
    },
    { id: 'for-each:i', loc, kind: 'forEach', item: 'i', list: { k: 'var', name: 'items' }, steps: [{ id: 'set:n', loc, kind: 'set', name: 'n', value: { k: 'lit', value: 1 } }] },
    { id: 'repeat', loc, kind: 'repeat', max: 3, steps: [] },
    { id: 'atGroup', loc, kind: 'escalate', level: { k: 'lit', value: 'group' } },
    {
      id: 'match',
      loc,
      kind: 'match',
      subject: { k: 'var', name: 'kind' },
      cases: [{ values: [{ k: 'lit', value: 'a|b' }], steps: [{ id: 'end:a "quoted" [x]', loc, kind: 'end', outcome: 'a "quoted" [x]' }] }],
      otherwise: [{ id: 'end:{weird} (<b>)', loc, kind: 'end', outcome: '{weird} (<b>) \\ #quot; 中文' }],
    },
  ];
  return { irVersion: 1, name: 'HandBuilt', version: 1, description: '', input: [], output: [], index: [], calendars: [], steps, hash: '0'.repeat(64), source: { file: 'x.flow' } };
}

test('secondary-confirmation compiles', (t) => {
  t.deepEqual(diagnostics, []);
  t.truthy(ir);
});

test('the mermaid flowchart has every step, the time limit and the timeout path', (t) => {
  const mermaid = toMermaid(ir);
  t.true(mermaid.startsWith('flowchart TD\n'));
  for (const s of allSteps(ir.steps)) t.true(mermaid.includes(s.id), `no node for step ${s.id}`);
  t.true(mermaid.includes('within 24h'));
  t.regex(mermaid, /n\d+ -\.->\|"timeout 24h"\| n\d+/);
  t.regex(mermaid, /\|"else"\|/);
  t.regex(mermaid, /\|"on failure"\|/);
  // Every node id is a safe identifier; labels carry the step ids.
  for (const line of mermaid.split('\n').slice(1)) t.regex(line, /^ {2}(n\d+|classDef|class|linkStyle)\b/);
});

test('the graph model: three ends, nothing leaves an end', (t) => {
  const g = buildGraph(ir);
  const ends = g.nodes.filter((n) => n.shape === 'end');
  t.deepEqual(ends.map((n) => n.label[0]), ['end:expired', 'end:subscribed', 'end:declined']);
  for (const n of ends) t.false(g.edges.some((e) => e.from === n.id));
  t.is(g.nodes.filter((n) => n.shape === 'start').length, 1);
  t.true(g.edges.some((e) => e.style === 'dashed' && e.label === 'timeout 24h'));
  t.true(g.edges.some((e) => e.style === 'muted' && e.label === 'on failure'));
});

test('the DOT parses in graphviz and becomes SVG', async (t) => {
  const dot = toDot(ir);
  t.true(dot.startsWith('digraph "SecondaryConfirmation" {'));
  t.true(dot.includes('within 24h'));
  const svg = await toSvg(ir);
  t.regex(svg.trimStart(), /^<(\?xml|svg)/);
  t.true(svg.includes('</svg>'));
  t.true(svg.includes('确认'));
});

test('every kind of step is drawn: escalation back to the wait, fork/join, loops, child process', async (t) => {
  const g = buildGraph(handBuilt());
  const byId = (stepId: string) => g.nodes.find((n) => n.label[0] === stepId)!.id;
  const wait = byId('approve');
  t.true(g.nodes.some((n) => n.label.includes('within 2 business days')));
  t.true(g.nodes.some((n) => n.label.includes('wait update reschedule') && n.label.includes('within …')));
  t.true(g.edges.some((e) => e.from === wait && e.style === 'dotted' && e.label === 'after 4h → province'));
  t.true(g.edges.some((e) => e.to === wait && e.from === byId('notify') && e.style === 'dotted'));
  t.true(g.edges.some((e) => e.from === wait && e.style === 'dashed' && e.label === 'timeout 2 business days'));
  t.true(g.edges.some((e) => e.from === byId('wait:reschedule') && e.to === byId('fail:TIMEOUT') && e.style === 'dashed'));
  t.is(g.nodes.find((n) => n.label[0] === 'process:Child')!.shape, 'sub');
  t.true(g.nodes.some((n) => n.shape === 'fork') && g.nodes.some((n) => n.shape === 'join'));
  const loop = byId('for-each:i');
  t.true(g.edges.some((e) => e.from === byId('set:n') && e.to === loop));
  t.true(g.edges.some((e) => e.from === byId('repeat') && e.to === byId('repeat')));
  t.deepEqual(g.nodes.find((n) => n.label[0] === 'atGroup')!.label, ['atGroup', 'escalate to "group"']);
  t.true(g.edges.some((e) => e.from === byId('repeat') && e.to === byId('atGroup')), 'an escalation step is a step in line');
  const svg = await toSvg(handBuilt());
  t.true(svg.includes('</svg>'));
});

test('labels are escaped for mermaid and DOT', (t) => {
  const mermaid = toMermaid(handBuilt());
  t.true(mermaid.includes('end #quot;a #quot;quoted#quot; [x]#quot;'));
  t.true(mermaid.includes('|"#quot;a#124;b#quot;"|'));
  t.true(mermaid.includes('{weird} (#lt;b#gt;) \\ #35;quot; 中文'));
  // Each node line holds exactly one quoted label: no quote escapes it.
  for (const line of mermaid.split('\n').filter((l) => /^ {2}n\d+[^\d ]/.test(l))) t.is(line.split('"').length, 3, line);
  const dot = toDot(handBuilt());
  t.true(dot.includes('end \\"a \\"quoted\\" [x]\\"'));
  t.true(dot.includes('(<b>) \\\\ #quot; 中文'));
  t.true(dot.includes('label="book:a.b#2\\nfield.book"'));
});
