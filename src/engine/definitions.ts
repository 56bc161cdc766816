/**
 * Definitions by reference: a claim-check payload codec. The arguments of a process instance
 * (`{ ir, children, input, … }`, src/workflows/run-process.ts) travel through Temporal, and so
 * stay in its history, as `{ definition: { hash }, children: { Name: { hash } }, input, … }`:
 * the content hash of each deployed definition instead of its IR, which is 70–75% of a history
 * otherwise. Workers resolve the hashes from the registry, through a bounded cache, when
 * they decode: the workflow sees the whole IR, exactly as before. It runs outside the workflow
 * sandbox, as every payload codec does, and before encryption (Temporal applies codecs in order
 * when encoding and in reverse when decoding), so the Web UI, through the codec server, shows
 * the reference and the business input, not the definition.
 *
 * Only definitions the registry holds are replaced: an IR compiled and started without being
 * deployed (tests, benchmarks) travels whole, as before; so does every payload recorded before
 * this codec, which decodes unchanged.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/common';
import type { ProcessIR } from '../ir/schema.js';

/** Payload metadata that marks arguments whose definitions travel by reference. */
export const REFERENCE_METADATA = 'svcflow-definitions';
const REFERENCE_V1 = 'ref/v1';
/** At most this many child definitions in one reference (a process calls a handful). */
export const MAX_REFERENCED_CHILDREN = 1_000;
/** Definitions kept decoded per codec; the oldest goes first past it. */
export const DEFINITION_CACHE_SIZE = 1_000;

const HASH = /^[0-9a-f]{64}$/;
const enc = new TextEncoder();
const dec = new TextDecoder();
const INLINE_PREFIX = enc.encode('{"ir":{');
const REFERENCE_PREFIX = enc.encode('{"definition":{');

/** Where deployed definitions are found by their content hash (the registry). */
export interface DefinitionSource {
  byHash(hash: string): Promise<{ ir: ProcessIR } | undefined>;
}

/**
 * What names a definition in history: its content hash alone (its name is the workflow type,
 * its version the ProcessVersion search attribute). References recorded before this also hold
 * `name` and `version`, which decoding ignores.
 */
export interface DefinitionRef {
  hash: string;
}

export const refOf = (ir: ProcessIR): DefinitionRef => ({ hash: ir.hash });

/** A reference that names no deployed definition, or a malformed one: the workflow task fails and is retried. */
export class DefinitionNotFoundError extends Error {
  constructor(readonly hash: string) {
    super(`no deployed definition has the hash ${hash.slice(0, 80)}: deploy it, or point this worker at the registry that holds it`);
    this.name = 'DefinitionNotFoundError';
  }
}

const startsWith = (data: Uint8Array | null | undefined, prefix: Uint8Array) =>
  !!data && data.length >= prefix.length && prefix.every((b, i) => data[i] === b);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isJson = (p: Payload) => dec.decode(p.metadata?.encoding ?? new Uint8Array()) === 'json/plain';

export class DefinitionCodec implements PayloadCodec {
  private readonly cache = new Map<string, ProcessIR>();

  constructor(private readonly source: DefinitionSource) {}

  /** Remembers a definition the caller holds already (the engine, which read it to start it). */
  remember(ir: ProcessIR): void {
    if (this.cache.has(ir.hash)) return;
    if (this.cache.size >= DEFINITION_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(ir.hash, ir);
  }

  /** The deployed definition with this hash, or undefined. */
  async resolve(hash: string): Promise<ProcessIR | undefined> {
    if (!HASH.test(hash)) return undefined;
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const found = (await this.source.byHash(hash))?.ir;
    if (found) this.remember(found);
    return found;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(payloads.map((p) => this.encodeOne(p)));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(payloads.map((p) => this.decodeOne(p)));
  }

  private async encodeOne(p: Payload): Promise<Payload> {
    if (!isJson(p) || p.metadata?.[REFERENCE_METADATA]) return p;
    if (startsWith(p.data, REFERENCE_PREFIX)) return tagged(p, p.data!);
    if (!startsWith(p.data, INLINE_PREFIX)) return p;
    const args: unknown = JSON.parse(dec.decode(p.data!));
    if (!isRecord(args) || !isRecord(args.ir)) return p;
    const { ir, children, ...rest } = args;
    const definition = await this.deployed(ir);
    if (!definition) return p;
    const refs: Record<string, DefinitionRef> = {};
    if (children !== undefined) {
      if (!isRecord(children)) return p;
      for (const [name, child] of Object.entries(children)) {
        const deployed = isRecord(child) ? await this.deployed(child) : undefined;
        if (!deployed) return p;
        refs[name] = deployed;
      }
    }
    // No children: none named (decoding gives the workflow `children: {}` all the same).
    return tagged(p, enc.encode(JSON.stringify({ definition, ...(Object.keys(refs).length ? { children: refs } : {}), ...rest })));
  }

  /** The reference for an IR when the registry holds that very definition. */
  private async deployed(ir: Record<string, unknown>): Promise<DefinitionRef | undefined> {
    if (typeof ir.hash !== 'string') return undefined;
    const found = await this.resolve(ir.hash);
    return found && found.name === ir.name && found.version === ir.version ? refOf(found) : undefined;
  }

  private async decodeOne(p: Payload): Promise<Payload> {
    const mark = p.metadata?.[REFERENCE_METADATA];
    if (!mark) return p;
    if (dec.decode(mark) !== REFERENCE_V1) throw ApplicationFailure.nonRetryable(`unknown definition reference format ${dec.decode(mark).slice(0, 40)}`, 'svcflow/invalid-reference');
    const args: unknown = JSON.parse(dec.decode(p.data ?? new Uint8Array()));
    if (!isRecord(args) || !isRecord(args.definition)) throw new DefinitionNotFoundError('(none)');
    const { definition, children, ...rest } = args;
    const ir = await this.required(definition.hash);
    const resolved: Record<string, ProcessIR> = {};
    if (children !== undefined) {
      if (!isRecord(children)) throw new DefinitionNotFoundError('(children)');
      const entries = Object.entries(children);
      if (entries.length > MAX_REFERENCED_CHILDREN) throw new DefinitionNotFoundError(`(${entries.length} children)`);
      for (const [name, ref] of entries) resolved[name] = await this.required(isRecord(ref) ? ref.hash : undefined);
    }
    const metadata = { ...p.metadata };
    delete metadata[REFERENCE_METADATA];
    // `ir` first, as the interpreter builds its arguments, so that encoding them again finds them.
    return { ...p, metadata, data: enc.encode(JSON.stringify({ ir, children: resolved, ...rest })) };
  }

  private async required(hash: unknown): Promise<ProcessIR> {
    const found = typeof hash === 'string' ? await this.resolve(hash) : undefined;
    if (!found) throw new DefinitionNotFoundError(typeof hash === 'string' ? hash : String(hash));
    return found;
  }
}

function tagged(p: Payload, data: Uint8Array): Payload {
  return { ...p, metadata: { ...p.metadata, [REFERENCE_METADATA]: enc.encode(REFERENCE_V1) }, data };
}
