/**
 * What the checker knows of the catalog: a call's activity and arguments (and, for an operation
 * that sends a message template, the template and its variables), and a message wait's channel
 * and correlation. Every name is looked up in the catalog's index (Maps), never in an object.
 */
import type * as A from './ast.js';
import type { Field, TypeRef } from '../ir/schema.js';
import { ANY, assignable, describeType, record } from '../ir/types.js';
import { didYouMean, type DiagnosticSink } from './diagnostics.js';
import { pathOf, type ExprChecker, type Missing, type Scope } from './check-expr.js';
import type { CatalogIndex, FoundOperation } from './catalog.js';

/** Where a call is checked: the sink and expression checker of the moment, and the scope of its step. */
export interface CallSite {
  sink: DiagnosticSink;
  exprs: ExprChecker;
  scope: Scope;
}

type RecordType = Extract<TypeRef, { t: 'record' }>;

/** Checks an activity call's name and arguments; returns its output type. */
export function checkInvocation(site: CallSite, catalog: CatalogIndex, inv: A.Invocation, unknownCode: 'check/unknown-activity' | 'check/unknown-compensation'): TypeRef {
  const found = catalog.operation(inv.activity.name);
  if (!found) {
    const names = catalog.operationNames();
    const system = inv.activity.name.split('.')[0]!;
    site.sink.add(unknownCode, inv.activity.range, {
      name: inv.activity.name,
      suggestion: didYouMean(inv.activity.name, names),
      system: catalog.system(system) ? system : undefined,
    });
    inv.args.forEach((a) => site.exprs.typeOf(a.value, site.scope));
    return ANY;
  }
  checkArgs(site, inv.activity.name, inv.activity.range, inv.args, found.operation.input);
  checkTemplate(site, catalog, found, inv.args);
  return found.operation.output;
}

/**
 * `wait reply = message email(from: input.email)`: the channel must be declared, and the
 * correlation must give exactly its `correlate` fields, each of its payload's type. Returns
 * the payload the wait binds.
 */
export function checkMessageWait(site: CallSite, catalog: CatalogIndex, name: A.Name, correlate: A.Arg[]): TypeRef {
  const found = catalog.channel(name.name);
  if (!found) {
    site.sink.add('check/unknown-channel', name.range, { name: name.name, suggestion: didYouMean(name.name, catalog.channelNames()) });
    correlate.forEach((a) => site.exprs.typeOf(a.value, site.scope));
    return ANY;
  }
  const { channel } = found;
  const keys = channel.correlate.map((n) => channel.payload.find((f) => f.name === n)).filter((f): f is Field => f !== undefined);
  // The values a message is matched on are always given: none of them is optional here.
  checkArgs(site, `channel ${channel.name}`, name.range, correlate, keys.map((f) => ({ ...f, optional: false })));
  return record(channel.payload);
}

/**
 * An operation whose input marks a `@template` field: a template id written out must be one of
 * its system's templates, and a vars record written out must give exactly its placeholders.
 */
function checkTemplate(site: CallSite, catalog: CatalogIndex, found: FoundOperation, args: A.Arg[]): void {
  const { templateField, varsField } = found.operation;
  if (templateField === undefined) return;
  const id = args.find((a) => a.name.name === templateField)?.value;
  if (id?.kind !== 'Literal' || typeof id.value !== 'string') return;
  const system = found.system.name;
  const template = catalog.template(system, id.value);
  if (!template) {
    site.sink.add('check/unknown-template', id.range, { id: id.value, system, suggestion: didYouMean(id.value, catalog.templateIds(system)) });
    return;
  }
  if (varsField === undefined) return;
  const vars = args.find((a) => a.name.name === varsField)?.value;
  if (vars !== undefined && vars.kind !== 'Record') return; // a value computed elsewhere: its type is checked, its names at run time
  const given = new Set((vars?.fields ?? []).map((f) => f.name.name));
  const missing = template.placeholders.filter((p) => !given.has(p));
  const extra = [...given].filter((g) => !template.placeholders.includes(g));
  if (missing.length || extra.length) site.sink.add('check/template-vars', vars?.range ?? id.range, { id: id.value, missing, extra });
}

/** Checks named arguments against parameters: unknown, duplicate, missing, mistyped, may be missing. */
export function checkArgs(site: CallSite, owner: string, range: A.Range, args: A.Arg[], params: Field[]): void {
  const { sink, exprs, scope } = site;
  const given = new Set<string>();
  for (const a of args) {
    const t = exprs.typeOf(a.value, scope);
    if (given.has(a.name.name)) sink.add('check/duplicate-argument', a.name.range, { name: a.name.name });
    given.add(a.name.name);
    const param = params.find((p) => p.name === a.name.name);
    if (!param) {
      const names = params.map((p) => p.name);
      sink.add('check/unknown-argument', a.name.range, { activity: owner, name: a.name.name, suggestion: didYouMean(a.name.name, names.filter((n) => !given.has(n))), expected: names });
      continue;
    }
    const missing = param.optional ? undefined : exprs.mayBeMissing(a.value, scope);
    if (param.type.t === 'map' && a.value.kind === 'Record' && t.t === 'record') {
      // Each value of a map written out, the caret on the one that does not fit.
      const of = param.type.of;
      a.value.fields.forEach((f, i) => {
        const ft = t.fields[i]?.type ?? ANY;
        if (!assignable(of, ft)) sink.add('check/argument-type', f.value.range, { activity: owner, name: `${a.name.name}.${f.name.name}`, expected: describeType(of), actual: describeType(ft) });
      });
    } else if (!assignable(param.type, t)) {
      sink.add('check/argument-type', a.value.range, { activity: owner, name: a.name.name, expected: describeType(param.type), actual: describeType(t) });
    } else if (missing !== undefined) {
      sink.add('check/may-be-missing', a.value.range, { activity: owner, name: a.name.name, ...missing });
    } else if (param.type.t === 'record' && !param.optional) {
      const report = (at: A.Range, field: string, m: Missing) => sink.add('check/may-be-missing', at, { activity: owner, name: field, ...m });
      requiredFieldsOf(report, exprs, a.name.name, a.value, t, param.type, scope);
    } else if (param.type.t === 'enum' && a.value.kind === 'Literal' && typeof a.value.value === 'string' && !param.type.values.includes(a.value.value)) {
      sink.add('check/argument-type', a.value.range, { activity: owner, name: a.name.name, expected: describeType(param.type), actual: JSON.stringify(a.value.value) });
    }
  }
  const missing = params.filter((p) => !p.optional && !given.has(p.name)).map((p) => p.name);
  if (missing.length) sink.add('check/missing-argument', range, { activity: owner, names: missing });
}

/**
 * The fields a record argument must have and may lack: a value written in it that may be
 * missing (`address: { street: input.street }`), or an optional field of a record given whole
 * (`address: input.address`, whose `street` is optional). `actual` is the value's type.
 */
function requiredFieldsOf(
  report: (at: A.Range, name: string, missing: Missing) => void,
  exprs: ExprChecker,
  label: string,
  value: A.Expr | { path: string; range: A.Range },
  actual: TypeRef,
  expected: RecordType,
  scope: Scope,
): void {
  for (const f of expected.fields) {
    if (f.optional) continue;
    const name = `${label}.${f.name}`;
    const got = actual.t === 'record' ? actual.fields.find((g) => g.name === f.name) : undefined;
    if (!got) continue; // a field not there at all is the type check's to report
    const inner = f.type.t === 'record' ? f.type : undefined;
    if ('kind' in value && value.kind === 'Record') {
      const given = value.fields.find((g) => g.name.name === f.name)!;
      const missing = exprs.mayBeMissing(given.value, scope);
      if (missing !== undefined) report(given.value.range, name, missing);
      else if (inner) {
        const path = pathOf(given.value);
        requiredFieldsOf(report, exprs, name, given.value.kind === 'Record' || path === undefined ? given.value : { path, range: given.value.range }, got.type, inner, scope);
      }
      continue;
    }
    const base = 'path' in value ? value.path : pathOf(value);
    if (base === undefined) continue;
    const path = `${base}.${f.name}`;
    if (got.optional && !scope.bound.isPresent(path)) report(value.range, name, { what: path, why: 'optional' });
    else if (inner) requiredFieldsOf(report, exprs, name, { path, range: value.range }, got.type, inner, scope);
  }
}
