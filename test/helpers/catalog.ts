/**
 * The telecom module's declared systems (modules/telecom/systems), compiled once: what tests
 * compile processes against. Throws if a declaration has an error (the catalog test shows which).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { compileCatalog, mergeCatalogs, type Catalog, type TemplateSpec } from '../../src/dsl/catalog.js';
import type { SourceFile } from '../../src/dsl/compile.js';

export const TELECOM_SYSTEMS_DIR = fileURLToPath(new URL('../../../modules/telecom/systems/', import.meta.url));

export function telecomSystemSources(): SourceFile[] {
  return readdirSync(TELECOM_SYSTEMS_DIR)
    .filter((f) => f.endsWith('.flow'))
    .sort()
    .map((f) => ({ file: `modules/telecom/systems/${f}`, text: readFileSync(join(TELECOM_SYSTEMS_DIR, f), 'utf8') }));
}

function load(): Catalog {
  const { catalog, diagnostics } = compileCatalog(telecomSystemSources());
  if (diagnostics.length) throw new Error(`the telecom systems do not compile: ${diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`).join('; ')}`);
  return catalog;
}

/** The catalog of the telecom systems. */
export const telecomCatalog: Catalog = load();

/**
 * Templates the DSL fixtures (test/dsl) and the processes written inline in tests send, which
 * the telecom module does not store: they test the language and the engine, not the telecom
 * texts (their notification activities are recorded, not sent). Only tests add them.
 */
const FIXTURE_TEMPLATES: TemplateSpec[] = [
  // sent by the processes written inline in the runtime tests
  ...['first', 'second', 'later', 'slow', 'after', 'x', 'y', 'kid'].map((id) => ({ id, placeholders: [] })),
  { id: 'loop', placeholders: ['line'] },
  // sent by the fixtures in test/dsl
  { id: 'arrears.cleared', placeholders: [] },
  { id: 'arrears.paid', placeholders: ['amount', 'level'] },
  { id: 'arrears.thanks', placeholders: [] },
  { id: 'billing.double-refund', placeholders: ['amount', 'count', 'day', 'note'] },
  { id: 'broadband.order.received', placeholders: ['orderId', 'fee', 'channel'] },
  { id: 'dispatch.notice', placeholders: ['text'] },
  { id: 'install.a', placeholders: [] },
  { id: 'install.b', placeholders: [] },
  { id: 'install.pending', placeholders: [] },
  { id: 'install.slots', placeholders: ['orderId', 'count'] },
  { id: 'install.slots.reminder', placeholders: [] },
  { id: 'install.std', placeholders: [] },
  { id: 'install.unconfirmed', placeholders: ['orderId', 'answered'] },
  { id: 'install.vip', placeholders: [] },
  { id: 'invoice.reissue.done', placeholders: ['invoiceNo'] },
  { id: 'invoice.reissue.late', placeholders: ['requestId'] },
  { id: 'invoice.reissue.overdue', placeholders: ['requestId'] },
  { id: 'invoice.reissue.received', placeholders: ['requestId', 'deadline'] },
  { id: 'line.active', placeholders: ['number', 'since'] },
  { id: 'line.active.ops', placeholders: ['orderId', 'mbps'] },
  { id: 'line.notice', placeholders: [] },
  { id: 'line.order.received', placeholders: [] },
  { id: 'no.charge', placeholders: [] },
  { id: 'one.missing', placeholders: [] },
  { id: 'plan.changed', placeholders: ['plan', 'greeting'] },
  { id: 'plan.changed.audit', placeholders: ['accountId', 'previous'] },
  { id: 'plan.changed.line', placeholders: ['product'] },
  { id: 'plan.confirmed', placeholders: [] },
  { id: 'repair.ack', placeholders: ['n'] },
  { id: 'repair.noreply', placeholders: [] },
  { id: 'sp.refund', placeholders: [] },
  { id: 'suspension.ending', placeholders: ['hours', 'since'] },
  { id: 't', placeholders: [] },
  { id: 'x', placeholders: [] },
];

/** `catalog` with more templates for one of its systems (a copy: the catalog given is not changed). */
export function withTemplates(catalog: Catalog, system: string, templates: TemplateSpec[]): Catalog {
  return { systems: catalog.systems.map((s) => (s.name === system ? { ...s, templates: [...(s.templates ?? []), ...templates] } : s)) };
}

/**
 * A channel no shipped system has, for the tests of declared payloads: an e-mail, correlated by
 * its sender. Tests that need another payload give their IR one after compiling.
 */
const MAIL: Catalog = {
  systems: [
    {
      name: 'mail',
      operations: [],
      channels: [
        {
          name: 'email',
          payload: [
            { name: 'from', type: { t: 'string' }, optional: false, pii: true },
            { name: 'subject', type: { t: 'string' }, optional: false, pii: false },
            { name: 'text', type: { t: 'string' }, optional: false, pii: false },
            { name: 'receivedAt', type: { t: 'time' }, optional: true, pii: false },
          ],
          correlate: ['from'],
        },
      ],
    },
  ],
};

/** The telecom catalog, with the test processes' own notification templates: what the DSL fixtures compile against (they declare channels of their own). */
export const dslFixtureCatalog: Catalog = withTemplates(telecomCatalog, 'notification', FIXTURE_TEMPLATES);

/** …and an e-mail channel: what the processes written inline in tests compile against. */
export const fixtureCatalog: Catalog = mergeCatalogs(dslFixtureCatalog, MAIL);
