/**
 * The CST visitor that builds the AST: files, declarations and steps, on the expression visitor
 * of ast-expressions.ts. It runs only on a CST without syntax errors (later phases stop after
 * parse errors), so required children are present; literal values that the lexer accepted but
 * that make no sense (a version of 0, a malformed escape) become diagnostics.
 */
import type { CstNode, IToken } from 'chevrotain';
import { GRAMMAR_CHECKS } from './parser.js';
import type * as C from './cst.js';
import type * as A from './ast.js';
import type { DiagnosticSink, Range } from './diagnostics.js';
import { dotted, ExpressionBuilder, nameOf, nodeRange, reportReservedNames, span, tokenRange } from './ast-expressions.js';

export { reportReservedNames, tokenRange };

class AstBuilder extends ExpressionBuilder {
  constructor(sink: DiagnosticSink) {
    super(sink);
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
}

export function toAst(cst: CstNode, sink: DiagnosticSink): A.FileNode {
  return new AstBuilder(sink).visit(cst) as A.FileNode;
}

