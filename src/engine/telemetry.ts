/**
 * Metrics through Temporal's own mechanism: the SDK Runtime's telemetry, whose Prometheus
 * exporter serves `http://<bindAddress>/metrics` with the SDK's runtime metrics (`temporal_*`)
 * and svcflow's own (`svcflow_*`, emitted from workflow code: src/workflows/metrics.ts).
 *
 * Temporal's Runtime is one per process and is installed before any worker or native connection
 * exists (the first NativeConnection installs a default one). So metrics are installed once, by
 * the first createWorker/createRuntime that asks for them (or `svcflow worker --metrics`,
 * `SVCFLOW_METRICS`); asking again for the same address is a no-op, for another one a
 * TelemetryError. Off unless asked: without metrics the Runtime is Temporal's default, as before.
 */
import { isIP } from 'node:net';
import { Runtime, type Logger } from '@temporalio/worker';
import { SvcflowError } from './errors.js';

export class TelemetryError extends SvcflowError {
  constructor(message: string) {
    super('engine/telemetry', message);
  }
}

export interface MetricsOptions {
  /** Where the Prometheus exporter listens: an IP literal and a port (`127.0.0.1:9464`, `[::1]:9464`, `0.0.0.0:9464`). */
  bindAddress: string;
}

/** The OpenTelemetry Prometheus exporter's customary port; what `svcflow dev` serves on. */
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9464';

/**
 * Checks a bind address as Temporal's core parses it (a socket address: no host names), so a
 * wrong one is refused with a message that says what is expected, not the native bridge's.
 */
export function parseBindAddress(text: string): { host: string; port: number; bindAddress: string } {
  const refuse = (why: string) => new TelemetryError(`invalid metrics address ${JSON.stringify(text.slice(0, 100))}: ${why}; expected <ip>:<port>, e.g. 127.0.0.1:9464 or [::1]:9464`);
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(text);
  if (!m) throw refuse(text.includes(':') ? 'the host must be an IP address (IPv6 in brackets)' : 'no port');
  const host = m[1] ?? m[2]!;
  if (isIP(host) !== (m[1] === undefined ? 4 : 6)) throw refuse(`${host} is not an IPv${m[1] === undefined ? 4 : 6} address`);
  const port = Number(m[3]);
  if (port < 1 || port > 65_535) throw refuse(`port ${m[3]} is out of range (1–65535)`);
  return { host, port, bindAddress: text };
}

/** What this process installed (Temporal's Runtime cannot be installed twice). */
let installed: { metrics?: string } | undefined;

/** True once installTelemetry() has installed Temporal's Runtime in this process. */
export function runtimeInstalled(): boolean {
  return installed !== undefined;
}

/**
 * Installs Temporal's Runtime with svcflow's telemetry: Prometheus metrics at `metrics`
 * (counters rendered with the `_total` suffix Prometheus expects, the SDK's as well as
 * svcflow's). Call it before any worker or NativeConnection; createWorker does when given
 * `telemetry.metrics`. Refuses, with a TelemetryError, a malformed address, a port already in
 * use, a second call that asks for something else, and a Runtime someone else installed.
 */
export function installTelemetry(options: { metrics?: MetricsOptions; logger?: Logger }): void {
  const metrics = options.metrics && parseBindAddress(options.metrics.bindAddress).bindAddress;
  if (installed) {
    if (installed.metrics === metrics || metrics === undefined) return;
    throw new TelemetryError(`Temporal's runtime is already installed in this process${installed.metrics ? ` with metrics on ${installed.metrics}` : ' without metrics'}; it is installed once, so metrics cannot also be served on ${metrics}`);
  }
  try {
    Runtime.install({
      ...(options.logger ? { logger: options.logger } : {}),
      ...(metrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metrics, countersTotalSuffix: true } } } } : {}),
    });
  } catch (err) {
    const message = (err as Error).message;
    if (/already been (installed|instantiated)/.test(message)) {
      throw new TelemetryError(`Temporal's runtime was set up before svcflow's telemetry (a worker or native connection was made first): ask for metrics in the first createWorker/createRuntime of the process`);
    }
    throw new TelemetryError(`cannot serve metrics on ${metrics}: ${message}`);
  }
  installed = { ...(metrics ? { metrics } : {}) };
}

/** The metrics address from the environment: `SVCFLOW_METRICS=<ip>:<port>`; unset, empty or `off`: none. */
export function metricsFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsOptions | undefined {
  const value = env.SVCFLOW_METRICS?.trim();
  if (!value || value === 'off') return undefined;
  return { bindAddress: parseBindAddress(value).bindAddress };
}
