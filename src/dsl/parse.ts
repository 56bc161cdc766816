/**
 * The first phases of the front end for one file: lex → parse → build the AST. Nothing here
 * throws on any input: every problem is a diagnostic with a code and a position.
 */
import { EOF, type IRecognitionException, type IToken } from './chevrotain.js';
import { lex } from './lexer.js';
import { parseTokens } from './parser.js';
import { reportReservedNames, toAst, tokenRange } from './to-ast.js';
import { hintForRules } from './parse-messages.js';
import { DiagnosticSink, type Range } from './diagnostics.js';
import type { FileNode } from './ast.js';
import { MAX_NESTING, tooDeepToken } from './depth.js';

/** Larger files are refused with a diagnostic (a process this large belongs in child processes). */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;
/** At most this many syntax errors per file: past it, recovery mostly reports echoes. */
export const MAX_SYNTAX_ERRORS = 50;

export interface SourceFile {
  file: string;
  text: string;
  /** Where in `text` the bytes it was read from stop being UTF-8 (decode.ts): reported there. */
  invalidUtf8At?: number;
}

export interface Parsed {
  source: SourceFile;
  sink: DiagnosticSink;
  ast?: FileNode;
}

/** Lex, parse and build the AST of one file. */
export function parseSource(source: SourceFile): Parsed {
  const sink = new DiagnosticSink(source.file);
  const bytes = Buffer.byteLength(source.text, 'utf8');
  if (bytes > MAX_SOURCE_BYTES) {
    sink.add('parse/too-large', { line: 1, column: 1, endLine: 1, endColumn: 1 }, { bytes, limit: MAX_SOURCE_BYTES });
    return { source, sink };
  }
  if (source.invalidUtf8At !== undefined) {
    const at = source.invalidUtf8At;
    const line = source.text.slice(0, at).split('\n').length;
    const column = at - source.text.lastIndexOf('\n', at - 1);
    sink.add('parse/invalid-encoding', { line, column, endLine: line, endColumn: column }, {});
    return { source, sink };
  }
  const lexed = lex(source.text);
  for (const e of lexed.errors.slice(0, MAX_SYNTAX_ERRORS)) {
    const range: Range = { line: e.line ?? 1, column: e.column ?? 1, endLine: e.line ?? 1, endColumn: (e.column ?? 1) + Math.max(0, e.length - 1) };
    const text = source.text.substr(e.offset, Math.min(e.length, 20));
    sink.add('parse/unexpected-character', range, { text, fullWidth: /[\u2000-\u206F\u3000-\u303F\uFE10-\uFE6F\uFF00-\uFFEF]/.test(text) });
  }
  // Past the nesting limit, the parser (and every phase after it) would recurse too deep: stop here.
  const deep = tooDeepToken(lexed.tokens);
  if (deep) {
    sink.add('parse/too-deep', tokenRange(deep), { what: 'nesting', limit: MAX_NESTING });
    return { source, sink };
  }
  const room = Math.max(0, MAX_SYNTAX_ERRORS - lexed.errors.length);
  const parsed = parseTokens(lexed.tokens, room);
  for (const e of parsed.errors.slice(0, room)) {
    sink.add('parse/syntax', errorRange(e, lexed.tokens.length ? lexed.tokens[lexed.tokens.length - 1]! : undefined), {
      message: e.message,
      hint: hintForRules(e.context?.ruleStack ?? []),
    });
  }
  if (sink.hasErrors) return { source, sink };
  const ast = toAst(parsed.cst, sink);
  reportReservedNames(lexed.tokens, sink);
  return { source, sink, ast };
}

/**
 * Where a syntax error points. A token the parser expected but did not find is placed just after
 * the previous token, as a reader would point at it, when the line (or the file) ends there: a
 * missing ')' or value at the end of a line is not the fault of the next line, which is fine.
 * After a '{' or '}' the line may well end, so there the next token is pointed at; so are tokens
 * out of place themselves (left over after a complete step, which carry no previous token).
 */
function errorRange(e: IRecognitionException, last: IToken | undefined): Range {
  const t = e.token;
  const prev = (e as IRecognitionException & { previousToken?: typeof t }).previousToken;
  const known = prev && !Number.isNaN(prev.startOffset) ? prev : undefined;
  if (t.tokenType !== EOF && !Number.isNaN(t.startOffset)) {
    const lineEndsBefore = known !== undefined && (known.startLine ?? 0) < (t.startLine ?? 0) && known.image !== '{' && known.image !== '}';
    if (!lineEndsBefore) return tokenRange(t);
  }
  const anchor = known ?? last;
  const line = anchor ? tokenRange(anchor).endLine : 1;
  const column = anchor ? tokenRange(anchor).endColumn + 1 : 1;
  return { line, column, endLine: line, endColumn: column };
}

/**
 * The limits of depth.ts keep every phase's recursion well inside the stack. Should one still
 * run out of it (the compiler called from deep inside something else), that file gets a
 * parse/too-deep, and the files compiled with it are not stopped.
 */
export function outOfStack(err: unknown, sink: DiagnosticSink): void {
  if (!(err instanceof RangeError && /call stack/i.test(err.message))) throw err;
  sink.add('parse/too-deep', { line: 1, column: 1, endLine: 1, endColumn: 1 }, { what: 'nesting', limit: MAX_NESTING });
}

export function parseGuarded(source: SourceFile): Parsed {
  try {
    return parseSource(source);
  } catch (err) {
    const sink = new DiagnosticSink(source.file);
    outOfStack(err, sink);
    return { source, sink };
  }
}
