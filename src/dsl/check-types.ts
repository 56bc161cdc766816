/**
 * Declarations the checker reads before any step: declared types (fields, records, lists,
 * enums) as TypeRefs, and calendars.
 */
import type * as A from './ast.js';
import { assertNever } from './ast.js';
import type { Field, TypeRef } from '../ir/schema.js';
import { ANY, SCALAR_TYPES } from '../ir/types.js';
import { didYouMean, type DiagnosticSink } from './diagnostics.js';
import { WEEKDAYS, parseClock } from '../ir/calendar.js';

export function checkCalendar(cal: A.CalendarNode, sink: DiagnosticSink): void {
  const bad = (problem: string, range = cal.name.range) => sink.add('check/invalid-calendar', range, { problem });
  if (!cal.timezone) bad(`calendar ${cal.name.name} needs a timezone, such as timezone "Asia/Shanghai"`);
  else if (!validTimezone(cal.timezone.value)) bad(`'${cal.timezone.value}' is not a known time zone`, cal.timezone.range);
  if (!cal.works) bad(`calendar ${cal.name.name} needs working hours, such as works mon-fri 09:00 to 18:00`);
  else {
    for (const d of [cal.works.fromDay, cal.works.toDay]) {
      if (!WEEKDAYS.includes(d.name.toLowerCase())) bad(`'${d.name}' is not a weekday (mon, tue, wed, thu, fri, sat, sun)`, d.range);
    }
    const late = [cal.works.opens, cal.works.closes].filter((t) => parseClock(t.name) > DAY_MINUTES);
    for (const t of late) bad(`'${t.name}' is not a time of day (00:00 to 24:00)`, t.range);
    if (!late.length && parseClock(cal.works.opens.name) >= parseClock(cal.works.closes.name)) bad('the day must open before it closes', cal.works.opens.range);
  }
  for (const d of [...cal.holidays, ...cal.workdays]) {
    if (!validDate(d.value)) bad(`'${d.value}' is not a date (YYYY-MM-DD)`, d.range);
  }
}

const DAY_MINUTES = 24 * 60;

/** A real calendar date: `2026-02-30` is not one (Date.parse would roll it over to March). */
function validDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Converts a declared type to a TypeRef, reporting unknown type names. */
export function resolveType(t: A.TypeNode, sink: DiagnosticSink): TypeRef {
  switch (t.kind) {
    case 'NamedType':
      if ((SCALAR_TYPES as readonly string[]).includes(t.name)) return { t: t.name as (typeof SCALAR_TYPES)[number] };
      sink.add('check/unknown-type', t.range, { name: t.name, suggestion: didYouMean(t.name, SCALAR_TYPES) });
      return ANY;
    // Keys in sorted order, as all of the IR (lower.ts).
    case 'EnumType':
      return { t: 'enum', values: t.values };
    case 'ListType':
      return { of: resolveType(t.of, sink), t: 'list' };
    case 'MapType':
      return { of: resolveType(t.of, sink), t: 'map' };
    case 'RecordType':
      return { fields: resolveFields(t.fields, sink), t: 'record' };
    default:
      return assertNever(t);
  }
}

/** The annotations a field may carry: `@pii` anywhere; an operation's input adds `@template` and `@vars`. */
export const FIELD_ANNOTATIONS: ReadonlySet<string> = new Set(['pii']);

export function resolveFields(fields: A.FieldNode[], sink: DiagnosticSink, annotations = FIELD_ANNOTATIONS): Field[] {
  const seen = new Set<string>();
  return fields.map((f) => {
    if (seen.has(f.name.name)) sink.add('check/duplicate-field', f.name.range, { name: f.name.name });
    seen.add(f.name.name);
    for (const a of f.annotations) if (!annotations.has(a.name)) sink.add('check/unknown-annotation', a.range, { name: a.name, allowed: [...annotations] });
    return { name: f.name.name, optional: f.optional, pii: f.annotations.some((a) => a.name === 'pii'), type: resolveType(f.type, sink) };
  });
}
