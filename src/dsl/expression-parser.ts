/**
 * The expressions of the process DSL's grammar (parser.ts holds the rest: files, declarations,
 * steps): one flat rule of operands and operators, literals, calls. A base class of the one
 * parser: Chevrotain records its rules with the others when ProcessParser's constructor runs
 * its self-analysis, after every rule of both has been defined.
 */
import type { IOrAlt, IToken } from 'chevrotain';
import * as T from './tokens.js';
import { chainedComparisonMessage, misplacedNotMessage } from './parse-messages.js';
import { IN_STEP, StepRecoveringParser } from './recovery.js';

export abstract class ExpressionParser extends StepRecoveringParser {
  // Built once, at their first call (the grammar recording): see ProcessParser.
  private operandAlts?: IOrAlt<unknown>[];
  private suffixAlts?: IOrAlt<unknown>[];

  /** `name: value`, in argument lists and record literals. */
  protected namedValue(): void {
    this.CONSUME(T.AnyName, { LABEL: 'names' });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression, { LABEL: 'values' });
  }

  // ── expressions ─────────────────────────────────────────────────────────────────────
  // One flat rule, `operand (operator operand)*`; to-ast.ts applies precedence (PRECEDENCE in
  // tokens.ts). A rule per precedence level made a bare name ten CST nodes deep, and the CST
  // was most of the parser's time and garbage. What the levels ruled out is checked here, as
  // the operators are read: `a == b == c`, and `not` anywhere but first or after and/or.
  public expression = this.RULE('expression', () => {
    let comparison: IToken | undefined;
    let first = true;
    // The operators are the separator, so that a value missing altogether is reported here
    // ("expected a value after ','"), with the hint of the rule around (a list, the arguments).
    this.AT_LEAST_ONE_SEP({
      SEP: T.BinaryOperator,
      DEF: () => {
        if (!first) {
          this.ACTION(() => {
            const op = this.LA(0);
            const level = T.PRECEDENCE.get(op.tokenType)!;
            if (level < T.NOT_PRECEDENCE) comparison = undefined;
            else if (level === T.COMPARISON_PRECEDENCE) {
              if (comparison) this.reject(op, chainedComparisonMessage(comparison, op), ['operator']);
              comparison = op;
            }
            const next = this.LA(1);
            if (next.tokenType === T.Not && level > T.NOT_PRECEDENCE) this.reject(next, misplacedNotMessage(op), ['operator']);
          });
        }
        first = false;
        this.SUBRULE(this.operand, { LABEL: 'operands' });
      },
    });
  }, IN_STEP);

  /** A value, with `not` or `-` before it and `.field` or `[index]` after it. */
  public operand = this.RULE('operand', () => {
    this.OPTION(() => this.CONSUME(T.Not));
    this.OPTION2(() => this.CONSUME(T.Minus));
    this.OR((this.operandAlts ??= [
      // A call may name a function that is also a keyword (`days(2)`, `hours(n)`): `name (` is
      // a call, before any keyword or name alone.
      { ALT: () => this.SUBRULE(this.functionCall) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.MoneyLiteral) },
      { ALT: () => this.CONSUME(T.DurationLiteral) },
      { ALT: () => this.SUBRULE(this.businessDuration) },
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Null) },
      { ALT: () => this.CONSUME(T.Input) },
      { ALT: () => this.SUBRULE(this.listLiteral) },
      { ALT: () => this.SUBRULE(this.recordLiteral) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => (this.CONSUME(T.LParen), this.SUBRULE(this.expression), this.CONSUME(T.RParen)) },
    ]));
    this.MANY(() =>
      this.OR2((this.suffixAlts ??= [
        { ALT: () => (this.CONSUME(T.Dot), this.CONSUME(T.AnyName, { LABEL: 'suffix' })) },
        { ALT: () => (this.CONSUME(T.LBracket), this.SUBRULE2(this.expression, { LABEL: 'suffix' }), this.CONSUME(T.RBracket)) },
      ])),
    );
  }, IN_STEP);

  public businessDuration = this.RULE('businessDuration', () => {
    this.CONSUME(T.NumberLiteral);
    this.CONSUME(T.Business);
    this.OR([
      { ALT: () => this.CONSUME(T.Days, { LABEL: 'unit' }) },
      { ALT: () => this.CONSUME(T.Hours, { LABEL: 'unit' }) },
      // `1 business day`, `1 business hour`: singular units are names, not keywords (a process may call a variable `day`).
      { GATE: () => ['day', 'hour'].includes(this.LA(1).image), ALT: () => this.CONSUME(T.Identifier, { LABEL: 'unit' }) },
    ]);
  }, IN_STEP);

  public functionCall = this.RULE('functionCall', () => {
    this.CONSUME(T.AnyName, { LABEL: 'fn' });
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'args' }) });
    this.CONSUME(T.RParen);
  }, IN_STEP);

  public listLiteral = this.RULE('listLiteral', () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'items' }) });
    this.CONSUME(T.RBracket);
  }, IN_STEP);

  public recordLiteral = this.RULE('recordLiteral', () => {
    this.CONSUME(T.LCurly);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.namedValue() });
    this.CONSUME(T.RCurly);
  }, IN_STEP);
}
