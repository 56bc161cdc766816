/**
 * The front end, one verb per phase: lex → parse → build the AST → check → lower to IR.
 * Later phases stop after syntax errors. Nothing here throws on any input: every problem is a
 * diagnostic with a code and a position.
 */
import { checkFile, resolveFields, type CheckContext, type ProcessView } from './check.js';
import { lowerProcess } from './lower.js';
import { DiagnosticSink, type Diagnostic } from './diagnostics.js';
import type { ProcessIR } from '../ir/schema.js';
import { EMPTY_CATALOG, indexCatalog, type Catalog, type CatalogIndex } from './catalog.js';
import { declareSystems } from './check-system.js';
import { outOfStack, parseGuarded, type SourceFile } from './parse.js';

export { MAX_SOURCE_BYTES, MAX_SYNTAX_ERRORS, parseSource, type SourceFile } from './parse.js';
export { sourceFromBytes } from './decode.js';
export { MAX_NESTING, MAX_OPERATORS, MAX_TREE_DEPTH } from './depth.js';

export interface CompileResult {
  processes: ProcessIR[];
  diagnostics: Diagnostic[];
}

export interface CompileOptions {
  /** The systems processes may call and wait on; the files' own `system` declarations join it. Default: none. */
  catalog?: Catalog;
  /** Processes from elsewhere (the registry) that `call process` may name. */
  known?: ReadonlyMap<string, ProcessView>;
}

/** A catalog's index, made once per catalog object (a compiler given the same catalog each time indexes it once). */
const indexes = new WeakMap<Catalog, CatalogIndex>();
function indexOf(catalog: Catalog): CatalogIndex {
  let index = indexes.get(catalog);
  if (!index) indexes.set(catalog, (index = indexCatalog(catalog)));
  return index;
}

/**
 * Compiles a set of files together: processes in one file may call processes in another, and
 * the systems declared in any of them. `options.catalog` gives the systems declared elsewhere.
 */
export function compileSources(sources: SourceFile[], options: CompileOptions = {}): CompileResult {
  const parsed = sources.map(parseGuarded);
  const base = options.catalog ?? EMPTY_CATALOG;
  const given = indexOf(base);
  const declared = parsed.some((p) => p.ast?.systems.length) ? declareSystems(parsed, given) : [];
  const catalog = declared.length ? indexCatalog({ systems: [...base.systems, ...declared] }) : given;
  const processes = new Map<string, ProcessView>(options.known);
  const scratch = new DiagnosticSink('');
  // A name and version defined in an earlier file: the later definition is the duplicate.
  const definedIn = new Map<string, string>();
  for (const p of parsed) {
    const here = new Set<string>();
    for (const proc of p.ast?.processes ?? []) {
      const key = `${proc.name.name} v${proc.version.text}`;
      const first = definedIn.get(key);
      if (first !== undefined && !here.has(key)) p.sink.add('check/duplicate-process', proc.name.range, { name: key, file: first });
      if (first === undefined) definedIn.set(key, p.source.file);
      here.add(key);
      processes.set(proc.name.name, { input: resolveFields(proc.input, scratch), output: resolveFields(proc.output, scratch) });
    }
  }
  const ctx: CheckContext = { catalog, processes };
  const out: ProcessIR[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const p of parsed) {
    if (p.ast) {
      try {
        checkFile(p.ast, ctx, p.sink);
        if (!p.sink.hasErrors) {
          const calendars = new Map(p.ast.calendars.map((c) => [c.name.name, c]));
          const irs = p.ast.processes.map((proc) => lowerProcess(proc, calendars, p.source.file, catalog));
          out.push(...irs);
        }
      } catch (err) {
        outOfStack(err, p.sink);
      }
    }
    diagnostics.push(...p.sink.items.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  return { processes: out, diagnostics };
}

export function compileSource(text: string, file = '<input>', options: CompileOptions = {}): CompileResult {
  return compileSources([{ file, text }], options);
}
