/**
 * System declarations become catalog entries (catalog.ts), checked as processes are: every
 * problem is a positioned diagnostic in the file that declares it. Names are compared through
 * Maps and Sets, never plain objects.
 */
import type * as A from './ast.js';
import type { Field, RetryPolicy, TypeRef } from '../ir/schema.js';
import { record } from '../ir/types.js';
import { didYouMean, type DiagnosticSink } from './diagnostics.js';
import { resolveFields } from './check-types.js';
import type { Parsed } from './parse.js';
import type { CatalogIndex, ChannelSpec, OperationSpec, SystemSpec, TemplateSpec } from './catalog.js';

/** Defaults of an operation that declares no `timeout` or `retry`. */
export const DEFAULT_START_TO_CLOSE_MS = 10_000;
export const DEFAULT_RETRY: Readonly<Required<Omit<RetryPolicy, 'nonRetryableErrorTypes'>>> = Object.freeze({
  maximumAttempts: 10,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 60_000,
});

/** What an operation's input may be annotated with, beyond @pii. */
const INPUT_ANNOTATIONS: ReadonlySet<string> = new Set(['pii', 'template', 'vars']);
/** `crm/customer-not-found`: the system, a slash, and what went wrong, in kebab-case. */
const ERROR_CODE = /^[a-z][a-z0-9-]*\/[a-z0-9][a-z0-9.-]*$/;
const MAX_CODE_LENGTH = 200;
/** The IR's bound on a task queue's name (ActivityInvocation.taskQueue). */
const MAX_QUEUE_LENGTH = 200;
const SYSTEM_NAME = /^[a-z][A-Za-z0-9]*$/;

/**
 * The systems declared in the parsed files, in order, checked against each other and against
 * `given` (the catalog they join). Diagnostics go to each file's sink.
 */
export function declareSystems(parsed: readonly Parsed[], given: CatalogIndex): SystemSpec[] {
  const out: SystemSpec[] = [];
  const systemsIn = new Map<string, string>();
  const channelsIn = new Map<string, string>();
  for (const p of parsed) {
    for (const s of p.ast?.systems ?? []) {
      const spec = declareSystem(s, p.sink);
      const name = s.name.name;
      const earlier = systemsIn.get(name);
      if (given.system(name)) p.sink.add('check/duplicate-system', s.name.range, { name });
      else if (earlier !== undefined) p.sink.add('check/duplicate-system', s.name.range, { name, file: earlier });
      else systemsIn.set(name, p.source.file);
      // A channel twice in one system is declareSystem's to report; here, one declared by another system.
      const own = new Set<string>();
      for (const c of s.channels) {
        if (own.has(c.name.name)) continue;
        own.add(c.name.name);
        const other = given.channel(c.name.name)?.system.name ?? channelsIn.get(c.name.name);
        if (other !== undefined) p.sink.add('check/duplicate-channel', c.name.range, { name: c.name.name, system: other });
        else channelsIn.set(c.name.name, name);
      }
      if (earlier === undefined && !given.system(name)) out.push(spec);
    }
  }
  return out;
}

function declareSystem(s: A.SystemNode, sink: DiagnosticSink): SystemSpec {
  const name = s.name.name;
  if (!SYSTEM_NAME.test(name)) sink.add('check/invalid-system-name', s.name.range, { name });
  const [queue, ...moreQueues] = s.queues;
  for (const q of moreQueues) sink.add('check/repeated-declaration', q.range, { owner: `system ${name}`, clause: 'queue' });
  if (queue) checkQueue(queue, sink);

  const operations: OperationSpec[] = [];
  const opNames = new Set<string>();
  for (const op of s.operations) {
    if (opNames.has(op.name.name)) sink.add('check/duplicate-operation', op.name.range, { system: name, name: op.name.name });
    else operations.push(declareOperation(name, op, sink));
    opNames.add(op.name.name);
  }

  const channels: ChannelSpec[] = [];
  const channelNames = new Set<string>();
  for (const c of s.channels) {
    const spec = declareChannel(c, sink);
    // Two channels of one name in one system: the second is the duplicate (across systems: declareSystems).
    if (channelNames.has(c.name.name)) sink.add('check/duplicate-channel', c.name.range, { name: c.name.name, system: name });
    else channels.push(spec);
    channelNames.add(c.name.name);
  }

  const templates: TemplateSpec[] = [];
  const ids = new Set<string>();
  for (const t of s.templates) {
    if (ids.has(t.id.value)) sink.add('check/duplicate-template', t.id.range, { id: t.id.value });
    ids.add(t.id.value);
    const placeholders = new Set<string>();
    for (const ph of t.placeholders) {
      if (placeholders.has(ph.name)) sink.add('check/duplicate-field', ph.range, { name: ph.name });
      placeholders.add(ph.name);
    }
    templates.push({ id: t.id.value, placeholders: [...placeholders] });
  }

  return {
    name,
    ...(s.description !== undefined && { description: s.description }),
    ...(queue && { taskQueue: queue.value }),
    operations,
    channels,
    ...(templates.length && { templates }),
  };
}

function checkQueue(q: { value: string; range: A.Range }, sink: DiagnosticSink): void {
  const problem =
    q.value.trim() === ''
      ? 'it is empty'
      : q.value.length > MAX_QUEUE_LENGTH
        ? `it is longer than ${MAX_QUEUE_LENGTH} characters`
        : /[\s\u0000-\u001f\u007f]/.test(q.value)
          ? 'it contains a space or a control character'
          : undefined;
  if (problem) sink.add('check/invalid-queue', q.range, { problem });
}

function declareOperation(system: string, op: A.OperationNode, sink: DiagnosticSink): OperationSpec {
  const full = `${system}.${op.name.name}`;
  const once = <T>(items: T[], clause: string, rangeOf: (x: T) => A.Range): T | undefined => {
    for (const extra of items.slice(1)) sink.add('check/repeated-declaration', rangeOf(extra), { owner: `operation ${full}`, clause });
    return items[0];
  };
  const inputNodes = once(op.inputs, 'input', (f) => f[0]?.range ?? op.name.range) ?? [];
  const outputNodes = once(op.outputs, 'output', (f) => f[0]?.range ?? op.name.range) ?? [];
  const timeout = once(op.timeouts, 'timeout', (t) => t.range);
  const retry = once(op.retries, 'retry', (r) => r.range);

  const input = resolveFields(inputNodes, sink, INPUT_ANNOTATIONS);
  const marks = templateMarks(inputNodes, input, sink);
  const output: TypeRef = record(resolveFields(outputNodes, sink));
  if (timeout && timeout.ms <= 0) sink.add('check/invalid-timeout', timeout.range, { operation: full });

  const errors: OperationSpec['errors'] = [];
  const codes = new Set<string>();
  for (const e of op.errors) {
    if (e.code.length > MAX_CODE_LENGTH) sink.add('check/invalid-error-code', e.range, { code: `${e.code.slice(0, 40)}…`, problem: `is longer than ${MAX_CODE_LENGTH} characters` });
    else if (!ERROR_CODE.test(e.code)) sink.add('check/invalid-error-code', e.range, { code: e.code, problem: 'is not of the form system/what-went-wrong' });
    else if (codes.has(e.code)) sink.add('check/invalid-error-code', e.range, { code: e.code, problem: 'is given twice' });
    codes.add(e.code);
    errors.push({ code: e.code, description: e.description });
  }

  return {
    name: op.name.name,
    ...(op.description !== undefined && { description: op.description }),
    input,
    output,
    startToCloseMs: timeout && timeout.ms > 0 ? timeout.ms : DEFAULT_START_TO_CLOSE_MS,
    retry: retry ? retryPolicy(retry, sink) : { ...DEFAULT_RETRY },
    errors,
    ...marks,
  };
}

/** The retry clause of an operation as a policy: what it does not say, from the defaults. */
function retryPolicy(r: A.RetryNode, sink: DiagnosticSink): RetryPolicy {
  const bad = (problem: string) => sink.add('check/invalid-retry', r.range, { problem });
  if (r.attempts < 1) bad('at least 1 attempt');
  if (r.backoff !== undefined && r.backoff < 1) bad('backoff must be 1 or more');
  if (r.everyMs === 0 || r.upToMs === 0) bad('an interval must be more than 0');
  return {
    backoffCoefficient: r.backoff ?? DEFAULT_RETRY.backoffCoefficient,
    initialIntervalMs: r.everyMs || DEFAULT_RETRY.initialIntervalMs,
    maximumAttempts: Math.max(1, r.attempts),
    maximumIntervalMs: r.upToMs || DEFAULT_RETRY.maximumIntervalMs,
    ...(r.unless.length && { nonRetryableErrorTypes: r.unless }),
  };
}

/** `@template` on a text field, `@vars` on a map or record field: at most one of each. */
function templateMarks(nodes: A.FieldNode[], fields: Field[], sink: DiagnosticSink): { templateField?: string; varsField?: string } {
  const marks: { templateField?: string; varsField?: string } = {};
  nodes.forEach((node, i) => {
    for (const a of node.annotations) {
      const type = fields[i]!.type.t;
      if (a.name === 'template') {
        if (marks.templateField !== undefined) sink.add('check/misplaced-annotation', a.range, { name: a.name, problem: 'marks one field of an input; another is marked already' });
        else if (type !== 'string') sink.add('check/misplaced-annotation', a.range, { name: a.name, problem: 'marks a field of type string (the template id)' });
        else marks.templateField = node.name.name;
      } else if (a.name === 'vars') {
        if (marks.varsField !== undefined) sink.add('check/misplaced-annotation', a.range, { name: a.name, problem: 'marks one field of an input; another is marked already' });
        else if (type !== 'map' && type !== 'record') sink.add('check/misplaced-annotation', a.range, { name: a.name, problem: "marks a field of type 'map of T' or a record (the placeholders' values)" });
        else marks.varsField = node.name.name;
      }
    }
  });
  if (marks.varsField !== undefined && marks.templateField === undefined) {
    const node = nodes.find((n) => n.name.name === marks.varsField)!;
    sink.add('check/misplaced-annotation', node.name.range, { name: 'vars', problem: 'needs a field marked @template beside it (the template whose placeholders it fills)' });
  }
  return marks;
}

function declareChannel(c: A.ChannelNode, sink: DiagnosticSink): ChannelSpec {
  const [payloadNodes, ...more] = c.payloads;
  for (const extra of more) sink.add('check/repeated-declaration', extra[0]?.range ?? c.name.range, { owner: `channel ${c.name.name}`, clause: 'payload' });
  if (!payloadNodes) sink.add('check/channel-without-payload', c.name.range, { name: c.name.name });
  const payload = resolveFields(payloadNodes ?? [], sink);
  if (!c.correlate.length) sink.add('check/channel-without-correlate', c.name.range, { name: c.name.name });
  const correlate: string[] = [];
  const names = payload.map((f) => f.name);
  for (const n of c.correlate) {
    const f = payload.find((x) => x.name === n.name);
    if (payloadNodes && !f) sink.add('check/unknown-correlate-field', n.range, { channel: c.name.name, name: n.name, suggestion: didYouMean(n.name, names), fields: names });
    else if (f?.optional) sink.add('check/optional-correlate-field', n.range, { channel: c.name.name, name: n.name });
    if (!correlate.includes(n.name)) correlate.push(n.name);
  }
  return { name: c.name.name, ...(c.description !== undefined && { description: c.description }), payload, correlate };
}
