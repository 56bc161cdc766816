/**
 * Registers svcflow's custom search attributes on the namespace of whatever Temporal a worker
 * connects to (an operator's cluster as much as the dev server): without them every start fails
 * with the server's bare "Failed to start Workflow". Idempotent: only the missing ones are
 * added, and another worker adding them at the same moment is no error. Where the namespace's
 * attributes are managed elsewhere (Temporal Cloud: tcld or the Cloud UI), it says which to add.
 */
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import type { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

type OperatorService = Pick<temporal.api.operatorservice.v1.OperatorService, 'listSearchAttributes' | 'addSearchAttributes'>;

/** What was done: the attributes added now, or why none could be (with what to add by hand). */
export type Registration = { added: string[] } | { failed: string; missing: string[] };

async function missingIn(service: OperatorService, namespace: string): Promise<typeof SEARCH_ATTRIBUTES> {
  const existing = await service.listSearchAttributes({ namespace });
  const have = { ...existing.customAttributes, ...existing.systemAttributes };
  return SEARCH_ATTRIBUTES.filter((a) => !Object.hasOwn(have, a.name));
}

export async function ensureSearchAttributes(service: OperatorService, namespace: string): Promise<Registration> {
  let missing: typeof SEARCH_ATTRIBUTES = [];
  try {
    missing = await missingIn(service, namespace);
    if (missing.length === 0) return { added: [] };
    await service.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((a) => [a.name, encodeSearchAttributeIndexedValueType(a.sdkType)!])),
    });
    return { added: missing.map((a) => a.name) };
  } catch (err) {
    // A concurrent registration by another worker: what counts is that they are there now.
    const still = await missingIn(service, namespace).catch(() => missing);
    if (still.length === 0) return { added: missing.map((a) => a.name) };
    return { failed: (err as Error).message.split('\n')[0]!, missing: still.map((a) => `${a.name}=${a.cliType}`) };
  }
}

/** One line for an operator about a registration that could not be done. */
export function describeRegistration(r: Registration, namespace: string): string | undefined {
  if ('added' in r) return r.added.length ? `registered search attributes on namespace ${namespace}: ${r.added.join(', ')}` : undefined;
  return `could not register svcflow's search attributes on namespace ${namespace} (${r.failed}); until they exist every start fails: add ${r.missing.join(', ')} with your cluster's tools (temporal operator search-attribute create, or tcld for Temporal Cloud)`;
}
