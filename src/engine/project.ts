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
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { compileCatalog, type Catalog } from '../dsl/catalog.js';
import { sourceFromBytes, type SourceFile } from '../dsl/compile.js';
import type { Diagnostic } from '../dsl/diagnostics.js';
import { SvcflowError } from './errors.js';

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

/** The catalog the project declares (its system folders), with the diagnostics of its files. */
export async function loadProjectCatalog(root: string): Promise<{ catalog: Catalog; diagnostics: Diagnostic[]; systems: SourceFile[] }> {
  const { systems } = await loadProject(root);
  return { ...compileCatalog(systems), systems };
}

async function readConfig(root: string): Promise<{ config: ProjectConfig; explicit: { processes: boolean; systems: boolean } }> {
  const path = join(root, CONFIG_FILE);
  let bytes: Buffer | undefined;
  try {
    const info = await stat(path);
    if (info.size > MAX_CONFIG_BYTES) throw new ProjectError(`${path} is ${info.size} bytes; the limit is ${MAX_CONFIG_BYTES}`);
    bytes = await readFile(path);
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

/** The `.flow` files of a folder, sorted by name; as bytes, so that what is not UTF-8 is a diagnostic. */
async function readFolder(root: string, folder: string, mustExist: boolean): Promise<SourceFile[]> {
  const dir = join(root, folder);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !mustExist) return [];
    throw new ProjectError(`cannot read the folder ${dir} named in ${CONFIG_FILE}: ${(err as Error).message}`);
  }
  const flows = names.filter((n) => n.endsWith('.flow')).sort();
  if (flows.length > MAX_FILES_PER_FOLDER) throw new ProjectError(`${dir} holds ${flows.length} .flow files; the limit is ${MAX_FILES_PER_FOLDER}`);
  const out: SourceFile[] = [];
  for (const n of flows) out.push(sourceFromBytes(relative(process.cwd(), join(dir, n)) || join(dir, n), await readFile(join(dir, n))));
  return out;
}
