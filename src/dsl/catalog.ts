/**
 * The catalog: the systems a project declares (`system …` in `.flow` files), as plain JSON data.
 * It is what `svcflow catalog --json` prints and what a compiler, an engine or a worker is given;
 * the core knows no system of its own (EMPTY_CATALOG knows no activity).
 *
 * Lookups go through `indexCatalog`, Map-backed: a name from a `.flow` file never reaches a
 * plain object, so `toString` or `__proto__` is no operation.
 */
import type { Field, RetryPolicy, TypeRef } from '../ir/schema.js';
import type { Diagnostic } from './diagnostics.js';
import { parseGuarded, type SourceFile } from './parse.js';
import { declareSystems } from './check-system.js';

export interface OperationSpec {
  name: string;
  description?: string;
  input: Field[];
  output: TypeRef;
  startToCloseMs: number;
  retry: RetryPolicy;
  errors: Array<{ code: string; description: string }>;
  /**
   * The input field that names a message template of the system (`@template`), and the one that
   * gives its placeholders' values (`@vars`): checked against the system's `templates`.
   */
  templateField?: string;
  varsField?: string;
}

export interface ChannelSpec {
  name: string;
  description?: string;
  payload: Field[];
  correlate: string[];
}

/** The type of a message on `channel`: the record of its declared payload fields. */
export const channelPayloadType = (channel: ChannelSpec): TypeRef => ({ t: 'record', fields: channel.payload });

/** `template "sp.confirm.request" (product, fee)`: a message template and its placeholders. */
export interface TemplateSpec {
  id: string;
  placeholders: string[];
}

export interface SystemSpec {
  name: string;
  description?: string;
  taskQueue?: string;
  operations: OperationSpec[];
  channels: ChannelSpec[];
  templates?: TemplateSpec[];
}

/** Plain JSON data: what `svcflow catalog --json` prints, what an engine or worker is given. */
export interface Catalog {
  systems: SystemSpec[];
}

export const EMPTY_CATALOG: Catalog = Object.freeze({ systems: Object.freeze([]) as unknown as SystemSpec[] });

/** Two catalogs that declare the same system (or channel) cannot be merged. */
export class CatalogError extends Error {
  override name = 'CatalogError';
}

export { DEFAULT_RETRY, DEFAULT_START_TO_CLOSE_MS } from './check-system.js';

/** The systems of all catalogs, in order. Throws CatalogError on a system or channel declared twice. */
export function mergeCatalogs(...catalogs: Catalog[]): Catalog {
  const systems: SystemSpec[] = [];
  const seen = new Set<string>();
  const channels = new Set<string>();
  for (const c of catalogs) {
    for (const s of c.systems) {
      if (seen.has(s.name)) throw new CatalogError(`system '${s.name}' is declared twice`);
      seen.add(s.name);
      for (const ch of s.channels) {
        if (channels.has(ch.name)) throw new CatalogError(`channel '${ch.name}' is declared twice`);
        channels.add(ch.name);
      }
      systems.push(s);
    }
  }
  return { systems };
}

export interface FoundOperation {
  system: SystemSpec;
  operation: OperationSpec;
}

export interface FoundChannel {
  system: SystemSpec;
  channel: ChannelSpec;
}

/** Map-backed lookups of a catalog. */
export interface CatalogIndex {
  readonly catalog: Catalog;
  /** `crm.lookupCustomer`. */
  operation(name: string): FoundOperation | undefined;
  /** `email`: channel names are one namespace across systems (`wait … message email(…)`). */
  channel(name: string): FoundChannel | undefined;
  system(name: string): SystemSpec | undefined;
  /** A template of a system, by id. */
  template(system: string, id: string): TemplateSpec | undefined;
  /** Every operation's full name, in catalog order (for "did you mean"). */
  operationNames(): string[];
  channelNames(): string[];
  templateIds(system: string): string[];
}

export function indexCatalog(c: Catalog): CatalogIndex {
  const operations = new Map<string, FoundOperation>();
  const channels = new Map<string, FoundChannel>();
  const systems = new Map<string, SystemSpec>();
  const templates = new Map<string, Map<string, TemplateSpec>>();
  for (const system of c.systems) {
    if (!systems.has(system.name)) systems.set(system.name, system);
    for (const operation of system.operations) {
      const name = `${system.name}.${operation.name}`;
      if (!operations.has(name)) operations.set(name, { system, operation });
    }
    for (const channel of system.channels) if (!channels.has(channel.name)) channels.set(channel.name, { system, channel });
    const own = templates.get(system.name) ?? new Map<string, TemplateSpec>();
    for (const t of system.templates ?? []) if (!own.has(t.id)) own.set(t.id, t);
    templates.set(system.name, own);
  }
  const operationNames = [...operations.keys()];
  const channelNames = [...channels.keys()];
  return {
    catalog: c,
    operation: (name) => operations.get(name),
    channel: (name) => channels.get(name),
    system: (name) => systems.get(name),
    template: (system, id) => templates.get(system)?.get(id),
    operationNames: () => operationNames,
    channelNames: () => channelNames,
    templateIds: (system) => [...(templates.get(system)?.keys() ?? [])],
  };
}

/**
 * The systems declared in `sources` (files of `system` declarations; processes in them are not
 * compiled here), with every problem as a positioned diagnostic. With errors, the catalog is the
 * best reading of what was declared (for checking processes against it); do not serve it.
 */
export function compileCatalog(sources: SourceFile[]): { catalog: Catalog; diagnostics: Diagnostic[] } {
  const parsed = sources.map(parseGuarded);
  const systems = declareSystems(parsed, indexCatalog(EMPTY_CATALOG));
  const diagnostics = parsed.flatMap((p) => p.sink.items.sort((a, b) => a.line - b.line || a.column - b.column));
  return { catalog: { systems }, diagnostics };
}
