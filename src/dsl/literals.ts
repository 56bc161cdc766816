/** Values of literal tokens: durations and money. Pure. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `24h`, `1h30m`, `500ms` → milliseconds. The lexer guarantees the shape. */
export function parseDuration(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|[wdhms])/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** `¥30.00`, `￥30`, `30.50 CNY`, `12 RMB` → integer fen and an ISO currency. */
export function parseMoney(text: string): { fen: number; currency: string } {
  const m = /^[¥￥]?(\d+)(?:\.(\d{1,2}))?\s*([A-Z]{3})?$/.exec(text.trim());
  if (!m) return { fen: 0, currency: 'CNY' };
  const cents = (m[2] ?? '').padEnd(2, '0');
  const currency = m[3] === undefined || m[3] === 'RMB' ? 'CNY' : m[3];
  return { fen: Number(m[1]) * 100 + Number(cents || '0'), currency };
}

/** Renders milliseconds the way the DSL writes them (for graphs and messages). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  return parts.join('');
}
