/**
 * `owner input.firstContactOwner`: the input field that names who owns an instance. It becomes
 * the `Owner` search attribute, stored in plain text, so it is a text field of the input (a
 * path below `input`, each name looked up in its record's declared fields), never @pii, and
 * a process declares one at most.
 */
import type * as A from './ast.js';
import type { Field } from '../ir/schema.js';
import { describeType } from '../ir/types.js';
import { didYouMean, type DiagnosticSink } from './diagnostics.js';

export function checkOwner(owners: A.Name[][], input: Field[], sink: DiagnosticSink): void {
  for (const extra of owners.slice(1)) sink.add('check/repeated-owner', extra[0]!.range, {});
  const path = owners[0];
  if (!path) return;
  const [root, ...names] = path;
  if (root!.name !== 'input' || names.length === 0) {
    sink.add('check/owner-not-input', root!.range, { path: path.map((n) => n.name).join('.') });
    return;
  }
  let fields = input;
  // A path is as long as the declaration written out (the parser bounds the file); each step is one field down.
  for (const [i, n] of names.entries()) {
    const f = fields.find((x) => x.name === n.name);
    if (!f) {
      sink.add('check/unknown-owner-field', n.range, { name: n.name, suggestion: didYouMean(n.name, fields.map((x) => x.name)) });
      return;
    }
    if (f.pii) {
      sink.add('check/pii-owner', n.range, { name: n.name });
      return;
    }
    const last = i === names.length - 1;
    if (last && f.type.t !== 'string' && f.type.t !== 'enum') sink.add('check/owner-not-text', n.range, { name: n.name, actual: describeType(f.type) });
    if (!last) {
      if (f.type.t !== 'record') {
        sink.add('check/owner-not-text', n.range, { name: n.name, actual: describeType(f.type) });
        return;
      }
      fields = f.type.fields;
    }
  }
}
