/**
 * A cheap check of a definition's outline, for the workflow. The IR is parsed in full with its
 * zod schema where it enters svcflow (the compiler's tests, every registry read, the engine's
 * start); inside a workflow, zod would be loaded again for every cached instance — measured at
 * 1.1 MB against 0.08 MB per waiting instance (bench/results/runtime.json). So the workflow
 * only checks that it was given a definition of this IR version at all; zod-free on purpose.
 */
import { IR_VERSION } from './version.js';

/** What is wrong with `ir`'s outline, or undefined when it looks like a ProcessIR of this version. */
export function irShapeProblem(ir: unknown): string | undefined {
  if (!ir || typeof ir !== 'object' || Array.isArray(ir)) return 'the definition is not an object';
  const d = ir as Record<string, unknown>;
  if (d.irVersion !== IR_VERSION) return `irVersion is ${JSON.stringify(d.irVersion)}, this worker runs version ${IR_VERSION}`;
  if (typeof d.name !== 'string' || !d.name) return 'name is missing';
  if (typeof d.version !== 'number' || !Number.isInteger(d.version)) return 'version is not a whole number';
  if (typeof d.hash !== 'string' || !/^[0-9a-f]{64}$/.test(d.hash)) return 'hash is not a sha-256';
  for (const list of ['input', 'output', 'index', 'calendars', 'steps'] as const) {
    if (!Array.isArray(d[list])) return `${list} is not a list`;
  }
  return undefined;
}
