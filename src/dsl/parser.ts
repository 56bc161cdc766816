/**
 * The grammar of the process DSL, and nothing else: no actions, no meaning. `to-ast.ts` walks
 * the CST this produces. Error recovery is on, so one run reports every syntax error.
 * The CST types in `cst.d.ts` are generated from this grammar (`npm run gen:grammar`).
 *
 * Recovery works one step at a time (`recovery.ts`): the grammar marks where steps are read
 * (`step`), where blocks of steps open and close, and what may follow a complete step.
 */
import type { CstNode, IOrAlt, IRecognitionException, IToken } from 'chevrotain';
import { generateCstDts } from './chevrotain.js';
import * as T from './tokens.js';
import { errorMessageProvider } from './parse-messages.js';
import { ExpressionParser } from './expression-parser.js';
import { DECLARATION_STARTS, IN_STEP, memberOrEnd, stepOrEnd } from './recovery.js';
import { openCstNode } from './cst-children.js';

export { CstChildren } from './cst-children.js';
import { TabledLookahead, type LookaheadTable } from './lookahead.js';
import { LOOKAHEAD } from './lookahead-table.js';

/**
 * Chevrotain's grammar validations cost a third of building the parser (33 ms → 22 ms on a cold
 * start without them). They guard the grammar, not the input, so they run where the grammar
 * changes: in the test suite and `npm run gen:grammar` (SVCFLOW_GRAMMAR_CHECKS=1).
 */
export const GRAMMAR_CHECKS = process.env.SVCFLOW_GRAMMAR_CHECKS === '1';

export class ProcessParser extends ExpressionParser {
  // Chevrotain's performance guide: the alternatives of an OR, written as an array literal,
  // are allocated anew at every call (an object and a closure each). The ORs read for every
  // step and every value build theirs once, at their first call (the grammar recording).
  private statementAlts?: IOrAlt<CstNode>[];
  private callAlts?: IOrAlt<void>[];
  private callClauseAlts?: IOrAlt<void>[];
  private waitAlts?: IOrAlt<void>[];
  private waitClauseAlts?: IOrAlt<void>[];
  /** `lookahead`: from a table (what `parser` uses); without it, Chevrotain's own LL(k), computed here. */
  constructor(lookahead?: TabledLookahead) {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: MAX_LOOKAHEAD,
      ...(lookahead && { lookaheadStrategy: lookahead }),
      errorMessageProvider,
      skipValidations: !GRAMMAR_CHECKS,
    });
    this.performSelfAnalysis();
  }

  /** Each CST node's children as fast properties (cst-children.ts; not public API: a test checks it). */
  cstInvocationStateUpdate(fullRuleName: string): void {
    openCstNode(this, fullRuleName);
  }

  /** One step of a process or a block, recovering on its own. */
  private step(): void {
    this.recoverStep(() => this.SUBRULE(this.statement));
  }

  // ── file, calendars, process header ────────────────────────────────────────────────
  public file = this.RULE('file', () => {
    this.MANY(() =>
      this.OR([{ ALT: () => this.SUBRULE(this.calendarDecl) }, { ALT: () => this.SUBRULE(this.processDecl) }, { ALT: () => this.SUBRULE(this.systemDecl) }]),
    );
  });

  // ── systems: the catalog, declared ──────────────────────────────────────────────────
  // Each member (queue, operation, channel, template) recovers on its own, as a step does: a
  // mistake in one is reported once, and the members after it are still read.
  public systemDecl = this.RULE('systemDecl', () => {
    this.CONSUME(T.System);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.StringLiteral, { LABEL: 'description' }));
    this.MANY(() => this.recoverMember(() => this.SUBRULE(this.systemMember)));
    this.ACTION(() => this.expectNext((t) => DECLARATION_STARTS.has(t), ['file', 'systemDecl'], 'system'));
  });

  public systemMember = this.RULE('systemMember', () => {
    this.OR([
      { ALT: () => (this.CONSUME(T.Queue), this.CONSUME(T.StringLiteral, { LABEL: 'queue' })) },
      { ALT: () => this.SUBRULE(this.operationDecl) },
      { ALT: () => this.SUBRULE(this.channelDecl) },
      { ALT: () => this.SUBRULE(this.templateDecl) },
    ]);
    this.ACTION(() => this.expectNext(memberOrEnd, ['systemDecl', 'systemMember'], 'member'));
  }, IN_STEP);

  public operationDecl = this.RULE('operationDecl', () => {
    this.CONSUME(T.Operation);
    this.CONSUME(T.AnyName, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.StringLiteral, { LABEL: 'description' }));
    this.MANY(() =>
      this.OR([
        { ALT: () => this.SUBRULE(this.inputDecl) },
        { ALT: () => this.SUBRULE(this.outputDecl) },
        { ALT: () => (this.CONSUME(T.Timeout), this.CONSUME(T.DurationLiteral, { LABEL: 'timeout' })) },
        { ALT: () => this.SUBRULE(this.retryClause) },
        { ALT: () => this.SUBRULE(this.errorsDecl) },
      ]),
    );
  }, IN_STEP);

  /** `errors { "crm/not-found": "no customer has this number", … }` */
  public errorsDecl = this.RULE('errorsDecl', () => {
    this.CONSUME(T.Errors);
    this.CONSUME(T.LCurly);
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () => {
        this.CONSUME(T.StringLiteral, { LABEL: 'codes' });
        this.CONSUME(T.Colon);
        this.CONSUME2(T.StringLiteral, { LABEL: 'descriptions' });
      },
    });
    this.CONSUME(T.RCurly);
  }, IN_STEP);

  public channelDecl = this.RULE('channelDecl', () => {
    this.CONSUME(T.Channel);
    this.CONSUME(T.AnyName, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.StringLiteral, { LABEL: 'description' }));
    this.MANY(() =>
      this.OR([
        { ALT: () => (this.CONSUME(T.Payload), this.SUBRULE(this.fieldBlock)) },
        { ALT: () => (this.CONSUME(T.Correlate), this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME2(T.AnyName, { LABEL: 'correlate' }) })) },
      ]),
    );
  }, IN_STEP);

  /** `template "sp.confirm.request" (product, fee)`: a message template and its placeholders. */
  public templateDecl = this.RULE('templateDecl', () => {
    this.CONSUME(T.Template);
    this.CONSUME(T.StringLiteral, { LABEL: 'id' });
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.AnyName, { LABEL: 'placeholders' }) });
    this.CONSUME(T.RParen);
  }, IN_STEP);

  public calendarDecl = this.RULE('calendarDecl', () => {
    this.CONSUME(T.Calendar);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.StringLiteral, { LABEL: 'description' }));
    this.AT_LEAST_ONE(() =>
      this.OR([
        { ALT: () => (this.CONSUME(T.Timezone), this.CONSUME2(T.StringLiteral, { LABEL: 'timezone' })) },
        {
          ALT: () => {
            this.CONSUME(T.Works);
            this.CONSUME2(T.Identifier, { LABEL: 'fromDay' });
            this.CONSUME(T.Minus);
            this.CONSUME3(T.Identifier, { LABEL: 'toDay' });
            this.CONSUME(T.ClockLiteral, { LABEL: 'opens' });
            this.CONSUME(T.To);
            this.CONSUME2(T.ClockLiteral, { LABEL: 'closes' });
          },
        },
        { ALT: () => (this.CONSUME(T.Holidays), this.SUBRULE(this.stringList, { LABEL: 'holidays' })) },
        { ALT: () => (this.CONSUME(T.Workdays), this.SUBRULE2(this.stringList, { LABEL: 'workdays' })) },
      ]),
    );
    this.ACTION(() => this.expectNext((t) => DECLARATION_STARTS.has(t), ['file', 'calendarDecl'], 'calendar'));
  });

  public stringList = this.RULE('stringList', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.StringLiteral) });
  });

  public processDecl = this.RULE('processDecl', () => {
    this.CONSUME(T.Process);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.Version);
    this.CONSUME(T.NumberLiteral, { LABEL: 'version' });
    this.OPTION(() => this.CONSUME(T.StringLiteral, { LABEL: 'description' }));
    this.MANY(() =>
      this.OR([
        { ALT: () => this.SUBRULE(this.inputDecl) },
        { ALT: () => this.SUBRULE(this.outputDecl) },
        { ALT: () => this.SUBRULE(this.indexDecl) },
        { ALT: () => this.SUBRULE(this.usesCalendar) },
        { ALT: () => this.SUBRULE(this.ownerDecl) },
      ]),
    );
    // `system` is a name too (a soft keyword): at the end of a process, it starts the next declaration, unless it is a label.
    this.MANY2({ GATE: () => this.LA(1).tokenType !== T.System || this.LA(2).tokenType === T.Colon, DEF: () => this.step() });
    this.ACTION(() => this.expectNext((t) => DECLARATION_STARTS.has(t), ['file', 'processDecl'], 'process'));
  });

  public inputDecl = this.RULE('inputDecl', () => {
    this.CONSUME(T.Input);
    this.SUBRULE(this.fieldBlock);
  });

  public outputDecl = this.RULE('outputDecl', () => {
    this.CONSUME(T.Output);
    this.SUBRULE(this.fieldBlock);
  });

  public indexDecl = this.RULE('indexDecl', () => {
    this.CONSUME(T.Index);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.AnyName) });
  });

  /** `owner input.firstContactOwner`: the input field that names who owns an instance. */
  public ownerDecl = this.RULE('ownerDecl', () => {
    this.CONSUME(T.Owner);
    this.CONSUME(T.AnyName, { LABEL: 'path' });
    this.MANY(() => (this.CONSUME(T.Dot), this.CONSUME2(T.AnyName, { LABEL: 'path' })));
  });

  public usesCalendar = this.RULE('usesCalendar', () => {
    this.CONSUME(T.Uses);
    this.CONSUME(T.Calendar);
    this.CONSUME(T.Identifier);
  });

  public fieldBlock = this.RULE('fieldBlock', () => {
    this.CONSUME(T.LCurly);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.fieldDecl) });
    this.CONSUME(T.RCurly);
  });

  public fieldDecl = this.RULE('fieldDecl', () => {
    this.CONSUME(T.AnyName, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.Question));
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.MANY(() => (this.CONSUME(T.At), this.CONSUME(T.Identifier, { LABEL: 'annotation' })));
  });

  public typeExpr = this.RULE('typeExpr', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.fieldBlock) },
      { ALT: () => (this.CONSUME(T.AnyName, { LABEL: 'list' }), this.CONSUME(T.Of), this.SUBRULE(this.typeExpr)) },
      { ALT: () => this.CONSUME2(T.AnyName, { LABEL: 'named' }) },
      { ALT: () => this.AT_LEAST_ONE_SEP({ SEP: T.Pipe, DEF: () => this.CONSUME(T.StringLiteral, { LABEL: 'enumValue' }) }) },
    ]);
  });

  // ── statements ─────────────────────────────────────────────────────────────────────
  public block = this.RULE(
    'block',
    () => {
      this.openBlock();
      this.ACTION(() => this.expectNext(stepOrEnd, ['block'], 'block'));
      this.MANY(() => this.step());
      this.closeBlock();
    },
    IN_STEP,
  );

  public statement = this.RULE('statement', () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier, { LABEL: 'label' });
      this.CONSUME(T.Colon);
    });
    const kind = this.OR((this.statementAlts ??= [
      { ALT: () => this.SUBRULE(this.callStmt) },
      { ALT: () => this.SUBRULE(this.waitStmt) },
      { ALT: () => this.SUBRULE(this.sleepStmt) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.matchStmt) },
      { ALT: () => this.SUBRULE(this.parallelStmt) },
      { ALT: () => this.SUBRULE(this.forStmt) },
      { ALT: () => this.SUBRULE(this.repeatStmt) },
      { ALT: () => this.SUBRULE(this.setStmt) },
      { ALT: () => this.SUBRULE(this.escalateStmt) },
      { ALT: () => this.SUBRULE(this.failStmt) },
      { ALT: () => this.SUBRULE(this.endStmt) },
    ]));
    this.ACTION(() => this.expectNext(stepOrEnd, ['statement', kind.name], 'step'));
  }, IN_STEP);

  public callStmt = this.RULE('callStmt', () => {
    this.CONSUME(T.Call);
    this.OR((this.callAlts ??= [
      { ALT: () => (this.CONSUME(T.Process), this.CONSUME(T.Identifier, { LABEL: 'process' }), this.SUBRULE(this.argList)) },
      { ALT: () => (this.dottedName(3, 'activity'), this.SUBRULE2(this.argList)) },
    ]));
    this.OPTION(() => (this.CONSUME(T.As), this.CONSUME2(T.Identifier, { LABEL: 'bind' })));
    this.MANY(() =>
      this.OR2((this.callClauseAlts ??= [
        { ALT: () => (this.CONSUME(T.Timeout), this.SUBRULE(this.expression, { LABEL: 'timeout' })) },
        { ALT: () => this.SUBRULE(this.retryClause) },
        {
          ALT: () => {
            this.CONSUME(T.Compensate);
            this.CONSUME(T.With);
            this.dottedName(4, 'compensation');
            this.SUBRULE3(this.argList, { LABEL: 'compensationArgs' });
          },
        },
      ])),
    );
  }, IN_STEP);

  public retryClause = this.RULE('retryClause', () => {
    this.CONSUME(T.Retry);
    this.CONSUME(T.NumberLiteral, { LABEL: 'attempts' });
    this.CONSUME(T.Times);
    this.OPTION(() => (this.CONSUME(T.Every), this.CONSUME(T.DurationLiteral, { LABEL: 'every' })));
    this.OPTION2(() => (this.CONSUME(T.Backoff), this.CONSUME2(T.NumberLiteral, { LABEL: 'backoff' })));
    this.OPTION3(() => (this.CONSUME(T.Up), this.CONSUME(T.To), this.CONSUME2(T.DurationLiteral, { LABEL: 'upTo' })));
    this.OPTION4(() => (this.CONSUME(T.Unless), this.SUBRULE(this.stringList, { LABEL: 'unless' })));
  }, IN_STEP);

  /**
   * `crm.lookupCustomer`: a name and its `.parts`, all under `label`, inline in the rule (no CST node
   * of its own); `idx` is the occurrence in that rule, distinct for each use.
   */
  private dottedName(idx: number, label: string): void {
    this.consume(idx, T.Identifier, { LABEL: label });
    this.many(idx, () => (this.consume(idx, T.Dot), this.consume(idx, T.AnyName, { LABEL: label })));
  }

  /**
   * `(name: value, …)`. A `name: value` pair is not a rule of its own: names[i] goes with
   * values[i] (a step that goes wrong is dropped whole, so they stay in step), and the CST of a
   * call is a node per argument smaller.
   */
  public argList = this.RULE('argList', () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.namedValue() });
    this.CONSUME(T.RParen);
  }, IN_STEP);

  public waitStmt = this.RULE('waitStmt', () => {
    this.CONSUME(T.Wait);
    this.OPTION(() => (this.CONSUME(T.Identifier, { LABEL: 'bind' }), this.CONSUME(T.Equals)));
    this.OR((this.waitAlts ??= [
      { ALT: () => (this.CONSUME(T.Signal), this.CONSUME(T.AnyName, { LABEL: 'signal' }), this.OPTION2(() => this.SUBRULE(this.payloadDecl))) },
      { ALT: () => (this.CONSUME(T.Update), this.CONSUME2(T.AnyName, { LABEL: 'update' }), this.OPTION3(() => this.SUBRULE2(this.payloadDecl))) },
      { ALT: () => (this.CONSUME(T.Message), this.CONSUME3(T.AnyName, { LABEL: 'message' }), this.SUBRULE(this.argList)) },
    ]));
    this.OPTION4(() => (this.CONSUME(T.Within), this.SUBRULE(this.expression, { LABEL: 'within' })));
    // `escalate after …` is a clause of the wait; `escalate to …` on the next line is a step of its own.
    this.MANY({
      GATE: () => this.LA(1).tokenType !== T.Escalate || this.LA(2).tokenType === T.After,
      DEF: () =>
      this.OR2((this.waitClauseAlts ??= [
        {
          ALT: () => {
            this.CONSUME(T.Escalate);
            this.CONSUME(T.After);
            this.SUBRULE2(this.expression, { LABEL: 'after' });
            this.OPTION5(() => (this.CONSUME(T.To), this.CONSUME(T.StringLiteral, { LABEL: 'level' })));
            this.SUBRULE(this.block, { LABEL: 'escalation' });
          },
        },
        { ALT: () => (this.CONSUME(T.On), this.CONSUME(T.Timeout), this.SUBRULE2(this.block, { LABEL: 'onTimeout' })) },
      ])),
    });
  }, IN_STEP);

  public payloadDecl = this.RULE('payloadDecl', () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.fieldDecl) });
    this.CONSUME(T.RParen);
  });

  public sleepStmt = this.RULE('sleepStmt', () => {
    this.CONSUME(T.Sleep);
    this.OPTION(() => this.CONSUME(T.Until));
    this.SUBRULE(this.expression);
  }, IN_STEP);

  public ifStmt = this.RULE('ifStmt', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expression, { LABEL: 'condition' });
    this.SUBRULE(this.block, { LABEL: 'then' });
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR([{ ALT: () => this.SUBRULE(this.ifStmt, { LABEL: 'elseIf' }) }, { ALT: () => this.SUBRULE2(this.block, { LABEL: 'otherwise' }) }]);
    });
  }, IN_STEP);

  public matchStmt = this.RULE('matchStmt', () => {
    this.CONSUME(T.Match);
    this.SUBRULE(this.expression, { LABEL: 'subject' });
    this.openBlock();
    this.MANY(() => this.SUBRULE(this.matchCase));
    this.OPTION(() => (this.CONSUME(T.Else), this.SUBRULE(this.block, { LABEL: 'otherwise' })));
    this.closeBlock();
  }, IN_STEP);

  public matchCase = this.RULE('matchCase', () => {
    this.CONSUME(T.Case);
    // In `case {`, the '{' opens the case (its value is missing); it does not start a record.
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => this.OR([{ GATE: () => this.LA(1).tokenType !== T.LCurly, ALT: () => this.SUBRULE(this.expression, { LABEL: 'values' }) }]),
    });
    this.SUBRULE(this.block);
  }, IN_STEP);

  public parallelStmt = this.RULE('parallelStmt', () => {
    this.CONSUME(T.Parallel);
    this.OR([{ ALT: () => this.CONSUME(T.All, { LABEL: 'mode' }) }, { ALT: () => this.CONSUME(T.First, { LABEL: 'mode' }) }]);
    this.openBlock();
    this.AT_LEAST_ONE(() => this.SUBRULE(this.branch));
    this.closeBlock();
  }, IN_STEP);

  public branch = this.RULE('branch', () => {
    this.CONSUME(T.Branch);
    this.OPTION(() => this.CONSUME(T.Identifier, { LABEL: 'name' }));
    this.SUBRULE(this.block);
  }, IN_STEP);

  public forStmt = this.RULE('forStmt', () => {
    this.CONSUME(T.For);
    this.CONSUME(T.Each);
    this.CONSUME(T.Identifier, { LABEL: 'item' });
    this.CONSUME(T.In);
    this.SUBRULE(this.expression, { LABEL: 'list' });
    this.SUBRULE(this.block);
  }, IN_STEP);

  public repeatStmt = this.RULE('repeatStmt', () => {
    this.CONSUME(T.Repeat);
    this.CONSUME(T.NumberLiteral, { LABEL: 'max' });
    this.CONSUME(T.Times);
    this.OPTION(() => (this.CONSUME(T.Until), this.SUBRULE(this.expression, { LABEL: 'until' })));
    this.SUBRULE(this.block);
  }, IN_STEP);

  public setStmt = this.RULE('setStmt', () => {
    this.CONSUME(T.Set);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  }, IN_STEP);

  /** `escalate to "group"`: the instance stands at that level from now on. */
  public escalateStmt = this.RULE('escalateStmt', () => {
    this.CONSUME(T.Escalate);
    this.CONSUME(T.To);
    this.SUBRULE(this.expression, { LABEL: 'level' });
  }, IN_STEP);

  public failStmt = this.RULE('failStmt', () => {
    this.CONSUME(T.Fail);
    this.CONSUME(T.StringLiteral, { LABEL: 'code' });
    this.OPTION(() => (this.CONSUME(T.Comma), this.SUBRULE(this.expression, { LABEL: 'message' })));
  }, IN_STEP);

  public endStmt = this.RULE('endStmt', () => {
    this.CONSUME(T.End);
    this.CONSUME(T.StringLiteral, { LABEL: 'outcome' });
    this.OPTION(() => (this.CONSUME(T.With), this.SUBRULE(this.expression, { LABEL: 'output' })));
  }, IN_STEP);
}

/** LL(2): two tokens tell every choice in the grammar apart (the grammar validations check it). */
const MAX_LOOKAHEAD = 2;

/** The one parser instance (building a Chevrotain parser is the expensive part), its lookahead from the table. */
export const lookahead = new TabledLookahead(LOOKAHEAD, T.allTokens, MAX_LOOKAHEAD);
export const parser = new ProcessParser(lookahead);

/** The lookahead table of the grammar as it is, computed by Chevrotain (`npm run gen:grammar` writes it; a test compares). */
export function computeLookaheadTable(): LookaheadTable {
  const computing = new TabledLookahead({}, T.allTokens, MAX_LOOKAHEAD);
  new ProcessParser(computing);
  return computing.computed;
}

export interface ParseResult {
  cst: CstNode;
  errors: IRecognitionException[];
}

/** src/dsl/cst.d.ts, the CST types of the grammar (`npm run gen:grammar` writes it; a test compares). */
export function renderCstTypes(): string {
  return `// Generated by scripts/gen-grammar.ts from src/dsl/parser.ts. Do not edit.\n${generateCstDts(parser.getGAstProductions())}`;
}

/** Parses a file. After `maxErrors` steps that went wrong, the rest is not read. */
export function parseTokens(tokens: IToken[], maxErrors = Infinity, using: ProcessParser = parser): ParseResult {
  using.input = tokens;
  using.maxFailures = maxErrors;
  const cst = using.file();
  return { cst, errors: allErrors(using) };
}

/** Chevrotain's errors and the recovery layer's own, in the order of the file. */
function allErrors(p: ProcessParser = parser): IRecognitionException[] {
  if (!p.ownErrors.length) return p.errors;
  const at = (e: IRecognitionException) => (Number.isNaN(e.token.startOffset) ? Infinity : e.token.startOffset);
  return [...p.errors, ...p.ownErrors].sort((a, b) => at(a) - at(b));
}

/** Parses one expression (used for the `{…}` parts of string templates). */
export function parseExpressionTokens(tokens: IToken[]): ParseResult {
  parser.input = tokens;
  const cst = parser.expression();
  return { cst, errors: allErrors() };
}
