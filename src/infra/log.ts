/**
 * Progress output for long set-up steps. Everything goes to stderr so that
 * commands whose stdout is data (`svcflow compile`, `--json`) stay clean.
 */
export type Logger = (message: string) => void;

export const stderrLogger: Logger = (message) => {
  process.stderr.write(`[svcflow] ${message}\n`);
};

export const silentLogger: Logger = () => {};

/** Runs `work`, saying what it does before and how long it took after. */
export async function step<T>(log: Logger, what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  log(`${what}…`);
  const value = await work();
  log(`${what}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return value;
}
