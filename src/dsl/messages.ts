/**
 * The wording of every diagnostic, in one place, written for process owners. Codes are stable
 * (kebab-case, `parse/…` or `check/…`); tests assert them, not these sentences.
 */
type Text = { message: string; hint?: string };
const mean = (s: string | undefined) => (s ? `did you mean '${s}'?` : undefined);

export const MESSAGES = {
  // ── parse ────────────────────────────────────────────────────────────────────────────
  'parse/unexpected-character': (d: { text: string; fullWidth?: boolean }): Text => ({
    message: `'${d.text}' cannot appear here`,
    hint: d.fullWidth
      ? 'this is full-width punctuation from a Chinese input method: use half-width " ( ) , : instead (a step needs no ； or 。); inside "…" anything goes'
      : 'texts go in double quotes ("…"); names use letters, digits and _',
  }),
  'parse/syntax': (d: { message: string; hint?: string }): Text => ({ message: d.message, hint: d.hint }),
  'parse/invalid-template': (d: { part: string; unclosed?: boolean }): Text =>
    d.unclosed
      ? { message: "this '{' in the text is never closed by a '}'", hint: 'write {name} or {name.field}; write {{ for a literal {' }
      : {
          message: `the {…} part '${d.part}' of this text is not a valid expression`,
          hint: 'write {name} or {name.field}; write {{ for a literal {',
        },
  'parse/too-large': (d: { bytes: number; limit: number }): Text => ({
    message: `the file is ${d.bytes} bytes; the limit is ${d.limit}`,
    hint: 'split the process into child processes (call process …)',
  }),
  'parse/too-deep': (d: { what: 'nesting' | 'operators' | 'tree'; limit: number }): Text =>
    d.what === 'nesting'
      ? {
          message: `this is nested more than ${d.limit} levels deep (blocks, brackets, else-if chains and 'list of' each count one)`,
          hint: 'move the inner part into a child process (call process …), or compute it in steps with set',
        }
      : d.what === 'operators'
        ? {
            message: `this expression has more than ${d.limit} operators (or .field and [index]) in a row`,
            hint: 'compute it in steps with set (set subtotal = a + b, then set total = subtotal + c)',
          }
        : {
            message: `this is more than ${d.limit} levels deep, counting steps, brackets and each operator`,
            hint: 'compute parts of it in steps with set, or move them into a child process',
          },
  'parse/invalid-encoding': (_d: object): Text => ({
    message: 'the file is not valid UTF-8 here',
    hint: 'save the file as UTF-8 (an editor or iconv -f GB18030 -t UTF-8 can convert it)',
  }),

  // ── structure ────────────────────────────────────────────────────────────────────────
  'check/no-process': (_d: object): Text => ({
    message: 'this file defines no process',
    hint: 'start with: process Name version 1 (or declare a system: system name …)',
  }),
  'check/duplicate-process': (d: { name: string; file?: string }): Text => ({
    message: d.file === undefined ? `process '${d.name}' is defined twice` : `process '${d.name}' is already defined in ${d.file}`,
    hint: d.file === undefined ? undefined : 'give this one another version number (or another name), or remove one of them',
  }),
  'check/invalid-version': (d: { text: string }): Text => ({
    message: `'${d.text}' is not a version`,
    hint: 'a version is a whole number from 1 up: version 2',
  }),
  'check/invalid-name': (d: { name: string }): Text => ({
    message: `process name '${d.name}' must start with a capital letter and use only letters and digits`,
    hint: 'for example: process SameCityRelocation version 1',
  }),
  'check/unknown-type': (d: { name: string; suggestion?: string }): Text => ({
    message: `'${d.name}' is not a type`,
    hint: mean(d.suggestion) ?? 'types: string, int, number, bool, money, phone, duration, time, "a" | "b", list of T, map of T, { field: T }',
  }),
  'check/unknown-annotation': (d: { name: string; allowed: string[] }): Text => ({
    message: `'@${d.name}' is not an annotation here`,
    hint: d.allowed.length > 1 ? `annotations here: ${d.allowed.map((a) => `@${a}`).join(', ')}` : 'the only annotation is @pii',
  }),
  'check/duplicate-field': (d: { name: string }): Text => ({ message: `field '${d.name}' is declared twice` }),
  'check/repeated-clause': (d: { clause: string }): Text => ({
    message: `this call already has a '${d.clause}'`,
    hint: `a call takes one '${d.clause}' clause; keep the one you mean`,
  }),
  'check/unknown-index-field': (d: { name: string; suggestion?: string }): Text => ({
    message: `'${d.name}' is not an input field, so it cannot be indexed`,
    hint: mean(d.suggestion) ?? 'index names fields of the process input',
  }),
  'check/repeated-owner': (_d: object): Text => ({
    message: 'this process already declares its owner',
    hint: "a process has one 'owner'; keep the one you mean",
  }),
  'check/owner-not-input': (d: { path: string }): Text => ({
    message: `'${d.path}' is not an input field, so it cannot name the owner`,
    hint: 'owner names a text field of the input, such as owner input.firstContactOwner',
  }),
  'check/unknown-owner-field': (d: { name: string; suggestion?: string }): Text => ({
    message: `'${d.name}' is not an input field, so it cannot name the owner`,
    hint: mean(d.suggestion) ?? 'owner names a text field of the input, such as owner input.firstContactOwner',
  }),
  'check/owner-not-text': (d: { name: string; actual: string }): Text => ({
    message: `the owner must be a text, and '${d.name}' is ${d.actual}`,
    hint: 'owner names a text field of the input (a staff or team id)',
  }),
  'check/pii-owner': (d: { name: string }): Text => ({
    message: `'${d.name}' is marked @pii and cannot name the owner: the Owner search attribute is stored in plain text`,
    hint: 'name a staff or team id instead, or remove @pii if the field is not personal data',
  }),
  'check/index-type': (d: { name: string; type: string }): Text => ({
    message: `'${d.name}' is a ${d.type}, so it cannot be indexed: a business key is one value`,
    hint: 'index a field of one value (a text, a number, a choice), such as an order id',
  }),
  'check/pii-index-type': (d: { name: string; type: string }): Text => ({
    message: `'${d.name}' is @pii and a ${d.type}: a @pii business key is stored as the keyed hash of a text, so it would never be indexed`,
    hint: 'declare it as a string or a phone, or leave it out of index',
  }),

  // ── calendars ────────────────────────────────────────────────────────────────────────
  'check/unknown-calendar': (d: { name: string; suggestion?: string }): Text => ({
    message: `there is no calendar '${d.name}'`,
    hint: mean(d.suggestion) ?? "declare it: calendar Name timezone \"Asia/Shanghai\" works mon-fri 09:00 to 18:00",
  }),
  'check/no-calendar': (_d: object): Text => ({
    message: 'business time needs a calendar, and this process uses none',
    hint: 'add `uses calendar Name` after the process header',
  }),
  'check/invalid-calendar': (d: { problem: string }): Text => ({ message: `invalid calendar: ${d.problem}` }),

  // ── systems (the catalog) ────────────────────────────────────────────────────────────
  'check/duplicate-system': (d: { name: string; file?: string }): Text => ({
    message: d.file ? `system '${d.name}' is already declared in ${d.file}` : `system '${d.name}' is already declared`,
    hint: 'a system is declared once; give its operations and channels in that one declaration',
  }),
  'check/duplicate-operation': (d: { system: string; name: string }): Text => ({
    message: `${d.system} already has an operation '${d.name}'`,
    hint: 'give this one another name, or remove one of them',
  }),
  'check/duplicate-channel': (d: { name: string; system: string }): Text => ({
    message: `channel '${d.name}' is already declared (by system ${d.system})`,
    hint: 'channel names are shared by all systems (wait … message name(…)): choose another name',
  }),
  'check/duplicate-template': (d: { id: string }): Text => ({ message: `template "${d.id}" is declared twice` }),
  'check/invalid-system-name': (d: { name: string }): Text => ({
    message: `system name '${d.name}' must start with a small letter and use only letters and digits`,
    hint: 'for example: system crm, system fieldService',
  }),
  'check/repeated-declaration': (d: { owner: string; clause: string }): Text => ({
    message: `${d.owner} already has a '${d.clause}'`,
    hint: `give one '${d.clause}'; keep the one you mean`,
  }),
  'check/invalid-queue': (d: { problem: string }): Text => ({
    message: `invalid task queue: ${d.problem}`,
    hint: 'a task queue reads queue "crm-python": the queue its workers poll',
  }),
  'check/invalid-timeout': (d: { operation: string }): Text => ({
    message: `the timeout of ${d.operation} must be more than 0`,
    hint: 'timeout 5s: how long one attempt may run (start to close)',
  }),
  'check/invalid-error-code': (d: { code: string; problem: string }): Text => ({
    message: `error code "${d.code}" ${d.problem}`,
    hint: 'an error code reads "system/what-went-wrong": small letters, digits and -, one /',
  }),
  'check/channel-without-payload': (d: { name: string }): Text => ({
    message: `channel '${d.name}' declares no payload`,
    hint: 'add payload { from: phone @pii, text: string }: what a message on it carries',
  }),
  'check/channel-without-correlate': (d: { name: string }): Text => ({
    message: `channel '${d.name}' has no correlation field`,
    hint: 'add correlate from: the payload field (or fields) that find the waiting instance',
  }),
  'check/unknown-correlate-field': (d: { channel: string; name: string; suggestion?: string; fields: string[] }): Text => ({
    message: `channel '${d.channel}' correlates on '${d.name}', which its payload lacks`,
    hint: mean(d.suggestion) ?? (d.fields.length ? `its payload's fields are: ${d.fields.join(', ')}` : undefined),
  }),
  'check/optional-correlate-field': (d: { channel: string; name: string }): Text => ({
    message: `channel '${d.channel}' correlates on '${d.name}', which is optional: a message without it could reach no instance`,
    hint: `declare it required (${d.name}: …), or correlate on another field`,
  }),
  'check/misplaced-annotation': (d: { name: string; problem: string }): Text => ({ message: `'@${d.name}' ${d.problem}` }),
  'check/unknown-channel': (d: { name: string; suggestion?: string }): Text => ({
    message: `there is no channel '${d.name}'`,
    hint: mean(d.suggestion) ?? 'channels are declared by systems: channel name payload { … } correlate field (see `svcflow catalog`)',
  }),
  'check/unknown-template': (d: { id: string; system: string; suggestion?: string }): Text => ({
    message: `${d.system} has no template "${d.id}"`,
    hint: mean(d.suggestion) ?? `declare it in system ${d.system}: template "${d.id}" (placeholder, …)`,
  }),
  'check/template-vars': (d: { id: string; missing: string[]; extra: string[] }): Text => ({
    message: [
      d.missing.length ? `template "${d.id}" needs ${d.missing.map((n) => `'${n}'`).join(', ')}` : '',
      d.extra.length ? `template "${d.id}" has no placeholder ${d.extra.map((n) => `'${n}'`).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; '),
    hint: 'give exactly the placeholders the template declares',
  }),

  // ── activities and processes ─────────────────────────────────────────────────────────
  'check/unknown-activity': (d: { name: string; suggestion?: string; system?: string }): Text => ({
    message: `there is no activity '${d.name}'`,
    hint: mean(d.suggestion) ?? (d.system ? `see \`svcflow catalog ${d.system}\` for the activities of ${d.system}` : 'see `svcflow catalog` for the activities'),
  }),
  'check/unknown-compensation': (d: { name: string; suggestion?: string }): Text => ({
    message: `the compensation names no known activity '${d.name}'`,
    hint: mean(d.suggestion),
  }),
  'check/unknown-argument': (d: { activity: string; name: string; suggestion?: string; expected: string[] }): Text => ({
    message: `${d.activity} takes no argument '${d.name}'`,
    hint: mean(d.suggestion) ?? `its arguments are: ${d.expected.join(', ') || '(none)'}`,
  }),
  'check/missing-argument': (d: { activity: string; names: string[] }): Text => ({
    message: `${d.activity} needs ${d.names.map((n) => `'${n}'`).join(', ')}`,
    hint: `add ${d.names.map((n) => `${n}: …`).join(', ')}`,
  }),
  'check/duplicate-argument': (d: { name: string }): Text => ({ message: `argument '${d.name}' is given twice` }),
  'check/argument-type': (d: { activity: string; name: string; expected: string; actual: string }): Text => ({
    message: `${d.activity}'s '${d.name}' must be ${d.expected}, not ${d.actual}`,
  }),
  'check/may-be-missing': (d: { activity: string; name: string; what: string; why: 'null' | 'optional' | 'variable' | 'coalesce' }): Text => {
    const needs = `${d.activity} needs '${d.name}'`;
    switch (d.why) {
      case 'null':
        return { message: `${d.activity} needs a value for '${d.name}', and null is none`, hint: `give '${d.name}' a value` };
      case 'coalesce':
        return { message: `${needs}, and every value this coalesce chooses from may be missing here`, hint: 'end it with a value that is always there, or test it first: if coalesce(…) != null { … }' };
      case 'variable':
        return { message: `${needs}, and '${d.what}' may be missing here (it was set to what may be)`, hint: `test it first (if ${d.what} != null { … }), or set it with a default: coalesce(…, …)` };
      case 'optional':
        return { message: `${needs}, and '${d.what}' may be missing here (it is optional)`, hint: `test it first (if ${d.what} != null { … }), or give a default: coalesce(${d.what}, …)` };
    }
  },
  'check/unknown-process': (d: { name: string; suggestion?: string }): Text => ({
    message: `there is no process '${d.name}' to call`,
    hint: mean(d.suggestion) ?? 'check it with the file that defines it: svcflow check a.flow b.flow',
  }),
  'check/invalid-retry': (d: { problem: string }): Text => ({ message: `invalid retry: ${d.problem}` }),

  // ── names and values ─────────────────────────────────────────────────────────────────
  'check/undefined-variable': (d: { name: string; suggestion?: string }): Text => ({
    message: `'${d.name}' is not defined`,
    hint: mean(d.suggestion) ?? 'names come from `as`, `wait x =`, `set`, `for each` or `input.…`',
  }),
  'check/use-before-assignment': (d: { name: string }): Text => ({
    message: `'${d.name}' is used before it is given a value`,
    hint: 'it is bound further down, or only on some paths; bind it earlier',
  }),
  'check/unknown-field': (d: { name: string; of: string; suggestion?: string; fields: string[] }): Text => ({
    message: `${d.of} has no field '${d.name}'`,
    hint: mean(d.suggestion) ?? (d.fields.length ? `its fields are: ${d.fields.join(', ')}` : undefined),
  }),
  'check/parallel-binding-conflict': (d: { name: string }): Text => ({
    message: `'${d.name}' is bound in two parallel branches`,
    hint: 'give each branch its own name; branches run at the same time',
  }),
  'check/duplicate-step': (d: { id: string }): Text => ({
    message: `a step named '${d.id}' already exists`,
    hint: 'step names become idempotency keys and UI labels: they must be unique',
  }),
  'check/duplicate-variable': (d: { name: string }): Text => ({
    message: `'${d.name}' is already bound`,
    hint: 'use `set` to change a variable, or choose another name',
  }),
  'check/unreachable-step': (d: { after: string }): Text => ({
    message: `this step can never run: it follows '${d.after}'`,
    hint: 'remove it, or move it before the end',
  }),
  'check/missing-output': (d: { outcome: string; fields: string[] }): Text => ({
    message: `end "${d.outcome}" does not give ${d.fields.map((f) => `'${f}'`).join(', ')}, which the process's output declares`,
    hint: `give ${d.fields.map((f) => `\`${f}: …\``).join(', ')} in \`with { … }\`, or declare ${d.fields.length > 1 ? 'them' : 'it'} optional (\`${d.fields[0]}?: …\`)`,
  }),
  'check/unknown-output-field': (d: { outcome: string; name: string; suggestion?: string; fields: string[] }): Text => ({
    message: `end "${d.outcome}" gives '${d.name}', which the process's output does not declare`,
    hint: mean(d.suggestion) ?? `the output declares: ${d.fields.join(', ') || '(nothing)'}; remove it, or declare it in output { … }`,
  }),
  'check/wait-without-within': (_d: object): Text => ({
    message: 'a wait needs a time limit',
    hint: 'add `within 24h` (and `on timeout { … }` to say what then happens)',
  }),
  'check/unknown-function': (d: { name: string; suggestion?: string; known: string[] }): Text => ({
    message: `there is no function '${d.name}'`,
    hint: mean(d.suggestion) ?? `functions: ${d.known.join(', ')}`,
  }),
  'check/function-arity': (d: { name: string; expected: string; actual: number }): Text => ({
    message: `${d.name}() takes ${d.expected} argument(s), not ${d.actual}`,
  }),
  'check/type-mismatch': (d: { expected: string; actual: string; where: string }): Text => ({
    message: `${d.where} must be ${d.expected}, not ${d.actual}`,
  }),
  'check/invalid-literal': (d: { text: string; problem: string }): Text => ({ message: `'${d.text}': ${d.problem}` }),
  'check/reserved-name': (d: { name: string }): Text => ({
    message: `'${d.name}' cannot be used as a name`,
    hint: 'choose another name: __proto__ is reserved',
  }),
  'check/reserved-handler-name': (d: { name: string; type: 'signal' | 'update'; why: string }): Text => ({
    message: `'${d.name}' cannot name ${d.type === 'signal' ? 'a signal' : 'an update'}: ${d.why}`,
    hint: `choose another name, such as ${d.name.replace(/^_+/, '') || 'reply'}Received`,
  }),
  'check/currency-mismatch': (d: { op: string; left: string; right: string }): Text => ({
    message: `'${d.op}' cannot combine ${d.left} with ${d.right}`,
    hint: 'amounts in different currencies must be converted first',
  }),
  'check/empty-repeat': (_d: object): Text => ({ message: 'repeat needs at least 1 time', hint: 'repeat 3 times { … }' }),
} as const;

export type DiagnosticCode = keyof typeof MESSAGES;
export type MessageData<C extends DiagnosticCode> = Parameters<(typeof MESSAGES)[C]>[0];
export const DIAGNOSTIC_CODES = Object.keys(MESSAGES) as DiagnosticCode[];
