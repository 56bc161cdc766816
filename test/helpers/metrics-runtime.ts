/**
 * Installs Temporal's Runtime with the Prometheus exporter on a free port, for the test files
 * that scrape it. Import it FIRST (before ./servers.js, which installs a plain Runtime unless
 * this one is installed): the Runtime is one per process and ava runs each file in its own.
 * Synchronous on purpose: a module with a top-level await would let servers.ts run first.
 */
import { DefaultLogger } from '@temporalio/worker';
import { installTelemetry, TelemetryError } from '../../src/engine/telemetry.js';

function install(): string {
  for (let attempt = 0; ; attempt++) {
    const bindAddress = `127.0.0.1:${20_000 + Math.floor(Math.random() * 40_000)}`;
    try {
      installTelemetry({ metrics: { bindAddress }, logger: new DefaultLogger('WARN') });
      return bindAddress;
    } catch (err) {
      // A port someone else holds: another one (the exporter refuses it cleanly, the Runtime stays uninstalled).
      if (!(err instanceof TelemetryError && /in use/i.test(err.message)) || attempt >= 20) throw err;
    }
  }
}

/** Where this process's worker metrics are served: `http://${metricsAddress}/metrics`. */
export const metricsAddress = install();

/** One scrape of the endpoint, as Prometheus would make it. */
export async function scrape(): Promise<string> {
  const res = await fetch(`http://${metricsAddress}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
  return res.text();
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a scrape in Prometheus's text format (comments skipped). */
export function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the samples of `name` whose labels include `where`. */
export function total(all: Sample[], name: string, where: Record<string, string> = {}): number {
  return all.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}
