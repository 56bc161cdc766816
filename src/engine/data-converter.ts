/**
 * The data converter svcflow's clients and workers share: definitions by reference (the
 * claim-check codec of definitions.ts) when the registry is at hand, then the encryption codec
 * and the failure converter that encodes messages and stack traces when a key ring is given.
 * With neither, Temporal's defaults (payloads as plain JSON).
 */
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter, type DataConverter, type LoadedDataConverter, type PayloadCodec } from '@temporalio/common';
import { defaultFailureConverter } from '@temporalio/common';
import { EncryptionCodec, type KeyRing } from './codec.js';
import type { DefinitionCodec } from './definitions.js';
import { failureConverter } from './failure-converter.js';

export const failureConverterPath = fileURLToPath(new URL('./failure-converter.js', import.meta.url));

/** Codecs in the order Temporal encodes with them: references first, so that encryption seals them too. */
function codecs(ring: KeyRing | undefined, definitions: DefinitionCodec | undefined): PayloadCodec[] {
  return [...(definitions ? [definitions] : []), ...(ring ? [new EncryptionCodec(ring)] : [])];
}

/** For a Client (which takes the converters themselves). */
export function clientDataConverter(ring: KeyRing | undefined, definitions?: DefinitionCodec): LoadedDataConverter | undefined {
  if (!ring && !definitions) return undefined;
  return { payloadConverter: defaultPayloadConverter, failureConverter: ring ? failureConverter : defaultFailureConverter, payloadCodecs: codecs(ring, definitions) };
}

/** For a Worker (whose workflows load the failure converter by path, in their sandbox). */
export function workerDataConverter(ring: KeyRing | undefined, definitions?: DefinitionCodec): DataConverter | undefined {
  if (!ring && !definitions) return undefined;
  return { payloadCodecs: codecs(ring, definitions), ...(ring ? { failureConverterPath } : {}) };
}
