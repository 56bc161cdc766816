/**
 * How svcflow connects to Temporal: the address, plus TLS or an API key for Temporal Cloud or
 * a secured cluster, from the environment (TEMPORAL_API_KEY, TEMPORAL_TLS_CERT/KEY/CA).
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';

export interface TemporalConfig {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: { certPath: string; keyPath: string; caPath?: string };
}

export function temporalConfigFromEnv(address: string, env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const certPath = env.TEMPORAL_TLS_CERT;
  const keyPath = env.TEMPORAL_TLS_KEY;
  if ((certPath && !keyPath) || (!certPath && keyPath)) {
    throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  return {
    address,
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    apiKey: env.TEMPORAL_API_KEY || undefined,
    tls: certPath && keyPath ? { certPath, keyPath, caPath: env.TEMPORAL_TLS_CA || undefined } : undefined,
  };
}

/** Options accepted by both `Connection.connect` (client) and `NativeConnection.connect` (worker). */
export function connectionOptions(config: TemporalConfig): Pick<ConnectionOptions, 'address' | 'tls'> & { apiKey?: string } {
  const tls = config.tls
    ? {
        clientCertPair: { crt: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) },
        serverRootCACertificate: config.tls.caPath ? readFileSync(config.tls.caPath) : undefined,
      }
    : config.apiKey
      ? true
      : undefined;
  return { address: config.address, tls, apiKey: config.apiKey };
}
