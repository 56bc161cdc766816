/**
 * Terminal formatting shared by the operator commands: aligned tables (CJK characters count
 * two columns, as a terminal draws them), times in local time with their zone (or in UTC with --utc),
 * and "in 3h 5m" / "2m ago".
 */

/** Wide characters (CJK, full-width forms) take two terminal columns. */
function columns(text: string): number {
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const wide =
      (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd);
    n += wide ? 2 : 1;
  }
  return n;
}

const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - columns(text)));

/** Rows under a header, columns two spaces apart; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => columns(r[i] ?? ''))));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : pad(cell, widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

const two = (n: number) => String(n).padStart(2, '0');

/** Whether times print in UTC (`--utc`) rather than in the machine's local time zone. */
export interface TimeStyle {
  utc?: boolean;
}

/** `+08:00`: the local zone's offset from UTC at `d`. */
function zone(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${two(Math.floor(a / 60))}:${two(a % 60)}`;
}

/** `2025-11-23 18:04:05 +08:00` in local time with its zone, or `2025-11-23 10:04:05 UTC` with `utc`. */
export function localTime(d: Date, style: TimeStyle = {}): string {
  if (style.utc) {
    return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
  }
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zone(d)}`;
}

/** `3d 4h`, `5h 12m`, `7m`, `40s`: the two largest units. */
export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const units: Array<[string, number]> = [
    ['d', Math.floor(s / 86400)],
    ['h', Math.floor(s / 3600) % 24],
    ['m', Math.floor(s / 60) % 60],
    ['s', s % 60],
  ];
  const first = units.findIndex(([, v]) => v > 0);
  if (first < 0) return '0s';
  return units
    .slice(first, first + 2)
    .filter(([, v]) => v > 0)
    .map(([u, v]) => `${v}${u}`)
    .join(' ');
}

/** `2025-11-24 18:04:05 +08:00 (in 23h 59m)` or `… (5m ago)`. */
export function timeAndDistance(d: Date, now = Date.now(), style: TimeStyle = {}): string {
  const ms = d.getTime() - now;
  return `${localTime(d, style)} (${ms >= 0 ? `in ${duration(ms)}` : `${duration(ms)} ago`})`;
}

/** A value on one line, cut at `max` characters. */
export function compactJson(value: unknown, max = 160): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
