/**
 * svcflow's custom search attributes: what an operator filters on in the Temporal Web UI
 * (`WorkflowType = "Installation" AND BusinessKeys = "customerId=C-1001"`).
 * Pure and workflow-safe: the workflow upserts them, the infrastructure registers them.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { ProcessIR } from '../ir/schema.js';

/** Set at the start of instances from before 2026-12 only: the workflow type says it. */
export const ProcessName = defineSearchAttributeKey('ProcessName', SearchAttributeType.KEYWORD);
export const ProcessVersion = defineSearchAttributeKey('ProcessVersion', SearchAttributeType.INT);
/** Set at the start of instances from before 2026-12 only: the registry gives a version's hash. */
export const ProcessHash = defineSearchAttributeKey('ProcessHash', SearchAttributeType.KEYWORD);
export const CurrentStep = defineSearchAttributeKey('CurrentStep', SearchAttributeType.KEYWORD);
export const NextDeadline = defineSearchAttributeKey('NextDeadline', SearchAttributeType.DATETIME);
export const EscalationLevel = defineSearchAttributeKey('EscalationLevel', SearchAttributeType.KEYWORD);
/** Who owns an instance: the input field its process declares with `owner input.…` (a staff or team id). */
export const Owner = defineSearchAttributeKey('Owner', SearchAttributeType.KEYWORD);
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
  Owner,
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

/** The instance's owner: the text at the process's `owner` path in `input` (none declared, absent or not a text: undefined). */
export function ownerOf(ir: Pick<ProcessIR, 'owner'>, input: unknown): string | undefined {
  // The path of a definition the workflow was handed (outline-checked only): at most 16 names,
  // each an own property of a plain record.
  const path: unknown = ir.owner;
  if (!Array.isArray(path) || path.length === 0 || path.length > 16) return undefined;
  let v: unknown = input;
  for (const name of path) {
    if (typeof name !== 'string' || !v || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, name)) return undefined;
    v = (v as Record<string, unknown>)[name];
  }
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * What an instance carries from its start: its version (the mark of svcflow's instances),
 * business keys and owner. Its process name is its workflow type (`WorkflowType`), its hash the
 * registry's for that version, and CurrentStep is set where it first rests: ProcessName,
 * ProcessHash and an initial CurrentStep, which instances started before 2026-12 carry, would
 * only repeat them in every history.
 */
export function startAttributes(ir: Pick<ProcessIR, 'version' | 'index' | 'input' | 'owner'>, input: unknown, hashes?: ReadonlyMap<string, string>): SearchAttributePair[] {
  const keys = businessKeys(ir, input, hashes);
  const owner = ownerOf(ir, input);
  const attributes: SearchAttributePair[] = [{ key: ProcessVersion, value: ir.version }];
  if (keys.length) attributes.push({ key: BusinessKeys, value: keys });
  if (owner !== undefined) attributes.push({ key: Owner, value: owner });
  return attributes;
}
