/**
 * Syntax error recovery one step at a time, as a reader does: after a mistake in a step, the rest
 * of that step is skipped, up to the next line that starts a step (or the '}' that closes the
 * block), so one mistake is one error and the steps after it are still read.
 *
 * Chevrotain's own recovery re-syncs on the first token that may follow any rule being parsed,
 * often a name on the same line, and guesses missing tokens, which makes echo errors. So rules
 * inside steps do not re-sync on their own (`IN_STEP`) and nothing is guessed inside a step; the
 * process header and calendars keep Chevrotain's recovery, re-syncing on `process`/`calendar`.
 */
import {
  CstParser,
  EOF,
  isRecognitionException,
  NotAllInputParsedException,
  type IRecognitionException,
  type IToken,
  type TokenType,
} from './chevrotain.js';
import * as T from './tokens.js';
import { leftOverMessage, type LeftOver } from './parse-messages.js';

/** The rule config of rules inside a step: a mistake there goes up to the step. */
export const IN_STEP = { resyncEnabled: false };

/** Tokens that start a step (a label is a name). */
const STEP_STARTS: ReadonlySet<TokenType> = new Set([T.Identifier, T.Call, T.Wait, T.Sleep, T.If, T.Match, T.Parallel, T.For, T.Repeat, T.Set, T.Fail, T.End, T.Escalate]);
/** The words of system declarations, which are names too (tokens.ts). */
const SOFT_KEYWORDS: ReadonlySet<TokenType> = new Set([T.System, T.Queue, T.Operation, T.Channel, T.Payload, T.Correlate, T.Errors, T.Template, T.Owner]);
/** What may follow a complete process or calendar. */
export const DECLARATION_STARTS: ReadonlySet<TokenType> = new Set([EOF, T.Process, T.Calendar, T.System]);
/** Tokens that start a member of a system declaration. */
const MEMBER_STARTS: ReadonlySet<TokenType> = new Set([T.Queue, T.Operation, T.Channel, T.Template]);
/** What may follow a complete member of a system: another, or the next declaration. */
export const memberOrEnd = (t: TokenType): boolean => MEMBER_STARTS.has(t) || DECLARATION_STARTS.has(t);
/** What may follow a step, or the '{' of a block: a step, the '}' of the block, the end of the process. */
export const stepOrEnd = (t: TokenType): boolean => STEP_STARTS.has(t) || SOFT_KEYWORDS.has(t) || t === T.RCurly || DECLARATION_STARTS.has(t);

export abstract class StepRecoveringParser extends CstParser {
  /** How many steps are being read (nested blocks hold steps inside steps). */
  private stepDepth = 0;
  /** Blocks whose '{' has been read and whose '}' has not (record braces are not counted). */
  private openBlocks = 0;
  /** Steps that went wrong; past `maxFailures`, the rest of the file is not read. */
  private failures = 0;
  maxFailures = Infinity;
  /**
   * Errors raised here rather than by Chevrotain: tokens left over after complete steps,
   * operators out of place (kept apart: Chevrotain's `errors` is copied on every access).
   */
  ownErrors: IRecognitionException[] = [];

  override reset(): void {
    super.reset();
    this.stepDepth = 0;
    this.openBlocks = 0;
    this.failures = 0;
    this.ownErrors = [];
  }

  /** Reads one step with `parse`. A mistake in it is reported once, and the rest skipped. */
  protected recoverStep(parse: () => void): void {
    this.recovering(parse, false);
  }

  /** Reads one member of a system (an operation, a channel, …), recovering as a step does. */
  protected recoverMember(parse: () => void): void {
    this.recovering(parse, true);
  }

  private recovering(parse: () => void, member: boolean): void {
    const start = this.LA(1);
    const blocks = this.openBlocks;
    this.stepDepth++;
    try {
      parse();
    } catch (e) {
      if (this.RECORDING_PHASE || !(e instanceof Error) || !isRecognitionException(e)) throw e;
      const opened = this.openBlocks - blocks;
      this.openBlocks = blocks;
      if (++this.failures < this.maxFailures) this.skipStep(start, opened, member);
      else while (this.LA(1).tokenType !== EOF) this.SKIP_TOKEN();
    } finally {
      this.stepDepth--;
    }
  }

  /**
   * Skips what is left of a step that went wrong: up to the first token that starts a line and
   * a step outside the blocks the step opened, or the '}' of the enclosing block, or the next
   * process or calendar.
   */
  private skipStep(start: IToken, opened: number, member = false): void {
    let depth = opened;
    if (this.LA(1) === start) this.SKIP_TOKEN();
    for (let t = this.LA(1); t.tokenType !== EOF; t = this.LA(1)) {
      const startsLine = this.startsLine(t);
      if (startsLine && (t.tokenType === T.Process || t.tokenType === T.Calendar || t.tokenType === T.System)) return;
      // A member ends at the next line that starts a member (a '}' there closes a record, not a block).
      if (member ? startsLine && MEMBER_STARTS.has(t.tokenType) && !this.startsField() : depth === 0 && (t.tokenType === T.RCurly || (startsLine && this.startsStep(t)))) return;
      if (t.tokenType === T.LCurly) depth++;
      else if (t.tokenType === T.RCurly) depth--;
      this.SKIP_TOKEN();
    }
  }

  /** A step's first token: a keyword of a step, a name (a label), or a soft keyword used as a label (`channel: call …`). */
  private startsStep(t: IToken): boolean {
    return STEP_STARTS.has(t.tokenType) || (SOFT_KEYWORDS.has(t.tokenType) && this.LA(2).tokenType === T.Colon);
  }

  /** `channel: string` on a line of its own is a field named like a member keyword, not a member. */
  private startsField(): boolean {
    const next = this.LA(2).tokenType;
    return next === T.Colon || next === T.Question;
  }

  private startsLine(t: IToken): boolean {
    const previous = this.LA(0);
    return Number.isNaN(previous.startOffset) || (previous.startLine ?? 0) < (t.startLine ?? 0);
  }

  /** Reads the '{' of a block of steps (a block, a match, a parallel). */
  protected openBlock(): void {
    this.CONSUME(T.LCurly);
    this.ACTION(() => this.openBlocks++);
  }

  /** Reads the '}' of a block of steps. */
  protected closeBlock(): void {
    this.CONSUME(T.RCurly);
    this.ACTION(() => this.openBlocks--);
  }

  /**
   * After a complete step, process or calendar (or a block's '{'), only what may follow it:
   * anything else is reported where it stands, not as "expected …" after what was fine.
   */
  protected expectNext(allowed: (t: TokenType) => boolean, ruleStack: string[], what: LeftOver): void {
    const next = this.LA(1);
    if (allowed(next.tokenType)) return;
    this.reject(next, leftOverMessage(next, this.LA(0), what), next.tokenType === T.RCurly ? ['block'] : ruleStack);
  }

  /**
   * Reports `token` as out of place, with `message`, and gives up on the step (or, outside
   * steps, on the rule). `ruleStack` chooses the hint (RULE_HINTS in parse-messages.ts).
   */
  protected reject(token: IToken, message: string, ruleStack: string[]): never {
    const e = new NotAllInputParsedException(message, token);
    e.context = { ruleStack, ruleOccurrenceStack: [] };
    this.ownErrors.push(e);
    throw e;
  }

  /** Inside a step, a missing or extra token is not guessed: the step is skipped instead. */
  protected override canTokenTypeBeInsertedInRecovery(tokType: TokenType): boolean {
    return this.stepDepth === 0 && super.canTokenTypeBeInsertedInRecovery(tokType);
  }

  protected override canTokenTypeBeDeletedInRecovery(tokType: TokenType): boolean {
    return this.stepDepth === 0 && super.canTokenTypeBeDeletedInRecovery(tokType);
  }
}
