/**
 * `svcflow check | compile | graph`: the DSL front end on the command line. Every problem in a
 * `.flow` file is a diagnostic (`path:line:col: error code: message`, the line, a caret, a hint);
 * the exit code is 1 when there is any error, 0 otherwise. Processes are checked against the
 * project's systems (svcflow.config.json; see cli/catalog.ts).
 */
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { compileSources, sourceFromBytes, type SourceFile } from '../dsl/compile.js';
import { formatDiagnostic, type Diagnostic } from '../dsl/diagnostics.js';
import type { ProcessIR } from '../ir/schema.js';
import type { Catalog } from '../dsl/catalog.js';
import { CliError } from './errors.js';
import { projectCatalog } from './catalog.js';

export { CliError };

/** Reads the named files; a directory stands for the `.flow` files in it. */
export async function readSources(paths: string[]): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  // Bytes, not 'utf8': what is not UTF-8 is a diagnostic where it is, not a silent U+FFFD.
  const add = (file: string, bytes: Uint8Array) => {
    if (!out.some((s) => s.file === file)) out.push(sourceFromBytes(file, bytes));
  };
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new CliError(`cannot read ${path}: no such file or directory`);
    }
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => n.endsWith('.flow')).sort();
      if (names.length === 0) throw new CliError(`${path} holds no .flow files`);
      for (const n of names) add(join(path, n), await readFile(join(path, n)));
    } else {
      add(path, await readFile(path));
    }
  }
  return out;
}

/** Past this many, a terminal shows only a count: the first errors are the ones to fix. */
const MAX_PRINTED = 100;

/** Prints diagnostics as `svcflow check` does (also used by `svcflow deploy`). */
export function report(diagnostics: Diagnostic[], sources: SourceFile[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ diagnostics }, null, 2)}\n`);
    return;
  }
  const lines = new Map(sources.map((s) => [s.file, s.text.split(/\r?\n/)]));
  const shown = diagnostics.slice(0, MAX_PRINTED);
  process.stderr.write(shown.map((d) => `${formatDiagnostic(d, lines.get(d.file))}\n`).join(''));
  if (diagnostics.length > shown.length) process.stderr.write(`… and ${diagnostics.length - shown.length} more (--json lists them all)\n`);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (errors) process.stderr.write(`${errors} error${errors === 1 ? '' : 's'} in ${new Set(diagnostics.map((d) => d.file)).size} file(s)\n`);
}

/**
 * Compiles `sources` against the project's catalog. Problems in the project's system files come
 * first: they are errors of the project, whichever files were named.
 */
export async function compileWithProject(sources: SourceFile[]): Promise<{ processes: ProcessIR[]; diagnostics: Diagnostic[]; sources: SourceFile[]; catalog: Catalog }> {
  const project = await projectCatalog(sources);
  const compiled = compileSources(sources, { catalog: project.catalog });
  return { processes: compiled.processes, diagnostics: [...project.diagnostics, ...compiled.diagnostics], sources: [...sources, ...project.systems], catalog: project.catalog };
}

export async function checkCommand(paths: string[], opts: { json?: boolean }): Promise<number> {
  const { diagnostics, processes, sources } = await compileWithProject(await readSources(paths));
  report(diagnostics, sources, Boolean(opts.json));
  if (!opts.json && diagnostics.length === 0) {
    process.stderr.write(`ok: ${processes.map((p) => `${p.name} v${p.version}`).join(', ') || 'no process (system declarations only)'}\n`);
  }
  return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}

/** Compiles one file (others may be given with --with, for `call process`); prints diagnostics on failure. */
/** The other .flow files beside `file`: where the processes it calls usually live. */
async function siblings(file: string): Promise<string[]> {
  const dir = dirname(file);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.flow') && resolve(dir, n) !== resolve(file)).map((n) => join(dir, n));
}

/**
 * Compiles one file. The processes it calls come from `--with` files (whose errors count) or,
 * without `--with`, from the .flow files beside it (whose own errors are theirs, not this file's).
 */
async function compileOne(file: string, withFiles: string[] | undefined, json = false): Promise<ProcessIR[] | undefined> {
  const { diagnostics, processes, sources } = await compileWithProject(await readSources([file, ...(withFiles ?? (await siblings(file)))]));
  const target = sources[0]!.file;
  const relevant = withFiles ? diagnostics.filter((d) => d.file === target || d.severity === 'error') : diagnostics.filter((d) => d.file === target);
  if (relevant.some((d) => d.severity === 'error')) {
    report(relevant, sources, json);
    return undefined;
  }
  return processes.filter((p) => p.source.file === target);
}

export async function compileCommand(file: string, opts: { out?: string; with?: string[] }): Promise<number> {
  const irs = await compileOne(file, opts.with);
  if (!irs) return 1;
  const json = `${JSON.stringify(irs.length === 1 ? irs[0] : irs, null, 2)}\n`;
  if (opts.out) await writeFile(opts.out, json);
  else process.stdout.write(json);
  return 0;
}

export async function graphCommand(file: string, opts: { format: string; out?: string; with?: string[] }): Promise<number> {
  const formats = ['mermaid', 'dot', 'svg'];
  if (!formats.includes(opts.format)) throw new CliError(`unknown format '${opts.format}': choose ${formats.join(', ')}`);
  const irs = await compileOne(file, opts.with);
  if (!irs) return 1;
  const graph = await import('../dsl/graph.js');
  const parts: string[] = [];
  for (const ir of irs) {
    parts.push(opts.format === 'mermaid' ? graph.toMermaid(ir) : opts.format === 'dot' ? graph.toDot(ir) : await graph.toSvg(ir));
  }
  const text = `${parts.join('\n')}\n`;
  if (opts.out) await writeFile(opts.out, text);
  else process.stdout.write(text);
  return 0;
}
