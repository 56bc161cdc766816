/**
 * `svcflow graph`: draws a process. One walk of the IR builds a small neutral graph (nodes with
 * a shape and a style, edges with a label and a style); two printers turn it into Mermaid or
 * Graphviz DOT text, and Graphviz (WASM, no browser) lays the DOT out as SVG. Node ids come
 * from a counter (`n0`, `n1`, …): step ids may contain `.`, `:` and `#`, so they are labels only.
 */
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import type { Expr, ProcessIR, Step } from '../ir/schema.js';
import { formatDuration } from './literals.js';

// ── the neutral graph ──────────────────────────────────────────────────────────────────
export type NodeShape = 'start' | 'end' | 'fail' | 'step' | 'wait' | 'decision' | 'fork' | 'join' | 'loop' | 'sub' | 'comp';
export type NodeStyle = 'normal' | 'terminal' | 'error' | 'muted';
export type EdgeStyle = 'solid' | 'dashed' | 'dotted' | 'muted';
export interface GraphNode {
  id: string;
  /** Lines of text, unescaped. */
  label: string[];
  shape: NodeShape;
  style: NodeStyle;
}
export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
  style: EdgeStyle;
}
export interface Graph {
  title: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** An edge still looking for its target: the next step, a join, or a loop head. */
interface Pending {
  from: string;
  label?: string;
  style?: EdgeStyle;
}

const MAX_EXPR = 60;

/** An expression, shortened for a label. */
export function exprText(e: Expr): string {
  const text = exprFull(e);
  return text.length > MAX_EXPR ? `${text.slice(0, MAX_EXPR - 1)}…` : text;
}

function exprFull(e: Expr): string {
  const inner = (x: Expr) => (x.k === 'binary' ? `(${exprFull(x)})` : exprFull(x));
  switch (e.k) {
    case 'lit':
      return typeof e.value === 'string' ? JSON.stringify(e.value) : String(e.value);
    case 'money':
      return e.currency === 'CNY' ? `¥${(e.fen / 100).toFixed(2)}` : `${(e.fen / 100).toFixed(2)} ${e.currency}`;
    case 'duration':
    case 'bizDuration':
      return durationText(e);
    case 'var':
      return e.name;
    case 'member':
      return `${inner(e.object)}.${e.property}`;
    case 'index':
      return `${inner(e.object)}[${exprFull(e.index)}]`;
    case 'list':
      return `[${e.items.map(exprFull).join(', ')}]`;
    case 'record':
      return `{ ${e.fields.map((f) => `${f.name}: ${exprFull(f.value)}`).join(', ')} }`;
    case 'unary':
      return e.op === 'not' ? `not ${inner(e.arg)}` : `-${inner(e.arg)}`;
    case 'binary':
      return `${inner(e.left)} ${e.op} ${inner(e.right)}`;
    case 'template':
      return `"${e.parts.map((p) => (typeof p === 'string' ? p : `{${exprFull(p)}}`)).join('')}"`;
    case 'call':
      return `${e.fn}(${e.args.map(exprFull).join(', ')})`;
  }
}

const HOUR = 3_600_000;

/** A time limit: `30m`, `24h`, `2 business days`; anything computed is `…`. */
export function durationText(e: Expr): string {
  // Service levels are said in hours up to three days (`24h`, `48h`), as the DSL writes them.
  if (e.k === 'duration') return e.ms > 0 && e.ms <= 72 * HOUR && e.ms % HOUR === 0 ? `${e.ms / HOUR}h` : formatDuration(e.ms);
  if (e.k === 'bizDuration') return `${e.amount} business ${e.amount === 1 ? e.unit.slice(0, -1) : e.unit}`;
  return '…';
}

/** The step id, then what the step does (when that says more than the id). */
function lines(id: string, what: string): string[] {
  return what === id ? [id] : [id, what];
}

class Builder {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];

  node(shape: NodeShape, label: string[], style: NodeStyle = 'normal'): string {
    const id = `n${this.nodes.length}`;
    this.nodes.push({ id, label, shape, style });
    return id;
  }

  edge(from: string, to: string, label: string | undefined, style: EdgeStyle = 'solid'): void {
    this.edges.push({ from, to, style, ...(label === undefined ? {} : { label }) });
  }

  /** Connects the pending edges to `to`; `label`/`style` apply where the pending edge has none. */
  enter(pending: Pending[], to: string, label?: string, style?: EdgeStyle): void {
    for (const p of pending) this.edge(p.from, to, p.label ?? label, p.style ?? style);
  }

  /** Draws a block; returns the edges that leave it (none after `end`/`fail`). */
  steps(list: Step[], pending: Pending[]): Pending[] {
    for (const s of list) pending = this.step(s, pending);
    return pending;
  }

  step(s: Step, pending: Pending[]): Pending[] {
    const at = (shape: NodeShape, what: string, style?: NodeStyle) => {
      const id = this.node(shape, lines(s.id, what), style);
      this.enter(pending, id);
      return id;
    };
    switch (s.kind) {
      case 'call': {
        const id = at('step', s.call.activity);
        if (s.compensate) this.edge(id, this.node('comp', ['compensate', s.compensate.activity], 'muted'), 'on failure', 'muted');
        return [{ from: id }];
      }
      case 'callProcess':
        return [{ from: at('sub', `call process ${s.process}`) }];
      case 'set':
        return [{ from: at('step', `set ${s.name} = ${exprText(s.value)}`) }];
      case 'escalate':
        return [{ from: at('step', `escalate to ${exprText(s.level)}`) }];
      case 'sleep':
        return [{ from: at('wait', s.until ? `sleep until ${exprText(s.until)}` : `sleep ${s.duration ? durationText(s.duration) : '…'}`) }];
      case 'wait': {
        const t = s.trigger;
        const id = this.node('wait', [s.id, `wait ${t.type} ${t.type === 'message' ? t.channel : t.name}`, `within ${durationText(s.within)}`]);
        this.enter(pending, id);
        for (const e of s.escalations) {
          const label = `after ${durationText(e.after)}${e.level ? ` → ${e.level}` : ''}`;
          // Non-interrupting: the escalation runs and the process goes back to waiting.
          this.enter(this.steps(e.steps, [{ from: id, label, style: 'dotted' }]), id, undefined, 'dotted');
        }
        const timeout = this.steps(s.onTimeout, [{ from: id, label: `timeout ${durationText(s.within)}`, style: 'dashed' }]);
        return [{ from: id }, ...timeout];
      }
      case 'if': {
        const id = at('decision', 'if');
        return [
          ...s.branches.flatMap((b) => this.steps(b.steps, [{ from: id, label: exprText(b.when) }])),
          ...this.steps(s.otherwise, [{ from: id, label: 'else' }]),
        ];
      }
      case 'match': {
        const id = at('decision', `match ${exprText(s.subject)}`);
        return [
          ...s.cases.flatMap((c) => this.steps(c.steps, [{ from: id, label: c.values.map(exprText).join(', ') }])),
          ...this.steps(s.otherwise, [{ from: id, label: 'else' }]),
        ];
      }
      case 'parallel': {
        const id = at('fork', `parallel ${s.mode}`);
        const out = s.branches.flatMap((b) => this.steps(b.steps, [{ from: id, label: b.name }]));
        if (out.length === 0) return [];
        const join = this.node('join', [s.mode === 'all' ? 'join: all done' : 'join: first done']);
        this.enter(out, join);
        return [{ from: join }];
      }
      case 'forEach': {
        const id = at('loop', `for each ${s.item} in ${exprText(s.list)}`);
        this.enter(this.steps(s.steps, [{ from: id, label: 'each' }]), id, 'next');
        return [{ from: id, label: 'done' }];
      }
      case 'repeat': {
        const id = at('loop', `repeat at most ${s.max}${s.until ? ` until ${exprText(s.until)}` : ''}`);
        this.enter(this.steps(s.steps, [{ from: id, label: 'do' }]), id, 'again');
        return [{ from: id, label: 'done' }];
      }
      case 'fail':
        at('fail', `fail ${s.code}`, 'error');
        return [];
      case 'end':
        at('end', `end "${s.outcome}"`, 'terminal');
        return [];
    }
  }
}

/** The one walk of the IR that both text formats print. */
export function buildGraph(ir: ProcessIR): Graph {
  const b = new Builder();
  const start = b.node('start', ['start']);
  const rest = b.steps(ir.steps, [{ from: start }]);
  // A process that runs off its last step completes: give it an end node too.
  if (rest.length > 0) b.enter(rest, b.node('end', ['end'], 'terminal'));
  return { title: `${ir.name} v${ir.version}`, nodes: b.nodes, edges: b.edges };
}

// ── Mermaid ────────────────────────────────────────────────────────────────────────────
const MERMAID_ENTITY: Record<string, string> = { '"': '#quot;', '<': '#lt;', '>': '#gt;', '|': '#124;', '`': '#96;', '#': '#35;' };

/** Text inside a `"…"` label: quotes and HTML as entities, `#` only where it would start one. */
function mermaidText(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/["<>|`]|#(?=\w+;)/g, (c) => MERMAID_ENTITY[c] ?? c);
}

const MERMAID_SHAPE: Record<NodeShape, [string, string]> = {
  start: ['((', '))'], end: ['([', '])'], fail: ['([', '])'], step: ['[', ']'], wait: ['(', ')'], decision: ['{', '}'],
  fork: ['[/', '\\]'], join: ['[\\', '/]'], loop: ['{{', '}}'], sub: ['[[', ']]'], comp: ['[', ']'],
};
const MERMAID_CLASS: Record<Exclude<NodeStyle, 'normal'>, string> = {
  terminal: 'stroke:#2e7d32,stroke-width:2px',
  error: 'stroke:#c62828,color:#c62828,stroke-width:2px',
  muted: 'stroke:#999,color:#777,stroke-dasharray:4 3',
};
const MERMAID_LINK: Record<Exclude<EdgeStyle, 'solid'>, string> = {
  dashed: 'stroke-dasharray:6 4',
  dotted: 'stroke-dasharray:2 3',
  muted: 'stroke:#999,color:#777,stroke-dasharray:6 4',
};

export function toMermaid(ir: ProcessIR): string {
  const g = buildGraph(ir);
  const out = ['flowchart TD'];
  for (const n of g.nodes) {
    const [open, close] = MERMAID_SHAPE[n.shape];
    out.push(`  ${n.id}${open}"${n.label.map(mermaidText).join('<br/>')}"${close}`);
  }
  g.edges.forEach((e) => {
    const arrow = e.style === 'solid' ? '-->' : '-.->';
    out.push(`  ${e.from} ${arrow}${e.label === undefined ? '' : `|"${mermaidText(e.label)}"|`} ${e.to}`);
  });
  for (const [style, css] of Object.entries(MERMAID_CLASS)) {
    const ids = g.nodes.filter((n) => n.style === style).map((n) => n.id);
    if (ids.length > 0) out.push(`  classDef ${style} ${css}`, `  class ${ids.join(',')} ${style}`);
  }
  for (const [style, css] of Object.entries(MERMAID_LINK)) {
    const indexes = g.edges.flatMap((e, i) => (e.style === style ? [i] : []));
    if (indexes.length > 0) out.push(`  linkStyle ${indexes.join(',')} ${css}`);
  }
  return out.join('\n');
}

// ── Graphviz DOT ───────────────────────────────────────────────────────────────────────
/** A DOT string literal, quotes included. */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\s+/g, ' ')}"`;
}

const DOT_SHAPE: Record<NodeShape, string> = {
  start: 'shape=circle', end: 'shape=box, style=rounded', fail: 'shape=octagon', step: 'shape=box',
  wait: 'shape=box, style=rounded', decision: 'shape=diamond', fork: 'shape=trapezium', join: 'shape=invtrapezium',
  loop: 'shape=hexagon', sub: 'shape=box, peripheries=2', comp: 'shape=box, style=dashed',
};
const DOT_NODE_STYLE: Record<NodeStyle, string> = {
  normal: '',
  terminal: ', color="#2e7d32", penwidth=2',
  error: ', color="#c62828", fontcolor="#c62828", penwidth=2',
  muted: ', color=gray50, fontcolor=gray40',
};
const DOT_EDGE_STYLE: Record<EdgeStyle, string> = {
  solid: '',
  dashed: ', style=dashed',
  dotted: ', style=dotted',
  muted: ', style=dashed, color=gray50, fontcolor=gray40',
};

export function toDot(ir: ProcessIR): string {
  const g = buildGraph(ir);
  const out = [
    `digraph ${dotString(ir.name)} {`,
    `  graph [label=${dotString(g.title)}, labelloc=t, fontname="sans-serif"];`,
    '  node [fontname="sans-serif", fontsize=11];',
    '  edge [fontname="sans-serif", fontsize=10];',
  ];
  for (const n of g.nodes) {
    const label = n.label.map((l) => dotString(l).slice(1, -1)).join('\\n');
    out.push(`  ${n.id} [label="${label}", ${DOT_SHAPE[n.shape]}${DOT_NODE_STYLE[n.style]}];`);
  }
  for (const e of g.edges) {
    const label = e.label === undefined ? '' : `label=${dotString(e.label)}`;
    const attrs = `${label}${DOT_EDGE_STYLE[e.style]}`.replace(/^, /, '');
    out.push(`  ${e.from} -> ${e.to}${attrs ? ` [${attrs}]` : ''};`);
  }
  out.push('}');
  return out.join('\n');
}

// ── SVG ────────────────────────────────────────────────────────────────────────────────
let graphviz: Promise<Graphviz> | undefined;

/** The DOT laid out by Graphviz (WASM, loaded once). */
export async function toSvg(ir: ProcessIR): Promise<string> {
  graphviz ??= Graphviz.load().catch((err: unknown) => {
    graphviz = undefined;
    throw err;
  });
  return (await graphviz).layout(toDot(ir), 'svg', 'dot');
}
