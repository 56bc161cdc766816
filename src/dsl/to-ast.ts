/**
 * The CST visitor that builds the AST. It runs only on a CST without syntax errors (later phases
 * stop after parse errors), so required children are present; literal values that the lexer
 * accepted but that make no sense (a version of 0, a malformed escape) become diagnostics.
 */
import type { CstNode, IToken } from 'chevrotain';
import { GRAMMAR_CHECKS, parser, parseExpressionTokens } from './parser.js';
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

function span(from: Range, to: Range): Range {
  return { line: from.line, column: from.column, endLine: to.endLine, endColumn: to.endColumn };
}

function nodeRange(node: CstNode): Range {
  const loc = node.location;
  if (!loc || Number.isNaN(loc.startOffset)) return { line: 1, column: 1, endLine: 1, endColumn: 1 };
  return { line: loc.startLine ?? 1, column: loc.startColumn ?? 1, endLine: loc.endLine ?? 1, endColumn: loc.endColumn ?? 1 };
}

const nameOf = (t: IToken): A.Name => ({ name: t.image, range: tokenRange(t) });
/** `crm.lookupCustomer`, from its parts (parser.ts, dottedName). */
const dotted = (parts: IToken[]): A.Name => ({ name: parts.map((t) => t.image).join('.'), range: span(tokenRange(parts[0]!), tokenRange(parts[parts.length - 1]!)) });

class AstBuilder extends BaseVisitor {
  /**
   * How deep the expression being built may be, at most: each enclosing expression adds its
   * operators (a chain is a tree as deep as it is long) and each value its `.field`s and `[i]`s.
   * Past MAX_TREE_DEPTH the expression is refused: later phases recurse along it.
   */
  private exprDepth = 0;
  /** The token of the outermost expression that is in the count, for where to report. */
  private exprAt?: IToken;
  private deepReported = false;

  constructor(private readonly sink: DiagnosticSink) {
    super();
    // Every CST rule has its visitor method: checked with the grammar (tests, gen:grammar), not per compile.
    if (GRAMMAR_CHECKS) this.validateVisitor();
  }

  // ── file ───────────────────────────────────────────────────────────────────────────
  file(c: C.FileCstChildren): A.FileNode {
    return {
      processes: (c.processDecl ?? []).map((n) => this.visit(n) as A.ProcessNode),
      calendars: (c.calendarDecl ?? []).map((n) => this.visit(n) as A.CalendarNode),
      systems: (c.systemDecl ?? []).map((n) => this.visit(n) as A.SystemNode),
    };
  }

  // ── systems ────────────────────────────────────────────────────────────────────────
  systemDecl(c: C.SystemDeclCstChildren): A.SystemNode {
    const system: A.SystemNode = {
      kind: 'System',
      name: nameOf(c.name[0]!),
      description: c.description ? this.text(c.description[0]!) : undefined,
      queues: [],
      operations: [],
      channels: [],
      templates: [],
      range: span(tokenRange(c.System[0]!), tokenRange(c.name[0]!)),
    };
    for (const m of c.systemMember ?? []) {
      const member = m.children as C.SystemMemberCstChildren;
      if (member.queue) system.queues.push({ value: this.text(member.queue[0]!), range: tokenRange(member.queue[0]!) });
      else if (member.operationDecl) system.operations.push(this.visit(member.operationDecl[0]!) as A.OperationNode);
      else if (member.channelDecl) system.channels.push(this.visit(member.channelDecl[0]!) as A.ChannelNode);
      else if (member.templateDecl) system.templates.push(this.visit(member.templateDecl[0]!) as A.TemplateNode);
    }
    return system;
  }

  systemMember(): never {
    throw new Error('systemMember is read by systemDecl');
  }

  operationDecl(c: C.OperationDeclCstChildren): A.OperationNode {
    return {
      kind: 'Operation',
      name: nameOf(c.name[0]!),
      description: c.description ? this.text(c.description[0]!) : undefined,
      inputs: (c.inputDecl ?? []).map((n) => this.visit(n) as A.FieldNode[]),
      outputs: (c.outputDecl ?? []).map((n) => this.visit(n) as A.FieldNode[]),
      timeouts: (c.timeout ?? []).map((t) => ({ ms: this.duration(t), range: tokenRange(t) })),
      retries: (c.retryClause ?? []).map((n) => this.visit(n) as A.RetryNode),
      errors: (c.errorsDecl ?? []).flatMap((n) => this.visit(n) as A.OperationNode['errors']),
      range: span(tokenRange(c.Operation[0]!), tokenRange(c.name[0]!)),
    };
  }

  errorsDecl(c: C.ErrorsDeclCstChildren): A.OperationNode['errors'] {
    return (c.codes ?? []).map((t, i) => ({ code: this.text(t), description: this.text(c.descriptions![i]!), range: tokenRange(t) }));
  }

  channelDecl(c: C.ChannelDeclCstChildren): A.ChannelNode {
    return {
      kind: 'Channel',
      name: nameOf(c.name[0]!),
      description: c.description ? this.text(c.description[0]!) : undefined,
      payloads: (c.fieldBlock ?? []).map((n) => this.visit(n) as A.FieldNode[]),
      correlate: (c.correlate ?? []).map(nameOf),
      range: span(tokenRange(c.Channel[0]!), tokenRange(c.name[0]!)),
    };
  }

  templateDecl(c: C.TemplateDeclCstChildren): A.TemplateNode {
    const id = c.id[0]!;
    return {
      kind: 'Template',
      id: { value: this.text(id), range: tokenRange(id) },
      placeholders: (c.placeholders ?? []).map(nameOf),
      range: span(tokenRange(c.Template[0]!), tokenRange(id)),
    };
  }

  calendarDecl(c: C.CalendarDeclCstChildren): A.CalendarNode {
    return {
      kind: 'Calendar',
      name: nameOf(c.name[0]!),
      description: c.description ? this.text(c.description[0]!) : undefined,
      timezone: c.timezone ? { value: this.text(c.timezone[0]!), range: tokenRange(c.timezone[0]!) } : undefined,
      works:
        c.fromDay && c.toDay && c.opens && c.closes
          ? { fromDay: nameOf(c.fromDay[0]!), toDay: nameOf(c.toDay[0]!), opens: nameOf(c.opens[0]!), closes: nameOf(c.closes[0]!) }
          : undefined,
      holidays: (c.holidays ?? []).flatMap((n) => this.visit(n) as Array<{ value: string; range: Range }>),
      workdays: (c.workdays ?? []).flatMap((n) => this.visit(n) as Array<{ value: string; range: Range }>),
      range: tokenRange(c.Calendar[0]!),
    };
  }

  stringList(c: C.StringListCstChildren): Array<{ value: string; range: Range }> {
    return c.StringLiteral.map((t) => ({ value: this.text(t), range: tokenRange(t) }));
  }

  processDecl(c: C.ProcessDeclCstChildren): A.ProcessNode {
    const input = (c.inputDecl ?? []).flatMap((n) => this.visit(n) as A.FieldNode[]);
    const output = (c.outputDecl ?? []).flatMap((n) => this.visit(n) as A.FieldNode[]);
    const index = (c.indexDecl ?? []).flatMap((n) => this.visit(n) as A.Name[]);
    const calendars = (c.usesCalendar ?? []).map((n) => this.visit(n) as A.Name);
    const owners = (c.ownerDecl ?? []).map((n) => this.visit(n) as A.Name[]);
    const v = c.version[0]!;
    return {
      kind: 'Process',
      name: nameOf(c.name[0]!),
      version: { text: v.image, range: tokenRange(v) },
      description: c.description ? this.text(c.description[0]!) : '',
      input,
      output,
      index,
      owners,
      calendar: calendars[0],
      steps: this.statements(c.statement),
      range: span(tokenRange(c.Process[0]!), tokenRange(c.name[0]!)),
    };
  }

  inputDecl(c: C.InputDeclCstChildren): A.FieldNode[] {
    return this.visit(c.fieldBlock[0]!) as A.FieldNode[];
  }

  outputDecl(c: C.OutputDeclCstChildren): A.FieldNode[] {
    return this.visit(c.fieldBlock[0]!) as A.FieldNode[];
  }

  indexDecl(c: C.IndexDeclCstChildren): A.Name[] {
    return c.AnyName.map(nameOf);
  }

  ownerDecl(c: C.OwnerDeclCstChildren): A.Name[] {
    return c.path.map(nameOf);
  }

  usesCalendar(c: C.UsesCalendarCstChildren): A.Name {
    return nameOf(c.Identifier[0]!);
  }

  fieldBlock(c: C.FieldBlockCstChildren): A.FieldNode[] {
    return (c.fieldDecl ?? []).map((n) => this.visit(n) as A.FieldNode);
  }

  fieldDecl(c: C.FieldDeclCstChildren, ): A.FieldNode {
    const name = nameOf(c.name[0]!);
    const type = this.visit(c.typeExpr[0]!) as A.TypeNode;
    return { name, optional: Boolean(c.Question), type, annotations: (c.annotation ?? []).map(nameOf), range: span(name.range, type.range) };
  }

  typeExpr(c: C.TypeExprCstChildren, _p: unknown, node?: CstNode): A.TypeNode {
    void node;
    if (c.fieldBlock) {
      const block = c.fieldBlock[0]!;
      return { kind: 'RecordType', fields: this.visit(block) as A.FieldNode[], range: nodeRange(block) };
    }
    if (c.list && c.typeExpr) {
      const of = this.visit(c.typeExpr[0]!) as A.TypeNode;
      const word = c.list[0]!.image;
      if (word !== 'list' && word !== 'map') return { kind: 'NamedType', name: word, range: tokenRange(c.list[0]!) };
      return { kind: word === 'list' ? 'ListType' : 'MapType', of, range: span(tokenRange(c.list[0]!), of.range) };
    }
    if (c.named) return { kind: 'NamedType', name: c.named[0]!.image, range: tokenRange(c.named[0]!) };
    const values = c.enumValue ?? [];
    return {
      kind: 'EnumType',
      values: values.map((t) => this.text(t)),
      range: span(tokenRange(values[0]!), tokenRange(values[values.length - 1]!)),
    };
  }

  // ── statements ─────────────────────────────────────────────────────────────────────
  private statements(nodes: C.StatementCstNode[] | undefined): A.Step[] {
    return (nodes ?? []).map((n) => this.visit(n) as A.Step);
  }

  block(c: C.BlockCstChildren): A.Step[] {
    return this.statements(c.statement);
  }

  statement(c: C.StatementCstChildren): A.Step {
    const inner = c.callStmt ?? c.waitStmt ?? c.sleepStmt ?? c.ifStmt ?? c.matchStmt ?? c.parallelStmt ?? c.forStmt ?? c.repeatStmt ?? c.setStmt ?? c.escalateStmt ?? c.failStmt ?? c.endStmt;
    const step = this.visit(inner![0]!) as A.Step;
    if (c.label) step.label = nameOf(c.label[0]!);
    return step;
  }

  callStmt(c: C.CallStmtCstChildren): A.Step {
    const range = tokenRange(c.Call[0]!);
    const args = this.visit(c.argList![0]!) as A.Arg[];
    const bind = c.bind ? nameOf(c.bind[0]!) : undefined;
    if (c.Process && c.process) return { kind: 'CallProcessStep', process: nameOf(c.process[0]!), args, bind, range };
    const activity = dotted(c.activity!);
    const step: A.Step = { kind: 'CallStep', call: { activity, args, range: activity.range }, bind, range: span(range, activity.range) };
    if (c.timeout) step.timeout = this.visit(c.timeout[0]!) as A.Expr;
    if (c.Timeout && c.Timeout.length > 1) this.sink.add('check/repeated-clause', tokenRange(c.Timeout[1]!), { clause: 'timeout' });
    if (c.retryClause) step.retry = this.visit(c.retryClause[0]!) as A.RetryNode;
    if (c.retryClause && c.retryClause.length > 1) this.sink.add('check/repeated-clause', (this.visit(c.retryClause[1]!) as A.RetryNode).range, { clause: 'retry' });
    if (c.compensation && c.compensationArgs && c.Compensate) {
      // The name of the first `compensate with` (the parts before its '('); a second is an error.
      const open = (c.compensationArgs[0]!.children as C.ArgListCstChildren).LParen[0]!.startOffset;
      const comp = dotted(c.compensation.filter((t) => t.startOffset < open));
      if (c.Compensate.length > 1) this.sink.add('check/repeated-clause', tokenRange(c.Compensate[1]!), { clause: 'compensate with' });
      step.compensate = { activity: comp, args: this.visit(c.compensationArgs[0]!) as A.Arg[], range: comp.range };
    }
    return step;
  }

  retryClause(c: C.RetryClauseCstChildren): A.RetryNode {
    const ms = (t: IToken[] | undefined) => (t ? this.duration(t[0]!) : undefined);
    return {
      attempts: Number(c.attempts[0]!.image),
      everyMs: ms(c.every),
      backoff: c.backoff ? Number(c.backoff[0]!.image) : undefined,
      upToMs: ms(c.upTo),
      unless: (c.unless ?? []).flatMap((n) => (this.visit(n) as Array<{ value: string }>).map((s) => s.value)),
      range: span(tokenRange(c.Retry[0]!), tokenRange(c.Times[0]!)),
    };
  }

  argList(c: C.ArgListCstChildren): A.Arg[] {
    return this.namedValues(c.names, c.values);
  }

  /** `name: value` pairs: names[i] goes with values[i] (parser.ts, argList). */
  private namedValues(names: IToken[] | undefined, values: CstNode[] | undefined): A.Arg[] {
    return (names ?? []).map((n, i) => ({ name: nameOf(n), value: this.visit(values![i]!) as A.Expr }));
  }

  waitStmt(c: C.WaitStmtCstChildren): A.Step {
    const payload = c.payloadDecl ? (this.visit(c.payloadDecl[0]!) as A.FieldNode[]) : undefined;
    let trigger: Extract<A.Step, { kind: 'WaitStep' }>['trigger'];
    if (c.signal) trigger = { type: 'signal', name: nameOf(c.signal[0]!), payload };
    else if (c.update) trigger = { type: 'update', name: nameOf(c.update[0]!), payload };
    else trigger = { type: 'message', name: nameOf(c.message![0]!), correlate: this.visit(c.argList![0]!) as A.Arg[] };
    const escalations = (c.escalation ?? []).map((block, i) => ({
      after: this.visit(c.after![i]!) as A.Expr,
      level: undefined as string | undefined,
      steps: this.visit(block) as A.Step[],
      range: nodeRange(block),
    }));
    // `to "level"` is optional per escalation: match each level token to the escalation it follows.
    for (const level of c.level ?? []) {
      const owner = [...escalations].reverse().find((e) => (e.after.range.line < level.startLine! || (e.after.range.line === level.startLine && e.after.range.column < level.startColumn!)));
      if (owner) owner.level = this.text(level);
    }
    return {
      kind: 'WaitStep',
      bind: c.bind ? nameOf(c.bind[0]!) : undefined,
      trigger,
      within: c.within ? (this.visit(c.within[0]!) as A.Expr) : undefined,
      onTimeout: c.onTimeout ? (this.visit(c.onTimeout[0]!) as A.Step[]) : undefined,
      escalations,
      range: span(tokenRange(c.Wait[0]!), trigger.name.range),
    };
  }

  payloadDecl(c: C.PayloadDeclCstChildren): A.FieldNode[] {
    return (c.fieldDecl ?? []).map((n) => this.visit(n) as A.FieldNode);
  }

  sleepStmt(c: C.SleepStmtCstChildren): A.Step {
    return { kind: 'SleepStep', until: Boolean(c.Until), value: this.visit(c.expression[0]!) as A.Expr, range: tokenRange(c.Sleep[0]!) };
  }

  ifStmt(c: C.IfStmtCstChildren): A.Step {
    const first = { when: this.visit(c.condition[0]!) as A.Expr, steps: this.visit(c.then[0]!) as A.Step[] };
    const range = tokenRange(c.If[0]!);
    if (c.elseIf) {
      const nested = this.visit(c.elseIf[0]!) as Extract<A.Step, { kind: 'IfStep' }>;
      return { kind: 'IfStep', branches: [first, ...nested.branches], otherwise: nested.otherwise, range };
    }
    return { kind: 'IfStep', branches: [first], otherwise: c.otherwise ? (this.visit(c.otherwise[0]!) as A.Step[]) : undefined, range };
  }

  matchStmt(c: C.MatchStmtCstChildren): A.Step {
    return {
      kind: 'MatchStep',
      subject: this.visit(c.subject[0]!) as A.Expr,
      cases: (c.matchCase ?? []).map((n) => this.visit(n) as { values: A.Expr[]; steps: A.Step[] }),
      otherwise: c.otherwise ? (this.visit(c.otherwise[0]!) as A.Step[]) : undefined,
      range: tokenRange(c.Match[0]!),
    };
  }

  matchCase(c: C.MatchCaseCstChildren): { values: A.Expr[]; steps: A.Step[] } {
    return { values: (c.values ?? []).map((n) => this.visit(n) as A.Expr), steps: this.visit(c.block[0]!) as A.Step[] };
  }

  parallelStmt(c: C.ParallelStmtCstChildren): A.Step {
    return {
      kind: 'ParallelStep',
      mode: c.mode![0]!.image === 'first' ? 'first' : 'all',
      branches: c.branch.map((n) => this.visit(n) as { name?: A.Name; steps: A.Step[]; range: Range }),
      range: tokenRange(c.Parallel[0]!),
    };
  }

  branch(c: C.BranchCstChildren): { name?: A.Name; steps: A.Step[]; range: Range } {
    return { name: c.name ? nameOf(c.name[0]!) : undefined, steps: this.visit(c.block[0]!) as A.Step[], range: tokenRange(c.Branch[0]!) };
  }

  forStmt(c: C.ForStmtCstChildren): A.Step {
    return {
      kind: 'ForEachStep',
      item: nameOf(c.item[0]!),
      list: this.visit(c.list[0]!) as A.Expr,
      steps: this.visit(c.block[0]!) as A.Step[],
      range: span(tokenRange(c.For[0]!), tokenRange(c.Each[0]!)),
    };
  }

  repeatStmt(c: C.RepeatStmtCstChildren): A.Step {
    return {
      kind: 'RepeatStep',
      max: Number(c.max[0]!.image),
      until: c.until ? (this.visit(c.until[0]!) as A.Expr) : undefined,
      steps: this.visit(c.block[0]!) as A.Step[],
      range: tokenRange(c.Repeat[0]!),
    };
  }

  setStmt(c: C.SetStmtCstChildren): A.Step {
    return { kind: 'SetStep', name: nameOf(c.name[0]!), value: this.visit(c.expression[0]!) as A.Expr, range: tokenRange(c.Set[0]!) };
  }

  escalateStmt(c: C.EscalateStmtCstChildren): A.Step {
    return { kind: 'EscalateStep', level: this.visit(c.level[0]!) as A.Expr, range: span(tokenRange(c.Escalate[0]!), tokenRange(c.To[0]!)) };
  }

  failStmt(c: C.FailStmtCstChildren): A.Step {
    return {
      kind: 'FailStep',
      code: this.text(c.code[0]!),
      message: c.message ? (this.visit(c.message[0]!) as A.Expr) : undefined,
      range: span(tokenRange(c.Fail[0]!), tokenRange(c.code[0]!)),
    };
  }

  endStmt(c: C.EndStmtCstChildren): A.Step {
    return {
      kind: 'EndStep',
      outcome: this.text(c.outcome[0]!),
      output: c.output ? (this.visit(c.output[0]!) as A.Expr) : undefined,
      range: span(tokenRange(c.End[0]!), tokenRange(c.outcome[0]!)),
    };
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
  private duration(t: IToken): number {
    return parseDuration(t.image);
  }

  /**
   * The text of a "…" token, escapes resolved; a bad escape is a diagnostic, and so is a control
   * character, written as it is or as an escape (a NUL would reach the database, ESC a terminal):
   * of those, only \\t, \\n and \\r, as escapes.
   */
  private text(t: IToken): string {
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
  private stringExpr(t: IToken): A.Expr {
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

export function toAst(cst: CstNode, sink: DiagnosticSink): A.FileNode {
  return new AstBuilder(sink).visit(cst) as A.FileNode;
}
