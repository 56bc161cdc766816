/**
 * A project on disk: its processes and the systems they call, found through
 * `svcflow.config.json` at the project's root:
 *
 *   { "processes": "processes", "systems": ["systems", "modules/telecom/systems"] }
 *
 * Each entry is a folder of `.flow` files, relative to the root. Without a config file, or
 * without an entry, the defaults are `processes` and `systems` (a default folder that does not
 * exist holds nothing; a folder the config names must exist). The config is outside input: it is
 * read with a size limit and checked field by field, and every problem is a ProjectError.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCatalog, type Catalog } from '../dsl/catalog.js';
import { sourceFromBytes, type SourceFile } from '../dsl/compile.js';
import type { Diagnostic } from '../dsl/diagnostics.js';
import { SvcflowError } from './errors.js';
import { cacheDir } from '../infra/paths.js';

export const CONFIG_FILE = 'svcflow.config.json';
const MAX_CONFIG_BYTES = 64 * 1024;
const MAX_FOLDERS = 64;
/** More .flow files than this in one folder is not a project layout: refused, not read. */
const MAX_FILES_PER_FOLDER = 10_000;

export class ProjectError extends SvcflowError {
  constructor(message: string) {
    super('engine/invalid-project', message);
  }
}

export interface ProjectConfig {
  processes: string;
  systems: string[];
}

export interface Project {
  root: string;
  config: ProjectConfig;
  processes: SourceFile[];
  systems: SourceFile[];
}

/** Reads the project at `root`: its config, and the `.flow` files of its process and system folders. */
export async function loadProject(root: string): Promise<Project> {
  const { config, explicit } = await readConfig(root);
  const processes = await readFolder(root, config.processes, explicit.processes);
  const systems: SourceFile[] = [];
  for (const folder of config.systems) systems.push(...(await readFolder(root, folder, explicit.systems)));
  return { root, config, processes, systems };
}

export interface ProjectCatalog {
  catalog: Catalog;
  /** Problems in the system declarations, positioned in their files. */
  diagnostics: Diagnostic[];
  /** The system files read. */
  systems: SourceFile[];
}

/**
 * The catalog the project declares (its system folders), with the diagnostics of its files.
 * `exclude`: system files to leave out (paths; a command compiles them with the files it is given).
 *
 * A catalog that compiled cleanly is kept in svcflow's cache (~/.cache/svcflow/catalogs), keyed by the files'
 * names and text and by the compiler's own files: a command that starts reads it back instead of
 * parsing every declaration again (the telecom module's 570 lines cost a fresh process more than
 * the process it checks). Any change to a file, or to the compiler, misses the cache.
 */
export async function loadProjectCatalog(root: string, opts: { exclude?: readonly string[]; cache?: boolean } = {}): Promise<ProjectCatalog> {
  const excluded = new Set((opts.exclude ?? []).map((f) => resolve(f)));
  const systems = (await loadProject(root)).systems.filter((s) => !excluded.has(resolve(s.file)));
  const cacheFile = opts.cache === false ? undefined : await cachePath(systems);
  const cached = cacheFile && (await readCached(cacheFile));
  if (cached) return { catalog: cached, diagnostics: [], systems };
  const { catalog, diagnostics } = compileCatalog(systems);
  if (cacheFile && !diagnostics.length) await writeCached(cacheFile, catalog);
  return { catalog, diagnostics, systems };
}

const CACHE_FORMAT = 'svcflow-catalog-1';
/** The compiler's files that make a catalog (built, beside this one): their sizes and times are part of the cache key. */
const COMPILER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dsl');
const COMPILER_FILES = ['catalog.js', 'check-system.js', 'check-types.js', 'parse.js', 'parser.js', 'lookahead-table.js', 'to-ast.js', 'ast-expressions.js', 'expression-parser.js', 'cst-children.js', 'tokens.js', 'lexer.js', 'recovery.js'];

async function cachePath(systems: SourceFile[]): Promise<string | undefined> {
  const hash = createHash('sha256').update(CACHE_FORMAT);
  try {
    for (const name of COMPILER_FILES) {
      const info = statSync(join(COMPILER_DIR, name));
      hash.update(`\0${name}\0${info.size}\0${info.mtimeMs}`);
    }
  } catch {
    return undefined; // the compiler's files are not where they were built: no cache
  }
  for (const s of systems) hash.update(`\0${s.file}\0${s.invalidUtf8At ?? ''}\0${s.text}`);
  return join(cacheDir(), 'catalogs', `catalog-${hash.digest('hex').slice(0, 32)}.json`);
}

async function readCached(path: string): Promise<Catalog | undefined> {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    // Written by writeCached from a clean compile; a file of another shape is not used.
    if (typeof value === 'object' && value !== null && Array.isArray((value as Catalog).systems)) return value as Catalog;
  } catch {
    // no cache, or not readable: compile
  }
  return undefined;
}

async function writeCached(path: string, catalog: Catalog): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(catalog));
    await rename(tmp, path);
  } catch {
    // a read-only project: no cache
  }
}

async function readConfig(root: string): Promise<{ config: ProjectConfig; explicit: { processes: boolean; systems: boolean } }> {
  const path = join(root, CONFIG_FILE);
  let bytes: Buffer | undefined;
  try {
    const info = statSync(path);
    if (info.size > MAX_CONFIG_BYTES) throw new ProjectError(`${path} is ${info.size} bytes; the limit is ${MAX_CONFIG_BYTES}`);
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof ProjectError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ProjectError(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (!bytes) return { config: { processes: 'processes', systems: ['systems'] }, explicit: { processes: false, systems: false } };
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ProjectError(`${path} is not JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ProjectError(`${path} must hold an object such as { "processes": "processes", "systems": ["systems"] }`);
  for (const key of Object.keys(raw)) {
    if (key !== 'processes' && key !== 'systems') throw new ProjectError(`${path}: unknown setting ${JSON.stringify(key)} (settings: processes, systems)`);
  }
  const processes = Object.hasOwn(raw, 'processes') ? (raw as { processes: unknown }).processes : undefined;
  const systems = Object.hasOwn(raw, 'systems') ? (raw as { systems: unknown }).systems : undefined;
  if (processes !== undefined) folderName(path, 'processes', processes);
  if (systems !== undefined) {
    if (!Array.isArray(systems) || systems.length > MAX_FOLDERS) throw new ProjectError(`${path}: "systems" must be a list of at most ${MAX_FOLDERS} folders`);
    systems.forEach((s, i) => folderName(path, `systems[${i}]`, s));
  }
  return {
    config: { processes: (processes as string | undefined) ?? 'processes', systems: (systems as string[] | undefined) ?? ['systems'] },
    explicit: { processes: processes !== undefined, systems: systems !== undefined },
  };
}

/** A folder inside the project: a relative path that does not climb out of the root. */
function folderName(path: string, key: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '' || value.length > 1000 || value.includes('\0')) throw new ProjectError(`${path}: ${key} must be a folder name`);
  const n = normalize(value);
  if (isAbsolute(value) || n === '..' || n.startsWith(`..${sep}`)) throw new ProjectError(`${path}: ${key} (${JSON.stringify(value)}) must be a folder inside the project`);
}

/**
 * The `.flow` files of a folder, sorted by name; as bytes, so that what is not UTF-8 is a
 * diagnostic. Read synchronously: a project is read once, at start, and a few small files read
 * so take a fraction of the time of awaiting each.
 */
async function readFolder(root: string, folder: string, mustExist: boolean): Promise<SourceFile[]> {
  const dir = join(root, folder);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !mustExist) return [];
    throw new ProjectError(`cannot read the folder ${dir} named in ${CONFIG_FILE}: ${(err as Error).message}`);
  }
  const flows = names.filter((n) => n.endsWith('.flow')).sort();
  if (flows.length > MAX_FILES_PER_FOLDER) throw new ProjectError(`${dir} holds ${flows.length} .flow files; the limit is ${MAX_FILES_PER_FOLDER}`);
  const out: SourceFile[] = [];
  for (const n of flows) out.push(sourceFromBytes(relative(process.cwd(), join(dir, n)) || join(dir, n), readFileSync(join(dir, n))));
  return out;
}
