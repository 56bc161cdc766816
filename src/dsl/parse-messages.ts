/**
 * Syntax error wording for process owners ("expected a duration such as 24h after 'within'"),
 * not for grammar authors ("Expecting token of type --> DurationLiteral <--").
 */
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';

const STATEMENTS = 'call, wait, sleep, if, match, parallel, for each, repeat, set, fail or end';

function label(t: TokenType): string {
  return t.LABEL ?? t.name;
}

export function shown(token: IToken): string {
  return token.tokenType === EOF ? 'the end of the file' : `'${token.image.length > 30 ? `${token.image.slice(0, 30)}…` : token.image}'`;
}

/** What a rule is, in words, for "expected …" messages. */
const RULE_WORDS: Record<string, string> = {
  statement: `a step (${STATEMENTS})`,
  primary: 'a value: a name, a number, a text in "quotes", ¥30.00, 24h, [a, b] or { field: value }',
  expression: 'a value',
  typeExpr: 'a type: string, int, money, phone, "a" | "b", list of T or { field: T }',
  file: 'a process or a calendar',
  processDecl: 'the process header or a step',
  calendarDecl: 'timezone, works, holidays or workdays',
  callStmt: 'timeout, retry, compensate with, or the next step',
  waitStmt: 'signal, update or message',
  parallelStmt: "'all' or 'first'",
  primaryOrCall: 'a value',
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
    const words = RULE_WORDS[ruleName] ?? ruleName;
    const after = previous && previous.image ? ` after '${previous.image}'` : '';
    return `expected ${words}${after}, found ${shown(actual[0]!)}`;
  },
};
