/**
 * Syntax error wording for process owners ("expected a duration such as 24h after 'within'"),
 * not for grammar authors ("Expecting token of type --> DurationLiteral <--").
 */
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from './chevrotain.js';

const STATEMENTS = 'call, wait, sleep, if, match, parallel, for each, repeat, set, escalate to, fail or end';

function label(t: TokenType): string {
  return t === EOF ? 'the end of the file' : (t.LABEL ?? t.name);
}

export function shown(token: IToken): string {
  return token.tokenType === EOF ? 'the end of the file' : `'${token.image.length > 30 ? `${token.image.slice(0, 30)}…` : token.image}'`;
}

/** What a rule is, in words, for "expected …" messages. */
const RULE_WORDS: Record<string, string> = {
  statement: `a step (${STATEMENTS})`,
  operand: 'a value: a name, a number, a text in "quotes", ¥30.00, 24h, [a, b] or { field: value }',
  expression: 'a value',
  typeExpr: 'a type: string, int, money, phone, "a" | "b", list of T or { field: T }',
  file: 'a process, a calendar or a system',
  systemMember: 'a member of the system: queue "…", operation name, channel name or template "…" (…)',
  operationDecl: 'input { … }, output { … }, timeout, retry or errors { … }',
  channelDecl: 'payload { … } or correlate field',
  processDecl: 'the process header or a step',
  calendarDecl: 'timezone, works, holidays or workdays',
  callStmt: 'timeout, retry, compensate with, or the next step',
  waitStmt: 'signal, update or message',
  parallelStmt: "'all' or 'first'",
  matchCase: 'a value to match, such as "a"',
};

/** What a rule needs at least one of, where that differs from RULE_WORDS. */
const EARLY_EXIT_WORDS: Record<string, string> = {
  parallelStmt: 'a branch (branch name { … })',
  channelDecl: 'a payload field to correlate on',
};

function expectedAfter(ruleName: string, expected: TokenType, previous: IToken): string {
  const what = label(expected);
  if (previous && previous.tokenType !== EOF && previous.image) return `expected ${what} after '${previous.image}'`;
  return `expected ${what} in ${RULE_WORDS[ruleName] ?? ruleName}`;
}

export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    return `${expectedAfter(ruleName, expected, previous)}, found ${shown(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `${shown(firstRedundant)} does not start a step; steps start with ${STATEMENTS}`;
  },
  buildNoViableAltMessage({ actual, ruleName, previous }) {
    const first = actual[0]!;
    const words = RULE_WORDS[ruleName] ?? ruleName;
    const after = previous && previous.image ? ` after '${previous.image}'` : '';
    return `expected ${words}${after}, found ${shown(first)}`;
  },
  buildEarlyExitMessage({ actual, ruleName, previous }) {
    const words = EARLY_EXIT_WORDS[ruleName] ?? RULE_WORDS[ruleName] ?? ruleName;
    const after = previous && previous.image ? ` after '${previous.image}'` : '';
    return `expected ${words}${after}, found ${shown(actual[0]!)}`;
  },
};

/** What a left-over token follows: a complete step, process or calendar, or a block's '{'. */
export type LeftOver = 'step' | 'process' | 'calendar' | 'block' | 'system' | 'member';

/**
 * A token left over after a complete step, process or calendar (or at the start of a block):
 * said where it stands, since what came before it was fine.
 */
export function leftOverMessage(actual: IToken, previous: IToken, what: LeftOver): string {
  if (actual.tokenType.name === 'RCurly') return "this '}' has no matching '{'";
  if (what === 'calendar') return `${shown(actual)} is not part of a calendar (timezone, works, holidays, workdays), nor a new process or calendar`;
  if (what === 'system' || what === 'member') {
    return `${shown(actual)} is not part of the system (queue, operation, channel, template), nor a new process, calendar or system`;
  }
  const sameLine = what !== 'block' && !Number.isNaN(previous.startOffset) && previous.startLine === actual.startLine;
  if (sameLine) return `${shown(actual)} cannot follow '${previous.image}': the ${what} is already complete there`;
  return `${shown(actual)} does not start a step; steps start with ${STATEMENTS}`;
}

/** `a == b == c`: comparisons take two values. */
export function chainedComparisonMessage(first: IToken, second: IToken): string {
  return `'${second.image}' cannot follow the comparison with '${first.image}': a comparison takes two values; join comparisons with 'and' or 'or'`;
}

/** `a == not b`: `not` comes first, or after `and` / `or`. */
export function misplacedNotMessage(operator: IToken): string {
  return `'not' cannot come after '${operator.image}': put it before the whole comparison, or group it as (not …)`;
}

/** A hint for a syntax error, from the grammar rule it happened in (innermost first). */
const RULE_HINTS: Record<string, string> = {
  argList: "arguments read name: value, separated by ',' and closed by ')'",
  recordLiteral: "a record reads { name: value, … }, with ',' between fields",
  listLiteral: "a list reads [a, b, c], with ',' between items",
  fieldBlock: 'fields read { name: type, other?: type @pii }',
  fieldDecl: 'a field reads name: type, or name?: type when optional',
  typeExpr: 'types: string, int, number, bool, money, phone, duration, time, "a" | "b", list of T, map of T, { field: T }',
  retryClause: 'retry 5 times every 10s backoff 2 up to 5m unless "crm/not-found"',
  waitStmt: 'a wait reads: wait reply = message reply(from: input.contact) within 24h on timeout { … }',
  payloadDecl: 'a payload reads (name: type, …)',
  calendarDecl: 'calendar Workdays timezone "Asia/Shanghai" works mon-fri 09:00 to 18:00 holidays "2026-10-01"',
  processDecl: 'a process starts: process Name version 1 "description", then input { … }, index …, owner …, and its steps',
  parallelStmt: 'parallel all { branch a { … } branch b { … } }',
  matchStmt: 'match value { case "a", "b" { … } else { … } }',
  repeatStmt: 'repeat 3 times until done { … }',
  forStmt: 'for each item in list { … }',
  sleepStmt: 'sleep 2h, or sleep until input.appointment',
  endStmt: 'end "outcome", or end "outcome" with { field: value }',
  failStmt: 'fail "code", "what happened"',
  setStmt: 'set name = value',
  escalateStmt: 'escalate to "group" (the level is a text)',
  ownerDecl: 'owner input.firstContactOwner (a text field of the input)',
  block: "every '{' needs a matching '}'",
  statement: 'each step starts with call, wait, sleep, if, match, parallel, for each, repeat, set, escalate to, fail or end; a label reads name: before it',
  operand: 'a value is a name, a number, a text in "quotes", ¥30.00, 24h, 2 business days, [a, b] or { field: value }',
  operator: 'values combine with or, and, not, == != < <= > >= in, + - * / %; ( ) groups a part: not (a == b), (a == b) == c',
  operationDecl: 'an operation reads: operation name "description" input { … } output { … } timeout 10s retry 5 times errors { "system/code": "when" }',
  errorsDecl: 'errors read { "system/code": "when it happens", … }',
  channelDecl: 'a channel reads: channel name "description" payload { field: type, … } correlate field',
  templateDecl: 'a template reads: template "id" (placeholder, …)',
  systemMember: 'a system holds: queue "task-queue", operation name …, channel name …, template "id" (…)',
  systemDecl: 'a system starts: system name "description", then its queue, operations, channels and templates',
  file: 'a file holds processes (process Name version 1 …), calendars (calendar Name …) and systems (system name …)',
};

export function hintForRules(ruleStack: readonly string[]): string {
  for (let i = ruleStack.length - 1; i >= 0; i--) {
    const hint = RULE_HINTS[ruleStack[i]!];
    if (hint) return hint;
  }
  return "look just before this point for a missing ',', ')' or '}'";
}
