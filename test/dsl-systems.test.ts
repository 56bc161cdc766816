/**
 * Systems declared in the DSL: the catalog as data (compileCatalog, mergeCatalogs, indexCatalog),
 * systems across files, what lowering pins from a declaration (defaults, task queue, message
 * payload), and the declaration words staying usable as names in processes.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileSources, type SourceFile } from '../src/dsl/compile.js';
import { CatalogError, compileCatalog, DEFAULT_RETRY, EMPTY_CATALOG, indexCatalog, mergeCatalogs, type Catalog } from '../src/dsl/catalog.js';
import { ProcessIR, type Step } from '../src/ir/schema.js';
import { hashIR } from '../src/dsl/lower.js';
import { telecomCatalog } from './helpers/catalog.js';

const CRM = `system crm
  "Customer records kept in the CRM."
  queue "crm-python"

  operation lookupCustomer
    "Find a customer by phone number."
    input { phone: phone @pii, region?: string }
    output { customerId: string, name: string @pii, tier: "gold" | "silver" }
    timeout 5s
    retry 5 times every 2s backoff 3 up to 1m unless "crm/not-found"
    errors {
      "crm/not-found": "no customer has this number"
    }

  operation touch
    input { customerId: string }

  channel email
    "An e-mail the customer sent."
    payload { from: string @pii, subject: string, text: string, receivedAt: time }
    correlate from
`;

const LOOKUP = `process Lookup version 1
  input { msisdn: phone @pii, email: string @pii }
  call crm.lookupCustomer(phone: input.msisdn) as customer
    compensate with crm.touch(customerId: customer.customerId)
  call crm.touch(customerId: customer.customerId) timeout 1s
  wait mail = message email(from: input.email) within 1d on timeout { end "silent" }
  end "ok" with { subject: mail.subject, tier: customer.tier }
`;

const codes = (r: { diagnostics: Array<{ file: string; line: number; column: number; code: string }> }) => r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`);

test('compileCatalog: a declaration becomes plain JSON data, with defaults where it says nothing', (t) => {
  const { catalog, diagnostics } = compileCatalog([{ file: 'crm.flow', text: CRM }]);
  t.deepEqual(diagnostics, []);
  t.deepEqual(JSON.parse(JSON.stringify(catalog)), catalog, 'plain data: survives JSON');
  const [crm] = catalog.systems;
  t.is(crm!.name, 'crm');
  t.is(crm!.taskQueue, 'crm-python');
  const [lookup, touch] = crm!.operations;
  t.deepEqual(lookup, {
    name: 'lookupCustomer',
    description: 'Find a customer by phone number.',
    input: [
      { name: 'phone', optional: false, pii: true, type: { t: 'phone' } },
      { name: 'region', optional: true, pii: false, type: { t: 'string' } },
    ],
    output: {
      fields: [
        { name: 'customerId', optional: false, pii: false, type: { t: 'string' } },
        { name: 'name', optional: false, pii: true, type: { t: 'string' } },
        { name: 'tier', optional: false, pii: false, type: { t: 'enum', values: ['gold', 'silver'] } },
      ],
      t: 'record',
    },
    startToCloseMs: 5000,
    retry: { backoffCoefficient: 3, initialIntervalMs: 2000, maximumAttempts: 5, maximumIntervalMs: 60000, nonRetryableErrorTypes: ['crm/not-found'] },
    errors: [{ code: 'crm/not-found', description: 'no customer has this number' }],
  });
  t.is(touch!.startToCloseMs, 10_000);
  t.deepEqual(touch!.retry, { ...DEFAULT_RETRY });
  t.deepEqual(crm!.channels, [
    {
      name: 'email',
      description: 'An e-mail the customer sent.',
      payload: [
        { name: 'from', optional: false, pii: true, type: { t: 'string' } },
        { name: 'subject', optional: false, pii: false, type: { t: 'string' } },
        { name: 'text', optional: false, pii: false, type: { t: 'string' } },
        { name: 'receivedAt', optional: false, pii: false, type: { t: 'time' } },
      ],
      correlate: ['from'],
    },
  ]);
});

test('a process compiles against a catalog given as data, and lowering pins its defaults, task queue and payload', (t) => {
  const { catalog } = compileCatalog([{ file: 'crm.flow', text: CRM }]);
  // A catalog read back from JSON, its keys in another order: the IR is the same, in canonical order.
  const reordered = JSON.parse(JSON.stringify(catalog), (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)) as Catalog;
  for (const given of [catalog, reordered]) {
    const r = compileSources([{ file: 'lookup.flow', text: LOOKUP }], { catalog: given });
    t.deepEqual(codes(r), []);
    const ir = r.processes[0]!;
    t.notThrows(() => ProcessIR.parse(JSON.parse(JSON.stringify(ir))));
    t.is(hashIR(ir), ir.hash, 'hashed in canonical order');
    const [first, second, wait] = ir.steps as [Extract<Step, { kind: 'call' }>, Extract<Step, { kind: 'call' }>, Extract<Step, { kind: 'wait' }>];
    t.is(first.call.taskQueue, 'crm-python');
    t.is(first.compensate?.taskQueue, 'crm-python');
    t.is(first.startToCloseMs, 5000);
    t.deepEqual(first.retry, { backoffCoefficient: 3, initialIntervalMs: 2000, maximumAttempts: 5, maximumIntervalMs: 60000, nonRetryableErrorTypes: ['crm/not-found'] });
    t.is(second.startToCloseMs, 1000, "the call's own timeout wins");
    t.deepEqual(wait.trigger.type === 'message' && wait.trigger.payload, { fields: catalog.systems[0]!.channels[0]!.payload, t: 'record' });
  }
});

test('systems declared in the sources join the catalog given; a system without a queue leaves taskQueue out', (t) => {
  const r = compileSources(
    [
      { file: 'crm.flow', text: CRM },
      { file: 'lookup.flow', text: LOOKUP },
      { file: 'bill.flow', text: 'process Bill version 1\n  input { id: string }\n  call billing.getAccount(accountId: input.id)\n  end "ok"\n' },
    ],
    { catalog: telecomCatalog },
  );
  t.deepEqual(codes(r), []);
  const bill = r.processes.find((p) => p.name === 'Bill')!.steps[0] as Extract<Step, { kind: 'call' }>;
  t.false('taskQueue' in bill.call && bill.call.taskQueue !== undefined);
  t.is(JSON.stringify(bill).includes('taskQueue'), false, 'absent from the IR, not null');
});

test('a system, or a channel, declared twice across files is a diagnostic in the later file', (t) => {
  const again: SourceFile = { file: 'crm2.flow', text: 'system crm\n  operation other\n    input { id: string }\n' };
  const channel: SourceFile = { file: 'mail.flow', text: 'system mail\n  channel email\n    payload { from: string }\n    correlate from\n' };
  const r = compileSources([{ file: 'crm.flow', text: CRM }, again, channel]);
  t.deepEqual(codes(r), ['crm2.flow:1:8 check/duplicate-system', 'mail.flow:2:11 check/duplicate-channel']);
  t.regex(r.diagnostics[0]!.message, /already declared in crm\.flow/);
  // Against a catalog given: a system it has is declared twice too.
  const telecom = compileSources([{ file: 'b.flow', text: 'system billing\n  operation x\n' }], { catalog: telecomCatalog });
  t.deepEqual(codes(telecom), ['b.flow:1:8 check/duplicate-system']);
});

test('mergeCatalogs joins catalogs and refuses a system or a channel in two of them', (t) => {
  const { catalog: crm } = compileCatalog([{ file: 'crm.flow', text: CRM }]);
  const merged = mergeCatalogs(EMPTY_CATALOG, telecomCatalog, crm);
  t.deepEqual(merged.systems.map((s) => s.name), [...telecomCatalog.systems.map((s) => s.name), 'crm']);
  t.truthy(indexCatalog(merged).operation('crm.lookupCustomer'));
  t.throws(() => mergeCatalogs(crm, crm), { instanceOf: CatalogError, message: /system 'crm'/ });
  const other: Catalog = { systems: [{ name: 'mail', operations: [], channels: [crm.systems[0]!.channels[0]!] }] };
  t.throws(() => mergeCatalogs(crm, other), { instanceOf: CatalogError, message: /channel 'email'/ });
});

test('without a catalog nothing is known; a misspelled operation gets "did you mean" from the declared catalog', (t) => {
  const r = compileSources([{ file: 'lookup.flow', text: LOOKUP }], { catalog: EMPTY_CATALOG });
  t.true(r.diagnostics.some((d) => d.code === 'check/unknown-activity'));
  t.true(r.diagnostics.some((d) => d.code === 'check/unknown-channel'));
  const { catalog } = compileCatalog([{ file: 'crm.flow', text: CRM }]);
  const typo = compileSources([{ file: 't.flow', text: 'process T version 1\n  call crm.lookupCustomr(phone: "13800138000")\n  end "ok"\n' }], { catalog });
  t.deepEqual(codes(typo), ['t.flow:2:8 check/unknown-activity']);
  t.is(typo.diagnostics[0]!.hint, "did you mean 'crm.lookupCustomer'?");
});

test('the words of system declarations stay names in processes: variables, labels, fields, members', (t) => {
  const text = `process Names version 1
  input { channel: string, payload: string, errors: int, queue: string, template: string, operation: string, correlate: string, system: string }
  set channel = input.channel
  set errors = input.errors + 1
  template: call notification.sendSms(to: "13800138000", template: "sp.confirm.done", vars: { product: input.template })
  system: set queue = { payload: input.payload, system: input.system }
  end "ok" with { a: channel, b: queue.payload, c: input.operation, d: input.correlate, e: errors }
`;
  const r = compileSources([{ file: 'names.flow', text }], { catalog: telecomCatalog });
  t.deepEqual(codes(r), []);
  t.deepEqual(r.processes[0]!.steps.map((s) => s.id).slice(2, 4), ['template', 'system']);
});

test('a file of system declarations alone is not check/no-process; one of calendars alone still is', (t) => {
  t.deepEqual(codes(compileSources([{ file: 'crm.flow', text: CRM }])), []);
});

test('the compiler imports nothing of the telecom module (src/activities) and no zod contract', (t) => {
  const dir = fileURLToPath(new URL('../../src/dsl/', import.meta.url));
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(`${dir}${f}`, 'utf8');
    t.false(/from '\.\.\/activities\//.test(text), `${f} imports src/activities`);
    t.false(/from 'zod'/.test(text) && f !== 'chevrotain.ts', `${f} imports zod`);
  }
});
