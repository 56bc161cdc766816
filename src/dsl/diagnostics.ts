/**
 * A diagnostic is data: a stable code, a position, and words from the catalog in messages.ts.
 * Tests assert codes and positions; the wording can change without breaking them.
 */
import { MESSAGES, type DiagnosticCode, type MessageData } from './messages.js';

export type Severity = 'error' | 'warning';

export interface Range {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Diagnostic extends Range {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  hint?: string;
  file: string;
}

/** Collects diagnostics for one file; phases add to it and return values, never throw. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];
  constructor(readonly file: string) {}

  add<C extends DiagnosticCode>(code: C, range: Range, data: MessageData<C>, severity: Severity = 'error'): void {
    const text = (MESSAGES[code] as (d: MessageData<C>) => { message: string; hint?: string })(data);
    this.items.push({ code, severity, file: this.file, ...range, message: text.message, ...(text.hint ? { hint: text.hint } : {}) });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

const suggestions = new WeakMap<readonly string[], Map<string, string | undefined>>();

/**
 * The closest candidate, when it is close enough to be a likely typo. Results are remembered
 * per candidate list (pass the same array to benefit): a file repeating one typo 10,000 times
 * must not cost 10,000 searches.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const list = Array.isArray(candidates) ? (candidates as readonly string[]) : undefined;
  const memo = list ? (suggestions.get(list) ?? new Map<string, string | undefined>()) : undefined;
  if (list && memo && !suggestions.has(list)) suggestions.set(list, memo);
  if (memo?.has(name)) return memo.get(name);
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) > limit) continue;
    const d = editDistance(name, c);
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  const result = best !== undefined && bestScore <= limit && bestScore < name.length && bestScore < best.length ? best : undefined;
  memo?.set(name, result);
  return result;
}

/** Formats a diagnostic as `file:line:col: error code: message`, the source line, a caret and the hint. */
export function formatDiagnostic(d: Diagnostic, source: string | readonly string[] | undefined): string {
  const head = `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
  const lines = [head];
  // Control characters (binary noise) would garble the terminal: show them as '·'.
  const lines_ = typeof source === 'string' ? source.split(/\r?\n/) : source;
  const text = lines_?.[d.line - 1]?.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '·');
  if (text !== undefined && text.length <= 400) {
    const width = d.endLine === d.line ? Math.max(1, d.endColumn - d.column + 1) : 1;
    lines.push(`  ${text}`);
    lines.push(`  ${' '.repeat(Math.max(0, d.column - 1))}${'^'.repeat(Math.min(width, Math.max(1, text.length - d.column + 2)))}`);
  }
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines.join('\n');
}
