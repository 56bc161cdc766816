/**
 * Visibility queries without string-built syntax: every name is checked against the grammar of a
 * name, every value against what a search-attribute value may hold, and only then quoted, so no
 * value a caller gives (a business key, a phone number, a process name) can become part of the
 * query. Anything else is an InvalidQueryError before the query is sent.
 *
 * Temporal's list filter is a SQL-like language whose string literals are single-quoted with
 * backslash escapes. What the server does with a literal then limits what can be searched for:
 * - it strips every leading and trailing quote of a literal (temporalio/temporal#12019), so a
 *   value that starts or ends with `'` would match another value;
 * - the dev server's SQLite visibility matches keyword lists through an FTS5 phrase built from
 *   the value as it is, re-escaped MySQL-style: measured on the CLI's dev server, a value with a
 *   `\` is never found, and one with a `"` fails the query with an FTS5 syntax error.
 * Such values are refused rather than answered wrongly, and the engine checks every row it
 * lists against the exact value before it trusts it (see engine.ts).
 */
import { InvalidQueryError } from './errors.js';

/** Temporal's default limit on one search-attribute value (`limit.searchAttributeSize`, bytes). */
export const SEARCH_ATTRIBUTE_VALUE_LIMIT = 2048;

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
// C0 and C1 controls, DEL, and lone surrogates cannot be stored as keywords faithfully.
export const UNSEARCHABLE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/** A name (a field, a channel, a process): letters, digits and `_`, not starting with a digit. */
export function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new InvalidQueryError(what, `${JSON.stringify(name)} is not a name (letters, digits and _, not starting with a digit)`);
  return name;
}

/** `value`, which must be a text. */
export function textOf(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new InvalidQueryError(what, 'must be a text');
  return value;
}

/** A value that can be searched for exactly, as one keyword. */
export function checkValue(input: unknown, what: string): string {
  const value = textOf(input, what);
  if (value.length === 0) throw new InvalidQueryError(what, 'must not be empty');
  if (UNSEARCHABLE.test(value)) throw new InvalidQueryError(what, 'must not contain control characters or unpaired surrogates');
  if (value.startsWith("'") || value.endsWith("'")) throw new InvalidQueryError(what, "must not start or end with ' (Temporal's query parser drops such quotes)");
  if (/["\\]/.test(value)) throw new InvalidQueryError(what, 'must not contain " or \\ (Temporal\'s SQLite visibility cannot match them)');
  if (Buffer.byteLength(value, 'utf8') > SEARCH_ATTRIBUTE_VALUE_LIMIT) throw new InvalidQueryError(what, `is longer than ${SEARCH_ATTRIBUTE_VALUE_LIMIT} bytes, the most a search attribute holds`);
  return value;
}

/** `'…'`, for a value that passed checkValue: backslashes and quotes escaped. */
export function quote(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** `Attribute = '<value>'`, checked. */
export function equals(attribute: string, value: unknown, what: string): string {
  return `${checkName(attribute, 'search attribute')} = ${quote(checkValue(value, what))}`;
}

const STATUSES = new Map([
  ['Running', 'Running'],
  ['Completed', 'Completed'],
  ['Failed', 'Failed'],
  ['Canceled', 'Canceled'],
  ['Terminated', 'Terminated'],
  ['TimedOut', 'TimedOut'],
  ['ContinuedAsNew', 'ContinuedAsNew'],
]);

/** An execution status as the list filter spells it. */
export function checkStatus(status: unknown): string {
  const found = typeof status === 'string' ? STATUSES.get(status) : undefined;
  if (!found) throw new InvalidQueryError('status', `${JSON.stringify(status)} is not one of ${[...STATUSES.keys()].join(', ')}`);
  return found;
}

/** The business keys (`field=value`) that could not be searched for, as input problems. */
export function unsearchableKeys(index: string[], keys: string[]): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  for (const kv of keys) {
    const field = index.find((f) => kv.startsWith(`${f}=`)) ?? kv;
    try {
      checkValue(kv, field);
    } catch (err) {
      if (!(err instanceof InvalidQueryError)) throw err;
      out.push({ path: field, message: `is indexed, and ${err.message.slice(err.message.indexOf(': ') + 2)}, so it could never be searched for` });
    }
  }
  return out;
}
