/**
 * The expression evaluator: the IR's expressions, evaluated over plain JSON values. Never
 * `eval`, never `new Function`; member access reads own data properties of plain objects only
 * (no prototypes), and a record's field named `__proto__` is an own key like any other, so a
 * process cannot reach JavaScript objects. Time comes
 * from the caller (workflow time), so evaluation is deterministic.
 */
import type { Calendar, Expr } from '../ir/schema.js';
import { addBusinessTime } from '../ir/calendar.js';

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

export interface EvalContext {
  /** Variables in scope, innermost last. */
  lookup(name: string): Value | undefined;
  /** Workflow time, in ms since the epoch. */
  now(): number;
  calendars: readonly Calendar[];
}

/** A process-level error with a code an operator can search for. */
export class EvalError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EvalError';
  }
}

const isRecord = (v: Value | undefined): v is { [key: string]: Value } => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMoney = (v: Value | undefined): v is { fen: number; currency: string } =>
  isRecord(v) && typeof v.fen === 'number' && typeof v.currency === 'string' && Object.keys(v).length === 2;

function own(object: { [key: string]: Value }, key: string): Value | undefined {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/**
 * Sets a field as an own data property, whatever its name: `out['__proto__'] = v` would replace
 * the object's prototype instead (and the field would be gone from its keys and its JSON).
 */
function put(object: { [key: string]: Value }, key: string, value: Value): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

export function evaluate(e: Expr, ctx: EvalContext): Value {
  switch (e.k) {
    case 'lit':
      return e.value;
    case 'money':
      return { fen: e.fen, currency: e.currency };
    case 'duration':
      return e.ms;
    case 'bizDuration': {
      const cal = ctx.calendars.find((c) => c.name === e.calendar);
      if (!cal) throw new EvalError('runtime/unknown-calendar', `calendar '${e.calendar}' is not in this definition`);
      const now = ctx.now();
      return addBusinessTime(now, e.amount, e.unit, cal) - now;
    }
    case 'var': {
      const v = ctx.lookup(e.name);
      if (v === undefined) throw new EvalError('runtime/unbound', `'${e.name}' has no value here`);
      return v;
    }
    case 'member': {
      const object = evaluate(e.object, ctx);
      if (!isRecord(object)) return null;
      return own(object, e.property) ?? null;
    }
    case 'index': {
      const object = evaluate(e.object, ctx);
      const index = evaluate(e.index, ctx);
      if (Array.isArray(object) && typeof index === 'number') return object[index < 0 ? object.length + index : index] ?? null;
      if (isRecord(object) && typeof index === 'string') return own(object, index) ?? null;
      return null;
    }
    case 'list':
      return e.items.map((i) => evaluate(i, ctx));
    case 'record': {
      const out: { [key: string]: Value } = {};
      for (const f of e.fields) put(out, f.name, evaluate(f.value, ctx));
      return out;
    }
    case 'unary': {
      const v = evaluate(e.arg, ctx);
      if (e.op === 'not') return !truthy(v);
      if (typeof v === 'number') return -v;
      if (isMoney(v)) return { fen: -v.fen, currency: v.currency };
      throw new EvalError('runtime/type', `cannot negate ${show(v)}`);
    }
    case 'binary':
      return binary(e.op, e.left, e.right, ctx);
    case 'template':
      return e.parts.map((p) => (typeof p === 'string' ? p : text(evaluate(p, ctx)))).join('');
    case 'call':
      return call(e.fn, e.args.map((a) => evaluate(a, ctx)), ctx);
  }
}

export function truthy(v: Value): boolean {
  return v !== null && v !== false && v !== 0 && v !== '';
}

/** How a value reads in a text: money as ¥30.00, times as ISO strings. */
export function text(v: Value): string {
  if (v === null) return '';
  if (isMoney(v)) return `${v.currency === 'CNY' ? '¥' : `${v.currency} `}${(v.fen / 100).toFixed(2)}`;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function show(v: Value): string {
  return JSON.stringify(v)?.slice(0, 80) ?? String(v);
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]!));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => equal(a[k]!, own(b, k) ?? null));
  }
  return false;
}

const timeMs = (v: Value): number | undefined => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : undefined);

function compare(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (isMoney(a) && isMoney(b)) {
    // ¥1.00 < USD 2.00 has no answer without a rate: refused, as '+' refuses to add them.
    if (a.currency !== b.currency) throw new EvalError('runtime/currency', `cannot compare ${a.currency} with ${b.currency}`);
    return a.fen - b.fen;
  }
  const ta = timeMs(a);
  const tb = timeMs(b);
  if (ta !== undefined && tb !== undefined) return ta - tb;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new EvalError('runtime/type', `cannot compare ${show(a)} with ${show(b)}`);
}

function binary(op: Extract<Expr, { k: 'binary' }>['op'], le: Expr, re: Expr, ctx: EvalContext): Value {
  if (op === 'and') return truthy(evaluate(le, ctx)) && truthy(evaluate(re, ctx));
  if (op === 'or') return truthy(evaluate(le, ctx)) || truthy(evaluate(re, ctx));
  const a = evaluate(le, ctx);
  const b = evaluate(re, ctx);
  switch (op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '<':
      return compare(a, b) < 0;
    case '<=':
      return compare(a, b) <= 0;
    case '>':
      return compare(a, b) > 0;
    case '>=':
      return compare(a, b) >= 0;
    case 'in':
      if (Array.isArray(b)) return b.some((x) => equal(x, a));
      if (typeof b === 'string') return b.includes(text(a));
      throw new EvalError('runtime/type', `'in' needs a list or a text on its right, not ${show(b)}`);
    default:
      return arithmetic(op, a, b);
  }
}

function arithmetic(op: '+' | '-' | '*' | '/' | '%', a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') {
    if ((op === '/' || op === '%') && b === 0) throw new EvalError('runtime/division-by-zero', 'division by zero');
    return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
  }
  if (isMoney(a) && isMoney(b) && (op === '+' || op === '-')) {
    if (a.currency !== b.currency) throw new EvalError('runtime/currency', `cannot combine ${a.currency} with ${b.currency}`);
    return { fen: op === '+' ? a.fen + b.fen : a.fen - b.fen, currency: a.currency };
  }
  // Money times or over a number stays whole fen (rounded half away from zero).
  if (isMoney(a) && typeof b === 'number' && (op === '*' || op === '/')) {
    if (op === '/' && b === 0) throw new EvalError('runtime/division-by-zero', 'division by zero');
    const fen = op === '*' ? a.fen * b : a.fen / b;
    return { fen: Math.sign(fen) * Math.round(Math.abs(fen)), currency: a.currency };
  }
  if (typeof a === 'number' && isMoney(b) && op === '*') return arithmetic('*', b, a);
  const ta = timeMs(a);
  if (ta !== undefined && typeof b === 'number' && (op === '+' || op === '-')) return new Date(op === '+' ? ta + b : ta - b).toISOString();
  const tb = timeMs(b);
  if (typeof a === 'number' && tb !== undefined && op === '+') return new Date(tb + a).toISOString();
  if (ta !== undefined && tb !== undefined && op === '-') return ta - tb;
  // After time arithmetic: a time is an ISO string, and time + duration is a time, not a text.
  if (op === '+' && (typeof a === 'string' || typeof b === 'string')) return text(a) + text(b);
  throw new EvalError('runtime/type', `cannot compute ${show(a)} ${op} ${show(b)}`);
}

function call(fn: string, args: Value[], ctx: EvalContext): Value {
  const [a, b] = args;
  switch (fn) {
    case 'now':
      return new Date(ctx.now()).toISOString();
    case 'len':
      return typeof a === 'string' || Array.isArray(a) ? a.length : 0;
    case 'upper':
      return text(a ?? null).toUpperCase();
    case 'lower':
      return text(a ?? null).toLowerCase();
    case 'trim':
      return text(a ?? null).trim();
    case 'contains':
      return Array.isArray(a) ? a.some((x) => equal(x, b ?? null)) : text(a ?? null).includes(text(b ?? null));
    case 'startsWith':
      return text(a ?? null).startsWith(text(b ?? null));
    case 'min':
    case 'max':
      return args.reduce((best, v) => (best === null || (fn === 'min' ? compare(v, best) < 0 : compare(v, best) > 0) ? v : best), null as Value);
    case 'abs':
      return typeof a === 'number' ? Math.abs(a) : isMoney(a) ? { fen: Math.abs(a.fen), currency: a.currency } : null;
    case 'round':
      return typeof a === 'number' ? Math.round(a) : null;
    case 'coalesce':
      return args.find((v) => v !== null) ?? null;
    case 'hours':
      return typeof a === 'number' ? a * 3_600_000 : null;
    case 'days':
      return typeof a === 'number' ? a * 86_400_000 : null;
    case 'date': {
      const t = timeMs(a ?? null);
      return t === undefined ? null : new Date(t).toISOString().slice(0, 10);
    }
    case 'text':
      return text(a ?? null);
    default:
      throw new EvalError('runtime/unknown-function', `there is no function '${fn}'`);
  }
}
