/**
 * The data converter svcflow's clients and workers share when a key ring is given: the
 * encryption codec and the failure converter that encodes messages and stack traces.
 * Without a key ring, Temporal's defaults (payloads as plain JSON).
 */
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter, type DataConverter, type LoadedDataConverter } from '@temporalio/common';
import { EncryptionCodec, type KeyRing } from './codec.js';
import { failureConverter } from './failure-converter.js';

export const failureConverterPath = fileURLToPath(new URL('./failure-converter.js', import.meta.url));

/** For a Client (which takes the converters themselves). */
export function clientDataConverter(ring: KeyRing | undefined): LoadedDataConverter | undefined {
  return ring && { payloadConverter: defaultPayloadConverter, failureConverter, payloadCodecs: [new EncryptionCodec(ring)] };
}

/** For a Worker (whose workflows load the failure converter by path, in their sandbox). */
export function workerDataConverter(ring: KeyRing | undefined): DataConverter | undefined {
  return ring && { payloadCodecs: [new EncryptionCodec(ring)], failureConverterPath };
}
