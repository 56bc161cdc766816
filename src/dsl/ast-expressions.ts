/**
 * The expression half of the CST visitor that builds the AST (to-ast.ts builds the files,
 * declarations and steps on top of it): operators by precedence, operands, literals, and texts
 * with their escapes and `{…}` template parts. Every expression is bounded in depth here, where
 * it is built: later phases recurse along it.
 */
import type { CstNode, IToken } from 'chevrotain';
import { parser, parseExpressionTokens } from './parser.js';
import { lex } from './lexer.js';
import * as T from './tokens.js';
import type * as C from './cst.js';
import type * as A from './ast.js';
import type { BinaryOp } from '../ir/schema.js';
import type { DiagnosticSink, Range } from './diagnostics.js';
import { parseDuration, parseMoney } from './literals.js';
import { MAX_NESTING, MAX_OPERATORS, MAX_TREE_DEPTH, tooDeepToken } from './depth.js';

const BaseVisitor = parser.getBaseCstVisitorConstructor();

export function tokenRange(t: IToken): Range {
  return {
    line: t.startLine ?? 1,
    column: t.startColumn ?? 1,
    // No token spans lines (lexer.ts): it ends on its line, its length further on.
    endLine: t.startLine ?? 1,
    endColumn: (t.startColumn ?? 1) + Math.max(0, t.image.length - 1),
  };
}

export function span(from: Range, to: Range): Range {
  return { line: from.line, column: from.column, endLine: to.endLine, endColumn: to.endColumn };
}

export function nodeRange(node: CstNode): Range {
  const loc = node.location;
  if (!loc || Number.isNaN(loc.startOffset)) return { line: 1, column: 1, endLine: 1, endColumn: 1 };
  return { line: loc.startLine ?? 1, column: loc.startColumn ?? 1, endLine: loc.endLine ?? 1, endColumn: loc.endColumn ?? 1 };
}

export const nameOf = (t: IToken): A.Name => ({ name: t.image, range: tokenRange(t) });
/** `crm.lookupCustomer`, from its parts (parser.ts, dottedName). */
export const dotted = (parts: IToken[]): A.Name => ({ name: parts.map((t) => t.image).join('.'), range: span(tokenRange(parts[0]!), tokenRange(parts[parts.length - 1]!)) });

export abstract class ExpressionBuilder extends BaseVisitor {
  /**
   * How deep the expression being built may be, at most: each enclosing expression adds its
   * operators (a chain is a tree as deep as it is long) and each value its `.field`s and `[i]`s.
   * Past MAX_TREE_DEPTH the expression is refused: later phases recurse along it.
   */
  private exprDepth = 0;
  /** The token of the outermost expression that is in the count, for where to report. */
  private exprAt?: IToken;
  private deepReported = false;

  constructor(protected readonly sink: DiagnosticSink) {
    super();
  }

  /** `name: value` pairs: names[i] goes with values[i] (parser.ts, argList). */
  protected namedValues(names: IToken[] | undefined, values: CstNode[] | undefined): A.Arg[] {
    return (names ?? []).map((n, i) => ({ name: nameOf(n), value: this.visit(values![i]!) as A.Expr }));
  }

  // ── expressions ────────────────────────────────────────────────────────────────────
  /**
   * `operand (operator operand)*` with precedence climbing (PRECEDENCE in tokens.ts; all
   * operators left-associative). A `not` reaches over the comparisons and arithmetic after it,
   * up to the next `and` or `or`: not a == b is not (a == b). The parser has already refused
   * what the precedence cannot read (a == b == c, a == not b).
   */
  expression(c: C.ExpressionCstChildren): A.Expr {
    const operators = c.BinaryOperator ?? [];
    // Each operator is a level of the tree every later phase walks: a chain past the limit is refused.
    if (operators.length > MAX_OPERATORS) {
      this.sink.add('parse/too-deep', tokenRange(operators[MAX_OPERATORS]!), { what: 'operators', limit: MAX_OPERATORS });
      return { kind: 'Literal', value: null, range: tokenRange(operators[0]!) };
    }
    const outer = this.exprAt;
    this.exprDepth += operators.length;
    this.exprAt ??= operators[0];
    try {
      if (this.exprDepth > MAX_TREE_DEPTH) return this.tooDeep();
      return this.chain(c.operands, operators);
    } finally {
      this.exprDepth -= operators.length;
      this.exprAt = outer;
    }
  }

  /** An expression past MAX_TREE_DEPTH: reported once, where the outermost one in the count starts, and read as null. */
  private tooDeep(): A.Expr {
    const range = this.exprAt ? tokenRange(this.exprAt) : { line: 1, column: 1, endLine: 1, endColumn: 1 };
    if (!this.deepReported) this.sink.add('parse/too-deep', range, { what: 'tree', limit: MAX_TREE_DEPTH });
    this.deepReported = true;
    return { kind: 'Literal', value: null, range };
  }

  private chain(operands: C.ExpressionCstChildren['operands'], operators: IToken[]): A.Expr {
    let next = 0;
    let at = 0;
    const extend = (left: A.Expr, min: number): A.Expr => {
      while (at < operators.length) {
        const op = operators[at]!;
        const level = T.PRECEDENCE.get(op.tokenType)!;
        if (level < min) break;
        at++;
        const right = climb(level + 1);
        left = { kind: 'Binary', op: op.image as BinaryOp, left, right, range: span(left.range, right.range) };
      }
      return left;
    };
    const climb = (min: number): A.Expr => {
      const node = operands[next++]!;
      const value = this.visit(node) as A.Expr;
      const not = (node.children as C.OperandCstChildren).Not;
      if (!not) return extend(value, min);
      const arg = extend(value, T.NOT_PRECEDENCE + 1);
      return extend({ kind: 'Unary', op: 'not', arg, range: span(tokenRange(not[0]!), arg.range) }, min);
    };
    return climb(0);
  }

  /** One value, with its `-` and its `.field` / `[index]` suffixes (its `not` is the expression's). */
  operand(c: C.OperandCstChildren): A.Expr {
    const suffixes = c.suffix?.length ?? 0;
    const outer = this.exprAt;
    this.exprDepth += suffixes;
    this.exprAt ??= (c.suffix as Array<IToken | CstNode> | undefined)?.find((x): x is IToken => 'image' in x) ?? c.RBracket?.[0];
    try {
      return this.exprDepth > MAX_TREE_DEPTH ? this.tooDeep() : this.suffixed(c);
    } finally {
      this.exprDepth -= suffixes;
      this.exprAt = outer;
    }
  }

  private suffixed(c: C.OperandCstChildren): A.Expr {
    let expr = this.atom(c);
    if (c.suffix && c.suffix.length > MAX_OPERATORS) {
      this.sink.add('parse/too-deep', expr.range, { what: 'operators', limit: MAX_OPERATORS });
      return expr;
    }
    // `.name` (a token) and `[index]` (a node) share the label `suffix`, so the one array holds
    // them in source order: a.b[0].c is ((a.b)[0]).c. (CST nodes carry no location to sort by.)
    if (c.suffix) {
      const brackets = c.RBracket ?? [];
      let n = 0;
      for (const s of c.suffix as Array<IToken | CstNode>) {
        if ('image' in s) {
          expr = { kind: 'Member', object: expr, property: nameOf(s), range: span(expr.range, tokenRange(s)) };
        } else {
          const index = this.visit(s) as A.Expr;
          const close = brackets[n++];
          expr = { kind: 'Index', object: expr, index, range: span(expr.range, close ? tokenRange(close) : index.range) };
        }
      }
    }
    return c.Minus ? { kind: 'Unary', op: '-', arg: expr, range: span(tokenRange(c.Minus[0]!), expr.range) } : expr;
  }

  private atom(c: C.OperandCstChildren): A.Expr {
    if (c.Identifier) return { kind: 'Name', name: c.Identifier[0]!.image, range: tokenRange(c.Identifier[0]!) };
    if (c.Input) return { kind: 'Name', name: 'input', range: tokenRange(c.Input[0]!) };
    if (c.StringLiteral) return this.stringExpr(c.StringLiteral[0]!);
    if (c.MoneyLiteral) {
      const t = c.MoneyLiteral[0]!;
      const money = parseMoney(t.image);
      return { kind: 'Money', fen: money.fen, currency: money.currency, range: tokenRange(t) };
    }
    if (c.DurationLiteral) return { kind: 'Duration', ms: this.duration(c.DurationLiteral[0]!), range: tokenRange(c.DurationLiteral[0]!) };
    if (c.businessDuration) return this.visit(c.businessDuration[0]!) as A.Expr;
    if (c.NumberLiteral) return { kind: 'Literal', value: Number(c.NumberLiteral[0]!.image), range: tokenRange(c.NumberLiteral[0]!) };
    if (c.True) return { kind: 'Literal', value: true, range: tokenRange(c.True[0]!) };
    if (c.False) return { kind: 'Literal', value: false, range: tokenRange(c.False[0]!) };
    if (c.Null) return { kind: 'Literal', value: null, range: tokenRange(c.Null[0]!) };
    if (c.listLiteral) return this.visit(c.listLiteral[0]!) as A.Expr;
    if (c.recordLiteral) return this.visit(c.recordLiteral[0]!) as A.Expr;
    if (c.functionCall) return this.visit(c.functionCall[0]!) as A.Expr;
    return this.visit(c.expression![0]!) as A.Expr;
  }

  businessDuration(c: C.BusinessDurationCstChildren): A.Expr {
    const n = c.NumberLiteral[0]!;
    const unit = c.unit![0]!;
    return { kind: 'BizDuration', amount: Number(n.image), unit: unit.image.startsWith('hour') ? 'hours' : 'days', range: span(tokenRange(n), tokenRange(unit)) };
  }

  functionCall(c: C.FunctionCallCstChildren): A.Expr {
    const fn = nameOf(c.fn[0]!);
    const args = (c.args ?? []).map((n) => this.visit(n) as A.Expr);
    return { kind: 'Call', fn, args, range: span(fn.range, tokenRange(c.RParen[0]!)) };
  }

  listLiteral(c: C.ListLiteralCstChildren): A.Expr {
    return { kind: 'List', items: (c.items ?? []).map((n) => this.visit(n) as A.Expr), range: span(tokenRange(c.LBracket[0]!), tokenRange(c.RBracket[0]!)) };
  }

  recordLiteral(c: C.RecordLiteralCstChildren): A.Expr {
    return {
      kind: 'Record',
      fields: this.namedValues(c.names, c.values),
      range: span(tokenRange(c.LCurly[0]!), tokenRange(c.RCurly[0]!)),
    };
  }

  // ── literals ───────────────────────────────────────────────────────────────────────
  protected duration(t: IToken): number {
    return parseDuration(t.image);
  }

  /**
   * The text of a "…" token, escapes resolved; a bad escape is a diagnostic, and so is a control
   * character, written as it is or as an escape (a NUL would reach the database, ESC a terminal):
   * of those, only \\t, \\n and \\r, as escapes.
   */
  protected text(t: IToken): string {
    if (RAW_CONTROL.test(t.image)) {
      this.sink.add('check/invalid-literal', tokenRange(t), { text: shown(t.image), problem: 'a text cannot hold a control character as it is (write \\t for a tab)' });
      return t.image.slice(1, -1);
    }
    let value: string;
    try {
      value = JSON.parse(t.image) as string;
    } catch {
      this.sink.add('check/invalid-literal', tokenRange(t), { text: t.image, problem: 'this text has an escape that is not \\n, \\t, \\", \\\\ or \\uXXXX' });
      return t.image.slice(1, -1);
    }
    if (ESCAPED_CONTROL.test(value)) this.sink.add('check/invalid-literal', tokenRange(t), { text: t.image, problem: 'a text cannot hold NUL or another control character (only \\t, \\n and \\r)' });
    return value;
  }

  /** A text with `{expr}` parts is a template; `{{` and `}}` stand for braces. */
  protected stringExpr(t: IToken): A.Expr {
    const value = this.text(t);
    const range = tokenRange(t);
    if (!value.includes('{') && !value.includes('}')) return { kind: 'Literal', value, range };
    // Where each character of the value stands in the source: escapes (\" \uXXXX) are longer there.
    const at = sourceColumns(t, value);
    const parts: Array<string | A.Expr> = [];
    let literal = '';
    let i = 0;
    while (i < value.length) {
      const ch = value[i]!;
      if ((ch === '{' || ch === '}') && value[i + 1] === ch) {
        literal += ch;
        i += 2;
        continue;
      }
      if (ch === '{') {
        const close = value.indexOf('}', i);
        const end = close < 0 ? value.length : close;
        const partRange: Range = { line: range.line, column: at(i), endLine: range.line, endColumn: close < 0 ? at(end) - 1 : at(close) };
        const expr = this.templatePart(value.slice(i + 1, end), partRange, close < 0);
        if (literal) parts.push(literal);
        literal = '';
        if (expr) parts.push(expr);
        i = end + 1;
        continue;
      }
      literal += ch;
      i++;
    }
    if (literal) parts.push(literal);
    return { kind: 'Template', parts, range };
  }

  private templatePart(inner: string, partRange: Range, unclosed: boolean): A.Expr | undefined {
    const lexed = lex(inner);
    if (unclosed || lexed.errors.length || lexed.tokens.length === 0) {
      this.sink.add('parse/invalid-template', partRange, { part: inner, unclosed });
      return undefined;
    }
    if (tooDeepToken(lexed.tokens)) {
      this.sink.add('parse/too-deep', partRange, { what: 'nesting', limit: MAX_NESTING });
      return undefined;
    }
    reportReservedNames(lexed.tokens, this.sink, partRange);
    const parsed = parseExpressionTokens(lexed.tokens);
    if (parsed.errors.length) {
      this.sink.add('parse/invalid-template', partRange, { part: inner });
      return undefined;
    }
    const expr = this.visit(parsed.cst) as A.Expr;
    return relocate(expr, partRange);
  }
}


/**
 * The source column of each character of a text's value (and of the closing quote, for the end),
 * from its token: `\"` and `\n` take two columns, `\uXXXX` six.
 */
function sourceColumns(t: IToken, value: string): (index: number) => number {
  const columns: number[] = [];
  const image = t.image;
  // A text with a bad escape keeps its raw characters (see `text`): one column each.
  const raw = value === image.slice(1, -1);
  let i = 1;
  while (i < image.length - 1) {
    columns.push(i);
    i += raw || image[i] !== '\\' ? 1 : image[i + 1] === 'u' ? 6 : 2;
  }
  columns.push(image.length - 1);
  const start = t.startColumn ?? 1;
  return (index) => start + (columns[Math.min(index, columns.length - 1)] ?? 0);
}

/** Template parts are parsed on their own: give every node the range of the `{…}` part. */
function relocate(expr: A.Expr, range: Range): A.Expr {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = k === 'range' ? range : walk(v);
      return out;
    }
    return value;
  };
  return walk(expr) as A.Expr;
}

/** Control characters (C0 and DEL) in a text literal as written; tab among them (JSON.parse refuses it too). */
const RAW_CONTROL = /[\u0000-\u001f\u007f]/;
/** Control characters in a text's value: any but tab, line feed and carriage return. */
const ESCAPED_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** A text for a message, its control characters shown as \uXXXX. */
const shown = (text: string) => text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * `__proto__` is no name anywhere (a field, a key, a variable, an argument): as the key of a
 * plain object it would set the object's prototype instead of a field.
 */
export function reportReservedNames(tokens: readonly IToken[], sink: DiagnosticSink, at?: Range): void {
  for (const t of tokens) if (t.image === '__proto__') sink.add('check/reserved-name', at ?? tokenRange(t), { name: t.image });
}
