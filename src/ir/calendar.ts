/**
 * Business calendars: working days and hours, holidays and swapped workdays (调休), in a time
 * zone. Pure; the checker validates declarations, the interpreter turns `2 business days` into
 * a deadline with `addBusinessTime`.
 */
import type { Calendar } from './schema.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `09:30` → minutes after midnight. */
export function parseClock(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** ISO weekdays (1 = Monday) from `mon` to `fri`, wrapping round the week if needed. */
export function weekdayRange(from: string, to: string): number[] {
  const a = WEEKDAYS.indexOf(from.toLowerCase());
  const b = WEEKDAYS.indexOf(to.toLowerCase());
  if (a < 0 || b < 0) return [];
  const out: number[] = [];
  for (let i = a; ; i = (i + 1) % 7) {
    out.push(i + 1);
    if (i === b) break;
  }
  return out;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The UTC offset (ms) of `tz` at instant `ms`, via Intl (deterministic for a given tzdata). */
function offsetAt(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

function isWorkday(localDayStart: number, cal: Calendar): boolean {
  const iso = new Date(localDayStart).toISOString().slice(0, 10);
  if (cal.extraWorkdays.includes(iso)) return true;
  if (cal.holidays.includes(iso)) return false;
  const weekday = ((new Date(localDayStart).getUTCDay() + 6) % 7) + 1;
  return cal.workdays.includes(weekday);
}

/**
 * The instant `amount` business hours or days after `startMs`. A business day is one full
 * working day (closesAt − opensAt); time outside working hours does not count.
 */
export function addBusinessTime(startMs: number, amount: number, unit: 'hours' | 'days', cal: Calendar): number {
  const dayLength = (cal.closesAt - cal.opensAt) * MINUTE;
  let remaining = unit === 'hours' ? amount * 3_600_000 : amount * dayLength;
  const offset = offsetAt(startMs, cal.timezone);
  let local = startMs + offset;
  for (let guard = 0; guard < 3660 && remaining > 0; guard++) {
    const dayStart = Math.floor(local / DAY) * DAY;
    const open = dayStart + cal.opensAt * MINUTE;
    const close = dayStart + cal.closesAt * MINUTE;
    if (isWorkday(dayStart, cal) && local < close) {
      const from = Math.max(local, open);
      const take = Math.min(remaining, close - from);
      remaining -= take;
      local = from + take;
      if (remaining === 0) break;
    }
    local = dayStart + DAY;
  }
  return local - offsetAt(local - offset, cal.timezone);
}
