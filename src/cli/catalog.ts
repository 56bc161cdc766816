/**
 * The project's catalog on the command line: how `check`, `compile`, `graph` and `deploy` find the
 * systems processes call (svcflow.config.json, src/engine/project.ts), and `svcflow catalog
 * [system] [--json]`, which prints them.
 */
import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { OperationSpec, SystemSpec } from '../dsl/catalog.js';
import type { SourceFile } from '../dsl/compile.js';
import { didYouMean } from '../dsl/diagnostics.js';
import { describeType } from '../ir/types.js';
import type { Field } from '../ir/schema.js';
import { CONFIG_FILE, loadProjectCatalog, ProjectError, type ProjectCatalog } from '../engine/project.js';
import { CliError } from './errors.js';

/** How many folders up from the working directory a svcflow.config.json is looked for. */
const MAX_CLIMB = 64;

/** The nearest folder from `from` up that holds svcflow.config.json. */
async function configFolder(from: string): Promise<string | undefined> {
  let dir = resolve(from);
  for (let i = 0; i < MAX_CLIMB; i++) {
    if (await access(join(dir, CONFIG_FILE)).then(() => true, () => false)) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

/**
 * The project root: the nearest folder with a svcflow.config.json from the working directory up,
 * else from the first file named; else the working directory (with the default folders).
 */
export async function findProjectRoot(file?: string): Promise<string> {
  return (await configFolder(process.cwd())) ?? (file !== undefined ? await configFolder(dirname(file)) : undefined) ?? process.cwd();
}

/**
 * The systems the project declares. A system file also given on the command line (`svcflow check
 * systems/crm.flow`) is left out here: it is compiled with the files given.
 */
export async function projectCatalog(given: readonly SourceFile[] = []): Promise<ProjectCatalog> {
  try {
    return await loadProjectCatalog(await findProjectRoot(given[0]?.file), { exclude: given.map((s) => s.file) });
  } catch (err) {
    if (err instanceof ProjectError) throw new CliError(err.message);
    throw err;
  }
}

export async function catalogCommand(system: string | undefined, opts: { json?: boolean }): Promise<number> {
  const { catalog, diagnostics } = await projectCatalog();
  if (diagnostics.some((d) => d.severity === 'error')) {
    throw new CliError(`the project's system declarations have errors (${diagnostics.filter((d) => d.severity === 'error').length}): run svcflow check on them`);
  }
  let systems = catalog.systems;
  if (system !== undefined) {
    systems = systems.filter((s) => s.name === system);
    if (!systems.length) {
      const names = catalog.systems.map((s) => s.name);
      const close = didYouMean(system, names);
      throw new CliError(`there is no system '${system}'${close ? `: did you mean '${close}'?` : `; systems: ${names.join(', ') || '(none)'}`}`);
    }
  }
  if (opts.json) process.stdout.write(`${JSON.stringify({ systems }, null, 2)}\n`);
  else process.stdout.write(systems.map(describeSystem).join('\n'));
  return 0;
}

const fields = (fs: Field[]) => fs.map((f) => `${f.name}${f.optional ? '?' : ''}: ${describeType(f.type)}${f.pii ? ' @pii' : ''}`).join(', ');

function describeOperation(system: string, op: OperationSpec): string {
  const out = op.output.t === 'record' ? `{ ${op.output.fields.map((f) => f.name).join(', ')} }` : describeType(op.output);
  const lines = [`  ${system}.${op.name}(${fields(op.input)}) → ${out}`];
  if (op.description) lines.push(`      ${op.description}`);
  for (const e of op.errors) lines.push(`      raises "${e.code}": ${e.description}`);
  return lines.join('\n');
}

function describeSystem(s: SystemSpec): string {
  const lines = [`${s.name}${s.description ? ` — ${s.description}` : ''}`, `  task queue: ${s.taskQueue ?? "(the instance's own)"}`];
  lines.push(...s.operations.map((op) => describeOperation(s.name, op)));
  for (const c of s.channels) lines.push(`  channel ${c.name}(${fields(c.payload)}) correlated by ${c.correlate.join(', ')}${c.description ? `\n      ${c.description}` : ''}`);
  if (s.templates?.length) lines.push(`  templates: ${s.templates.map((t) => `${t.id}(${t.placeholders.join(', ')})`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
