/**
 * Temporal's size limits, checked before anything is sent: a payload over the blob size limit,
 * or a search attribute over its value limit, would otherwise come back from the server as an
 * untyped ServiceError (after a 4 MiB gRPC message had crawled there, 39 s for 5 MB here), or
 * fail the workflow task that upserts it. Each is refused at once with an InvalidInputError
 * naming the field and the limit. The defaults are the server's (`limit.blobSize.error`,
 * `limit.searchAttributeSize`); a cluster configured otherwise passes its own to the engine.
 */
import { InvalidInputError } from './errors.js';
import { SEARCH_ATTRIBUTE_VALUE_LIMIT } from './visibility.js';

export interface Limits {
  /** Largest payload (a workflow's input, a signal's or update's argument), in bytes. */
  payloadBytes: number;
  /** Largest value of one search attribute, in bytes. */
  searchAttributeBytes: number;
}

export const DEFAULT_LIMITS: Limits = { payloadBytes: 2 * 1024 * 1024, searchAttributeBytes: SEARCH_ATTRIBUTE_VALUE_LIMIT };

/** Temporal's limit on a workflow's static summary (`limit.workflowUserMetadataSummarySize`), in bytes. */
const SUMMARY_BYTES = 400;

const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8');
const mib = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
/** A size as an operator reads it: MiB from 1 MiB on, KiB below, bytes below 1 KiB. */
const sized = (n: number): string => (n >= 1024 * 1024 ? mib(n) : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`);

/**
 * Refuses `value` when, encoded as JSON, it exceeds the payload limit; names its largest field.
 * `overhead` is what is sent with it (a start's process definition and those of the processes it
 * calls): when that is the larger part, the definition is what is too big, and it is named.
 */
export function checkPayloadSize(what: string, value: unknown, limits: Limits, overhead = 0): void {
  const own = bytes(value);
  const total = own + overhead;
  if (total <= limits.payloadBytes) return;
  if (overhead >= own) {
    throw new InvalidInputError(what, [
      {
        path: '(the definition)',
        message: `the references to the process definition and to those of the processes it calls take ${sized(overhead)}, with ${sized(own)} of input; a start may be at most ${sized(limits.payloadBytes)} in all (Temporal's payload size limit): the definition is what is too big (split the process, or raise the cluster's limit)`,
      },
    ]);
  }
  let path = '(the whole payload)';
  let size = total;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const biggest = Object.entries(value).map(([k, v]) => [k, bytes(v)] as const).sort((a, b) => b[1] - a[1])[0];
    if (biggest) [path, size] = biggest;
  }
  throw new InvalidInputError(what, [
    { path, message: `is ${mib(size)}; ${what} may be at most ${mib(limits.payloadBytes)} in all (Temporal's payload size limit)` },
  ]);
}

/** Refuses business keys (the `index` fields, stored as one keyword list) over the search-attribute limit. */
export function checkIndexedSize(what: string, index: string[], keys: string[], limits: Limits): void {
  const total = bytes(keys);
  if (total <= limits.searchAttributeBytes) return;
  const biggest = keys.map((k, i) => [index.find((f) => k.startsWith(`${f}=`)) ?? index[i] ?? '(index)', Buffer.byteLength(k)] as const).sort((a, b) => b[1] - a[1])[0]!;
  throw new InvalidInputError(what, [
    {
      path: biggest[0],
      message: `is indexed (a search attribute) and its keys take ${total} bytes; they may take at most ${limits.searchAttributeBytes} bytes (Temporal's search attribute size limit)`,
    },
  ]);
}

/** Refuses an owner (the process's `owner` field, stored as the Owner keyword) over the search-attribute limit. */
export function checkOwnerSize(what: string, path: readonly string[], owner: string | undefined, limits: Limits): void {
  const size = owner === undefined ? 0 : Buffer.byteLength(owner);
  if (size <= limits.searchAttributeBytes) return;
  throw new InvalidInputError(what, [
    { path: path.join('.'), message: `names the owner (the Owner search attribute) and takes ${size} bytes; it may take at most ${limits.searchAttributeBytes} bytes (Temporal's search attribute size limit)` },
  ]);
}

/** A summary cut to what Temporal stores, on a character boundary. */
export function summaryOf(text: string): string {
  if (Buffer.byteLength(text) <= SUMMARY_BYTES) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > SUMMARY_BYTES - 3) break;
    out += ch;
  }
  return `${out}…`;
}
