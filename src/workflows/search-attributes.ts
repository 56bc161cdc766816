/**
 * svcflow's custom search attributes: what an operator filters on in the Temporal Web UI
 * (`ProcessName = "Installation" AND BusinessKeys = "customerId=C-1001"`).
 * Pure and workflow-safe: the workflow upserts them, the infrastructure registers them.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { ProcessIR } from '../ir/schema.js';

export const ProcessName = defineSearchAttributeKey('ProcessName', SearchAttributeType.KEYWORD);
export const ProcessVersion = defineSearchAttributeKey('ProcessVersion', SearchAttributeType.INT);
export const ProcessHash = defineSearchAttributeKey('ProcessHash', SearchAttributeType.KEYWORD);
export const CurrentStep = defineSearchAttributeKey('CurrentStep', SearchAttributeType.KEYWORD);
export const NextDeadline = defineSearchAttributeKey('NextDeadline', SearchAttributeType.DATETIME);
export const EscalationLevel = defineSearchAttributeKey('EscalationLevel', SearchAttributeType.KEYWORD);
/** What a message wait is waiting for (`email:from=ana@example.com`): how inbound messages find their instance. */
export const WaitingFor = defineSearchAttributeKey('WaitingFor', SearchAttributeType.KEYWORD_LIST);
/** A process's `index` fields, as `field=value` keywords (one attribute for every process). */
export const BusinessKeys = defineSearchAttributeKey('BusinessKeys', SearchAttributeType.KEYWORD_LIST);

const CLI_TYPE: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export const SEARCH_ATTRIBUTES = [
  ProcessName,
  ProcessVersion,
  ProcessHash,
  CurrentStep,
  NextDeadline,
  EscalationLevel,
  BusinessKeys,
  WaitingFor,
].map((key) => ({
  key,
  name: key.name,
  sdkType: key.type,
  /** As the `temporal` CLI's `--search-attribute NAME=TYPE` spells it. */
  cliType: CLI_TYPE[key.type],
}));

/**
 * A process's `index` fields in `input`, as `field=value` keywords; a @pii field's value as its
 * keyed hash (src/workflows/pii.ts), and left out when there is none (no key ring): never in plain.
 */
export function businessKeys(ir: Pick<ProcessIR, 'index' | 'input'>, input: unknown, hashes: ReadonlyMap<string, string> = new Map()): string[] {
  const record = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const pii = new Set(ir.input.filter((f) => f.pii).map((f) => f.name));
  const out: string[] = [];
  for (const f of ir.index) {
    if (!Object.hasOwn(record, f) || record[f] === undefined || record[f] === null) continue;
    const text = String(record[f]);
    const stored = pii.has(f) ? hashes.get(text) : text;
    if (stored !== undefined) out.push(`${f}=${stored}`);
  }
  return out;
}

/** What an instance carries from its start: process, version, hash, first step, business keys. */
export function startAttributes(ir: Pick<ProcessIR, 'name' | 'version' | 'hash' | 'index' | 'input'>, input: unknown, hashes?: ReadonlyMap<string, string>): SearchAttributePair[] {
  const keys = businessKeys(ir, input, hashes);
  const attributes: SearchAttributePair[] = [
    { key: ProcessName, value: ir.name },
    { key: ProcessVersion, value: ir.version },
    { key: ProcessHash, value: ir.hash },
    { key: CurrentStep, value: 'start' },
  ];
  if (keys.length) attributes.push({ key: BusinessKeys, value: keys });
  return attributes;
}
