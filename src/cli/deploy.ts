/**
 * `svcflow deploy <files…>`: compiles the files and stores every process they define in the
 * registry, all or nothing. Diagnostics print exactly as `svcflow check` prints them; with any
 * error, nothing is deployed and the exit code is 1.
 *
 * The files are compiled here first, so that a typo needs no server. Only a `call process` of a
 * process defined elsewhere cannot be judged here: those are left to the engine, which knows
 * what the registry holds. Both compile against the project's systems (svcflow.config.json).
 */
import { DeployError } from '../engine/errors.js';
import { compileWithProject, readSources, report } from './front.js';
import { table } from './format.js';
import { withEngine, type ConnectionFlags } from './options.js';

export interface DeployOptions extends ConnectionFlags {
  json?: boolean;
}

export async function deployCommand(paths: string[], opts: DeployOptions): Promise<number> {
  const given = await readSources(paths);
  const local = await compileWithProject(given);
  const sources = local.sources;
  const errors = local.diagnostics.filter((d) => d.severity === 'error');
  if (errors.some((d) => d.code !== 'check/unknown-process')) {
    report(local.diagnostics, sources, Boolean(opts.json));
    process.stderr.write('nothing deployed\n');
    return 1;
  }
  // The engine compiles again, against the same catalog, with what the registry knows.
  return withEngine(opts, async (engine) => {
    let deployed;
    try {
      deployed = await engine.deploy(given);
    } catch (err) {
      if (!(err instanceof DeployError)) throw err;
      report(err.diagnostics, sources, Boolean(opts.json));
      process.stderr.write('nothing deployed\n');
      return 1;
    }
    // Warnings, as check shows them; the errors left to the engine were resolved by the registry.
    const warnings = local.diagnostics.filter((d) => d.severity === 'warning');
    if (warnings.length && !opts.json) report(warnings, sources, false);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ deployed }, null, 2)}\n`);
    } else {
      const rows = deployed.map((d) => [d.name, `v${d.version}`, d.hash.slice(0, 12), d.created ? 'new' : 'unchanged (already deployed)']);
      process.stdout.write(table(['PROCESS', 'VERSION', 'HASH', 'DEPLOYED'], rows));
    }
    return 0;
  }, { catalog: local.catalog });
}
