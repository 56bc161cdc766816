/**
 * The helpdesk embeds svcflow: it reads its project (svcflow.config.json: processes/ and
 * systems/), makes the catalog from its declarations, and runs one runtime — the engine, a
 * worker serving the `tickets` implementation, no HTTP — with its processes deployed.
 */
import { compileCatalog, createRuntime, formatDiagnostic, loadProject, type Runtime, type TemporalConfig } from 'svcflow';
import type { TicketsSystem } from './systems.js';

export interface HelpdeskOptions {
  /** The example's folder (where svcflow.config.json is). */
  root: string;
  temporal: TemporalConfig;
  databaseUrl: string;
  taskQueue?: string;
  tickets: TicketsSystem;
}

export async function startHelpdesk(opts: HelpdeskOptions): Promise<Runtime> {
  const project = await loadProject(opts.root);
  const { catalog, diagnostics } = compileCatalog(project.systems);
  if (diagnostics.length) throw new Error(diagnostics.map((d) => formatDiagnostic(d, undefined)).join('\n'));
  const runtime = await createRuntime({
    temporal: opts.temporal,
    databaseUrl: opts.databaseUrl,
    catalog,
    systems: { tickets: opts.tickets },
    ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}),
    log: () => {},
  });
  try {
    await runtime.engine.deploy(project.processes);
    await runtime.start();
  } catch (err) {
    await runtime.stop();
    throw err;
  }
  return runtime;
}
