/**
 * `svcflow init <dir>`: scaffolds a new project that depends on svcflow (init-files.ts): its
 * package.json, tsconfig, svcflow.config.json, one system declared and one process calling it,
 * the types `svcflow types` renders for it, a typed implementation, a worker entry and one test.
 * The folder must be new or empty, and the name an npm package name: nothing is overwritten.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCatalog } from '../dsl/catalog.js';
import { renderTypes } from '../engine/typescript.js';
import { CliError } from './errors.js';
import { scaffoldFiles, SYSTEMS_FILE, TYPES_FILE } from './init-files.js';

export interface InitOptions {
  /** The package name (default: the folder's name). */
  name?: string;
  /** The dependency on svcflow in package.json (default: `file:` this svcflow checkout). */
  svcflow?: string;
}

/** npm's rule for a new package's name: lower case, URL-safe, at most 214 characters, optionally scoped. */
const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** This svcflow's own folder (this file runs from dist/src/cli). */
export const svcflowRoot = (): string => fileURLToPath(new URL('../../../', import.meta.url));

function checkName(name: string): void {
  if (name.length > 214 || !NPM_NAME.test(name)) {
    throw new CliError(`${JSON.stringify(name)} cannot be a package's name (lower-case letters, digits, '-', '.', '_', at most 214)`, 'give one with --name, such as --name my-service');
  }
}

function checkSpec(spec: string): void {
  if (spec === '' || spec.length > 1000 || CONTROL.test(spec)) throw new CliError(`--svcflow ${JSON.stringify(spec)} is not a dependency package.json can hold`, 'give a version (^0.1.0) or a path (file:../svcflow)');
}

/** Refuses a folder that exists and is not empty (or is not a folder): init writes only into a new one. */
async function checkTarget(dir: string): Promise<void> {
  if (CONTROL.test(dir)) throw new CliError(`the folder name ${JSON.stringify(dir)} holds a control character`, 'name a plain folder');
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${dir}: ${err.message}`);
  });
  if (!info) return;
  if (!info.isDirectory()) throw new CliError(`${dir} exists and is not a folder`, 'name a new folder');
  if ((await readdir(dir)).length) throw new CliError(`${dir} is not empty`, 'svcflow init writes only into a new or empty folder: name another');
}

export async function initCommand(dir: string, opts: InitOptions = {}): Promise<number> {
  const target = resolve(dir);
  await checkTarget(target);
  const name = opts.name ?? basename(target).toLowerCase();
  checkName(name);
  const svcflow = opts.svcflow ?? `file:${svcflowRoot().replace(/[\\/]$/, '')}`;
  checkSpec(svcflow);
  const files = scaffoldFiles({ name, svcflow });
  // The types are rendered from the systems file the scaffold holds, as `svcflow types` would.
  const systems = files.find(([path]) => path === SYSTEMS_FILE)!;
  const { catalog, diagnostics } = compileCatalog([{ file: SYSTEMS_FILE, text: systems[1] }]);
  if (diagnostics.length) throw new Error(`svcflow init's own ${SYSTEMS_FILE} does not compile: ${diagnostics[0]!.message}`);
  files.push([TYPES_FILE, renderTypes(catalog)]);
  await mkdir(target, { recursive: true });
  for (const [path, text] of files) {
    await mkdir(dirname(join(target, path)), { recursive: true });
    // 'wx': never over a file that appeared since the folder was found empty.
    await writeFile(join(target, path), text, { flag: 'wx' });
  }
  process.stdout.write(`created ${name} in ${target}:\n${files.map(([p]) => `  ${p}`).join('\n')}\nnext: cd ${dir} && npm install && npm test (with \`svcflow dev\` running)\n`);
  return 0;
}
