/**
 * Expression checking: names, fields, functions and operator types, where knowable.
 * Returns the expression's type (`any` when it cannot be known) and reports what is wrong.
 */
import type * as A from './ast.js';
import { assertNever } from './ast.js';
import type { TypeRef } from '../ir/schema.js';
import { ANY, BOOL, describeType, DURATION, fieldOf, INT, MONEY, NUMBER, STRING, TIME } from '../ir/types.js';
import { functionSpec, FUNCTION_NAMES } from '../ir/functions.js';
import { didYouMean, type DiagnosticSink } from './diagnostics.js';

/** The names bound at a point, and what is known of whether their values are there. */
export interface BoundNames {
  get(name: string): TypeRef | undefined;
  keys(): Iterable<string>;
  /** Whether a path (`input.note`) is known not to be null here (it was tested `!= null`). */
  isPresent(path: string): boolean;
  /** Whether a name was bound to what may be null (`set v = input.note`). */
  mayHoldNull(name: string): boolean;
}

/** Whether `name` holds a value here: it was bound to one, or tested `!= null`. */
export function presentIn(bound: BoundNames, name: string): boolean {
  return !bound.mayHoldNull(name) || bound.isPresent(name);
}

/**
 * What may be missing where a value is required (check/may-be-missing): `what`, as the owner
 * wrote it, and `why`: it is null, an optional field, a variable set to what may be missing,
 * or a coalesce whose every choice may be.
 */
export interface Missing {
  what: string;
  why: 'null' | 'optional' | 'variable' | 'coalesce';
}

/** What names mean at a point of the process. */
export interface Scope {
  /** Names definitely bound here, with their types. */
  bound: BoundNames;
  /** Every name bound anywhere in the process, loop items aside (to tell "undefined" from "not yet"). */
  everywhere: Set<string>;
  /** True when the process names a calendar (business durations allowed). */
  hasCalendar: boolean;
}

const isNum = (t: TypeRef) => t.t === 'int' || t.t === 'number';

/** Operators that need amounts of one currency (at run time, runtime/currency). */
const COMBINES_MONEY = new Set(['+', '-', '<', '<=', '>', '>=']);

/** The currency of an amount written out (`¥30`, `-2.00 USD`); undefined where it is known only at run time. */
function currencyOf(e: A.Expr): string | undefined {
  if (e.kind === 'Money') return e.currency;
  if (e.kind === 'Unary' && e.op === '-') return currencyOf(e.arg);
  return undefined;
}
const known = (t: TypeRef) => t.t !== 'any';

export class ExprChecker {
  constructor(private readonly sink: DiagnosticSink) {}

  typeOf(e: A.Expr, scope: Scope): TypeRef {
    switch (e.kind) {
      case 'Literal':
        if (typeof e.value === 'string') return STRING;
        if (typeof e.value === 'number') return Number.isInteger(e.value) ? INT : NUMBER;
        if (typeof e.value === 'boolean') return BOOL;
        return ANY;
      case 'Money':
        return MONEY;
      case 'Duration':
        return DURATION;
      case 'BizDuration':
        if (!scope.hasCalendar) this.sink.add('check/no-calendar', e.range, {});
        return DURATION;
      case 'Name':
        return this.name(e, scope);
      case 'Member': {
        const object = this.typeOf(e.object, scope);
        const t = fieldOf(object, e.property.name);
        if (t) return t;
        if (object.t === 'record') {
          const fields = object.fields.map((f) => f.name);
          this.sink.add('check/unknown-field', e.property.range, {
            name: e.property.name,
            of: describeOwner(e.object),
            suggestion: didYouMean(e.property.name, fields),
            fields,
          });
        } else {
          this.sink.add('check/type-mismatch', e.property.range, { expected: 'a record', actual: describeType(object), where: `'${describeOwner(e.object)}' before '.${e.property.name}'` });
        }
        return ANY;
      }
      case 'Index': {
        const object = this.typeOf(e.object, scope);
        const index = this.typeOf(e.index, scope);
        if (e.index.kind === 'Literal' && e.index.value === '__proto__') this.sink.add('check/reserved-name', e.index.range, { name: e.index.value });
        if (known(index) && !isNum(index) && index.t !== 'string') this.mismatch(e.index, 'a number or a text', index, 'an index');
        return object.t === 'list' ? object.of : ANY;
      }
      case 'List': {
        const items = e.items.map((i) => this.typeOf(i, scope));
        const first = items.find(known);
        if (!first || !items.every((t) => !known(t) || t.t === first.t)) return { t: 'list', of: ANY };
        // Records: a field is optional in the list's items if it is in any of them.
        return { t: 'list', of: items.reduce<TypeRef>((of, t) => withOptionalFrom(of, t, true), first) };
      }
      case 'Record':
        return {
          t: 'record',
          // A field whose value may be missing is an optional field of the record.
          fields: e.fields.map((f) => ({ name: f.name.name, type: this.typeOf(f.value, scope), optional: this.mayBeMissing(f.value, scope) !== undefined, pii: false })),
        };
      case 'Unary': {
        const arg = this.typeOf(e.arg, scope);
        if (e.op === 'not') {
          if (known(arg) && arg.t !== 'bool') this.mismatch(e.arg, 'true or false', arg, "what follows 'not'");
          return BOOL;
        }
        if (known(arg) && !isNum(arg) && arg.t !== 'money' && arg.t !== 'duration') this.mismatch(e.arg, 'a number', arg, "what follows '-'");
        return arg;
      }
      case 'Binary':
        return this.binary(e, scope);
      case 'Template':
        for (const p of e.parts) if (typeof p !== 'string') this.typeOf(p, scope);
        return STRING;
      case 'Call':
        return this.call(e, scope);
      default:
        return assertNever(e);
    }
  }

  private name(e: Extract<A.Expr, { kind: 'Name' }>, scope: Scope): TypeRef {
    const t = scope.bound.get(e.name);
    if (t) return t;
    if (scope.everywhere.has(e.name)) {
      this.sink.add('check/use-before-assignment', e.range, { name: e.name });
    } else {
      this.sink.add('check/undefined-variable', e.range, { name: e.name, suggestion: didYouMean(e.name, [...scope.bound.keys()]) });
    }
    return ANY;
  }

  private call(e: Extract<A.Expr, { kind: 'Call' }>, scope: Scope): TypeRef {
    const args = e.args.map((a) => this.typeOf(a, scope));
    const spec = functionSpec(e.fn.name);
    if (!spec) {
      this.sink.add('check/unknown-function', e.fn.range, { name: e.fn.name, suggestion: didYouMean(e.fn.name, FUNCTION_NAMES), known: FUNCTION_NAMES });
      return ANY;
    }
    if (e.fn.name === 'min' || e.fn.name === 'max') {
      const currencies = [...new Set(e.args.map(currencyOf).filter((c) => c !== undefined))];
      if (currencies.length > 1) this.sink.add('check/currency-mismatch', e.range, { op: `${e.fn.name}()`, left: currencies[0]!, right: currencies[1]! });
    }
    const [lo, hi] = spec.arity;
    if (args.length < lo || args.length > hi) {
      this.sink.add('check/function-arity', e.range, { name: e.fn.name, expected: lo === hi ? String(lo) : `${lo} to ${hi}`, actual: args.length });
      return spec.result(args);
    }
    args.forEach((t, i) => {
      const want = spec.params[Math.min(i, spec.params.length - 1)] ?? ANY;
      if (known(want) && known(t) && !(want.t === 'number' ? isNum(t) : want.t === t.t || (want.t === 'string' && t.t === 'enum'))) {
        this.mismatch(e.args[i]!, describeType(want), t, `argument ${i + 1} of ${e.fn.name}()`);
      }
    });
    return spec.result(args);
  }

  private binary(e: Extract<A.Expr, { kind: 'Binary' }>, scope: Scope): TypeRef {
    const l = this.typeOf(e.left, scope);
    const r = this.typeOf(e.right, scope);
    const both = known(l) && known(r);
    if (COMBINES_MONEY.has(e.op)) {
      const [cl, cr] = [currencyOf(e.left), currencyOf(e.right)];
      if (cl !== undefined && cr !== undefined && cl !== cr) {
        this.sink.add('check/currency-mismatch', e.range, { op: e.op, left: cl, right: cr });
        return e.op === '+' || e.op === '-' ? ANY : BOOL;
      }
    }
    switch (e.op) {
      case 'and':
      case 'or':
        if (known(l) && l.t !== 'bool') this.mismatch(e.left, 'true or false', l, `each side of '${e.op}'`);
        if (known(r) && r.t !== 'bool') this.mismatch(e.right, 'true or false', r, `each side of '${e.op}'`);
        return BOOL;
      case '==':
      case '!=':
        return BOOL;
      case '<':
      case '<=':
      case '>':
      case '>=':
        if (both && !(isNum(l) && isNum(r)) && l.t !== r.t) this.mismatch(e.right, describeType(l), r, `the right side of '${e.op}'`);
        return BOOL;
      case 'in':
        if (known(r) && r.t !== 'list' && r.t !== 'string') this.mismatch(e.right, 'a list or a text', r, "the right side of 'in'");
        return BOOL;
      case '+':
        if (l.t === 'string' || r.t === 'string') return STRING;
        return this.arith(e, l, r, [
          [isNum, isNum, (a, b) => (a.t === 'int' && b.t === 'int' ? INT : NUMBER)],
          [(a) => a.t === 'money', (b) => b.t === 'money', () => MONEY],
          [(a) => a.t === 'duration', (b) => b.t === 'duration', () => DURATION],
          [(a) => a.t === 'time', (b) => b.t === 'duration', () => TIME],
          [(a) => a.t === 'duration', (b) => b.t === 'time', () => TIME],
        ]);
      case '-':
        return this.arith(e, l, r, [
          [isNum, isNum, (a, b) => (a.t === 'int' && b.t === 'int' ? INT : NUMBER)],
          [(a) => a.t === 'money', (b) => b.t === 'money', () => MONEY],
          [(a) => a.t === 'duration', (b) => b.t === 'duration', () => DURATION],
          [(a) => a.t === 'time', (b) => b.t === 'duration', () => TIME],
          [(a) => a.t === 'time', (b) => b.t === 'time', () => DURATION],
        ]);
      case '*':
        return this.arith(e, l, r, [
          [isNum, isNum, (a, b) => (a.t === 'int' && b.t === 'int' ? INT : NUMBER)],
          [(a) => a.t === 'money', isNum, () => MONEY],
          [isNum, (b) => b.t === 'money', () => MONEY],
          [(a) => a.t === 'duration', isNum, () => DURATION],
          [isNum, (b) => b.t === 'duration', () => DURATION],
        ]);
      case '/':
      case '%':
        return this.arith(e, l, r, [
          [isNum, isNum, () => NUMBER],
          [(a) => a.t === 'money', isNum, () => MONEY],
          [(a) => a.t === 'duration', isNum, () => DURATION],
        ]);
      default:
        return assertNever(e.op);
    }
  }

  private arith(
    e: Extract<A.Expr, { kind: 'Binary' }>,
    l: TypeRef,
    r: TypeRef,
    rules: Array<[(t: TypeRef) => boolean, (t: TypeRef) => boolean, (a: TypeRef, b: TypeRef) => TypeRef]>,
  ): TypeRef {
    if (!known(l) || !known(r)) return known(l) && (l.t === 'money' || l.t === 'duration' || l.t === 'time') ? l : ANY;
    for (const [okL, okR, result] of rules) if (okL(l) && okR(r)) return result(l, r);
    this.sink.add('check/type-mismatch', e.range, {
      expected: `values that '${e.op}' can combine`,
      actual: `${describeType(l)} ${e.op} ${describeType(r)}`,
      where: `'${e.op}'`,
    });
    return ANY;
  }

  /**
   * What may make `e` null where a value is required: an optional field (`input.note`, or
   * `input.address.district`) not tested `!= null` on the way here, `null` itself, a variable
   * set to what may be, or a `coalesce` whose every choice may be. Undefined when `e` has a
   * value (as far as can be known: other values are not reported).
   */
  mayBeMissing(e: A.Expr, scope: Scope): Missing | undefined {
    switch (e.kind) {
      case 'Literal':
        return e.value === null ? { what: 'null', why: 'null' } : undefined;
      case 'Name':
        return presentIn(scope.bound, e.name) ? undefined : { what: e.name, why: 'variable' };
      case 'Member':
        return this.optionalOnTheWay(e, scope);
      case 'Call': {
        if (e.fn.name !== 'coalesce' || !e.args.length) return undefined;
        const key = pathOf(e);
        if (key !== undefined && scope.bound.isPresent(key)) return undefined;
        return e.args.every((a) => this.mayBeMissing(a, scope)) ? { what: key ?? 'coalesce(…)', why: 'coalesce' } : undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * The first optional field on the way from a name to `e` (`a.b.c`, `a.items[0].c`) not known
   * present here, or the name itself when it may hold null (a field of null is null).
   */
  private optionalOnTheWay(e: Extract<A.Expr, { kind: 'Member' }>, scope: Scope): Missing | undefined {
    let x: A.Expr = e;
    while (x.kind === 'Member' || x.kind === 'Index') x = x.object;
    if (x.kind !== 'Name') return undefined;
    if (!presentIn(scope.bound, x.name)) return { what: x.name, why: 'variable' };
    let type = scope.bound.get(x.name);
    if (!type || !hasOptional(type)) return undefined; // most values: nothing on the way may be missing
    const chain: Array<Extract<A.Expr, { kind: 'Member' | 'Index' }>> = [];
    for (let y: A.Expr = e; y.kind === 'Member' || y.kind === 'Index'; y = y.object) chain.push(y);
    for (let i = chain.length - 1; i >= 0; i--) {
      const step = chain[i]!;
      if (step.kind === 'Index') {
        type = type?.t === 'list' ? type.of : undefined;
        continue;
      }
      const name = step.property.name;
      const f = type?.t === 'record' ? type.fields.find((g) => g.name === name) : undefined;
      if (!f) return undefined;
      if (f.optional) {
        const path = pathOf(step);
        if (path === undefined || !scope.bound.isPresent(path)) return { what: describeOwner(step), why: 'optional' };
      }
      type = f.type;
    }
    return undefined;
  }

  mismatch(e: A.Expr, expected: string, actual: TypeRef, where: string): void {
    this.sink.add('check/type-mismatch', e.range, { expected, actual: describeType(actual), where });
  }
}

/** A value as the owner wrote it, for a message: `input.items[0].id` (`[…]` for an index that is not a literal). */
function describeOwner(e: A.Expr): string {
  if (e.kind === 'Name') return e.name;
  if (e.kind === 'Member') return `${describeOwner(e.object)}.${e.property.name}`;
  if (e.kind === 'Index') return `${describeOwner(e.object)}[${e.index.kind === 'Literal' ? JSON.stringify(e.index.value) : '…'}]`;
  return 'this value';
}

/**
 * A value written so that a condition can speak of it: a name and its fields (`input.note`,
 * `reply.chargeId`), or a `coalesce` of such (`coalesce(reply.chargeId, input.relatedId)`).
 * Anything else has no path.
 */
export function pathOf(e: A.Expr): string | undefined {
  if (e.kind === 'Name') return e.name;
  if (e.kind === 'Member') {
    const object = pathOf(e.object);
    return object === undefined ? undefined : `${object}.${e.property.name}`;
  }
  if (e.kind === 'Index' && e.index.kind === 'Literal' && (typeof e.index.value === 'number' || typeof e.index.value === 'string')) {
    const object = pathOf(e.object);
    return object === undefined ? undefined : `${object}[${JSON.stringify(e.index.value)}]`;
  }
  if (e.kind === 'Call' && e.fn.name === 'coalesce') {
    const args = e.args.map(pathOf);
    return args.every((a) => a !== undefined) ? `coalesce(${args.join(', ')})` : undefined;
  }
  return undefined;
}

/**
 * `kept` (a variable's type), with each record field optional as it is in `given`: optional
 * there, or not there at all (a field of it is null). `either`: optional in `kept` or in
 * `given`, for a value that may have come either way; else as in `given` alone, for a variable
 * set anew. `kept` itself when nothing changes.
 */
export function withOptionalFrom(kept: TypeRef, given: TypeRef | undefined, either = false): TypeRef {
  if (kept.t !== 'record' || given?.t !== 'record' || !kept.fields.length || !given.fields.length) return kept;
  let changed = false;
  const fields = kept.fields.map((f) => {
    const g = given.fields.find((x) => x.name === f.name);
    const optional = (either && f.optional) || !g || g.optional;
    const type = g ? withOptionalFrom(f.type, g.type, either) : f.type;
    if (optional === f.optional && type === f.type) return f;
    changed = true;
    return { ...f, optional, type };
  });
  return changed ? { t: 'record', fields } : kept;
}

const optionalWithin = new WeakMap<TypeRef, boolean>();
/** Whether a type has an optional field anywhere inside (remembered per type object). */
function hasOptional(type: TypeRef): boolean {
  if (type.t !== 'record' && type.t !== 'list') return false;
  let known = optionalWithin.get(type);
  if (known === undefined) {
    known = type.t === 'list' ? hasOptional(type.of) : type.fields.some((f) => f.optional || hasOptional(f.type));
    optionalWithin.set(type, known);
  }
  return known;
}
