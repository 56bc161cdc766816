/**
 * The tokens of the process DSL. Every token has a `label`: that is what a process owner reads
 * in "expected a duration such as 24h after 'within'".
 *
 * Keywords are reserved only where a statement or clause starts; in name positions (argument
 * names, record fields, member access) any keyword is accepted through the `AnyName` category,
 * so `notify(to: …)` and `reply.message` read as written.
 */
import { createToken, Lexer, type TokenType } from './chevrotain.js';

export const AnyName = createToken({ name: 'AnyName', pattern: Lexer.NA, label: 'a name' });
/**
 * Every operator between two values (`or`, `and`, comparisons, `in`, arithmetic). The grammar
 * reads `value (operator value)*` in one rule; precedence is applied when the AST is built.
 */
export const BinaryOperator = createToken({ name: 'BinaryOperator', pattern: Lexer.NA, label: 'an operator' });

/**
 * Letters of a name beyond ASCII: accented Latin, Greek, Cyrillic, CJK (Chinese included) and
 * other scripts, full-width Latin letters; but not the punctuation and symbols a Chinese input
 * method types (，。；：“”‘’（）【】《》、…！？￥→★ and the like). Those would otherwise glue onto
 * a name (`fee；`, `客户名。`) instead of being reported where they stand.
 */
const WIDE_LETTER = [
  '\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u1FFF', // Latin-1 letters … Greek extended (no × ÷)
  '\\u2C00-\\u2DFF\\u2E80-\\u2FDF', // more scripts; CJK radicals (not general punctuation, arrows, maths)
  '\\u3005-\\u3007\\u3021-\\u3029\\u3031-\\u3035\\u3038-\\u303C', // 々〆〇 and other letters among CJK punctuation
  '\\u3040-\\uFE0F\\uFE20-\\uFE2F\\uFE70-\\uFEFE', // kana … CJK ideographs … Hangul (not vertical or small forms)
  '\\uFF21-\\uFF3A\\uFF41-\\uFF5A\\uFF66-\\uFFDC', // full-width Ａ-Ｚ ａ-ｚ, half-width kana and Hangul
].join('');
const NAME_START = `A-Za-z_${WIDE_LETTER}`;
const NAME_PART = `A-Za-z0-9_${WIDE_LETTER}\\uFF10-\\uFF19`;

export const Identifier = createToken({
  name: 'Identifier',
  pattern: new RegExp(`[${NAME_START}][${NAME_PART}]*`),
  label: 'a name',
  categories: [AnyName],
  line_breaks: false,
});

/**
 * Keywords are not lexed on their own: every word is lexed as an Identifier, and `lex` then
 * gives the words in this map their keyword's type. So `inputs` and `in中` stay names, and the
 * lexer runs one pattern per word instead of trying each keyword that starts with its letter
 * and then the name pattern after it (`longer_alt`).
 */
export const KEYWORD_BY_WORD = new Map<string, TokenType>();
function keyword(word: string, operator = false, soft = false): TokenType {
  const t = createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: Lexer.NA,
    label: `'${word}'`,
    categories: operator ? [AnyName, BinaryOperator] : soft ? [AnyName, Identifier] : [AnyName],
  });
  KEYWORD_BY_WORD.set(word, t);
  return t;
}

export const Process = keyword('process');
export const Version = keyword('version');
export const Input = keyword('input');
export const Output = keyword('output');
export const Index = keyword('index');
export const Calendar = keyword('calendar');
export const Uses = keyword('uses');
export const Timezone = keyword('timezone');
export const Works = keyword('works');
export const Holidays = keyword('holidays');
export const Workdays = keyword('workdays');
export const Call = keyword('call');
export const As = keyword('as');
export const Compensate = keyword('compensate');
export const With = keyword('with');
export const Retry = keyword('retry');
export const Times = keyword('times');
export const Every = keyword('every');
export const Backoff = keyword('backoff');
export const Up = keyword('up');
export const To = keyword('to');
export const Unless = keyword('unless');
export const Timeout = keyword('timeout');
export const Wait = keyword('wait');
export const Signal = keyword('signal');
export const Update = keyword('update');
export const Message = keyword('message');
export const Within = keyword('within');
export const Escalate = keyword('escalate');
export const After = keyword('after');
export const On = keyword('on');
export const Sleep = keyword('sleep');
export const Until = keyword('until');
export const If = keyword('if');
export const Else = keyword('else');
export const Match = keyword('match');
export const Case = keyword('case');
export const Parallel = keyword('parallel');
export const All = keyword('all');
export const First = keyword('first');
export const Branch = keyword('branch');
export const For = keyword('for');
export const Each = keyword('each');
export const In = keyword('in', true);
export const Repeat = keyword('repeat');
export const Set = keyword('set');
export const Fail = keyword('fail');
export const End = keyword('end');
export const And = keyword('and', true);
export const Or = keyword('or', true);
export const Not = keyword('not');
export const True = keyword('true');
export const False = keyword('false');
export const Null = keyword('null');
export const Business = keyword('business');
export const Days = keyword('days');
export const Hours = keyword('hours');
export const Of = keyword('of');

/**
 * The words of system declarations are soft keywords: they are also Identifiers, so a process
 * may still name a variable, a label or a step `channel`, `errors` or `template` (they start no
 * step, and LL(2) tells `channel: call …` from `channel email`).
 */
const soft = (word: string) => keyword(word, false, true);
export const System = soft('system');
export const Queue = soft('queue');
export const Operation = soft('operation');
export const Channel = soft('channel');
export const Payload = soft('payload');
export const Correlate = soft('correlate');
export const Errors = soft('errors');
export const Template = soft('template');
/** `owner input.firstContactOwner` in a process header; still a name elsewhere (`set owner = …`, `owner: call …`). */
export const Owner = soft('owner');

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\u3000\uFEFF]+/, group: Lexer.SKIPPED, line_breaks: true, start_chars_hint: [' ', '\t', '\r', '\n', '\u3000', '\uFEFF'] });
export const Comment = createToken({ name: 'Comment', pattern: /(?:#|\/\/)[^\n\r]*/, group: Lexer.SKIPPED, line_breaks: false, start_chars_hint: ['#', '/'] });

/** ¥30.00, ￥30, 30.00 CNY. */
export const MoneyLiteral = createToken({
  name: 'MoneyLiteral',
  pattern: /[¥￥]\d+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?[ \t]*(?:CNY|RMB|USD|EUR|HKD)(?![A-Za-z])/,
  label: 'an amount of money such as ¥30.00',
  start_chars_hint: ['¥', '￥', ...'0123456789'],
  line_breaks: false,
});
/** 24h, 30m, 1h30m, 500ms, 2d, 1w. */
export const DurationLiteral = createToken({
  name: 'DurationLiteral',
  pattern: /\d+(?:ms|[wdhms])(?:\d+(?:ms|[wdhms]))*(?![A-Za-z0-9_])/,
  label: 'a duration such as 24h',
  start_chars_hint: [...'0123456789'],
  line_breaks: false,
});
/** 09:00, 18:30 (a time of day, in calendars). */
export const ClockLiteral = createToken({
  name: 'ClockLiteral',
  pattern: /(?:[01]\d|2[0-4]):[0-5]\d(?![0-9])/,
  label: 'a time of day such as 09:00',
  start_chars_hint: [...'012'],
  line_breaks: false,
});
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /\d+(?:\.\d+)?/,
  label: 'a number',
  start_chars_hint: [...'0123456789'],
  line_breaks: false,
});
export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /"(?:[^"\\\n\r]|\\.)*"/,
  label: 'a text in double quotes',
  start_chars_hint: ['"'],
  line_breaks: false,
});

const punct = (name: string, pattern: RegExp | string, label: string, operator = false) =>
  createToken({ name, pattern, label, ...(operator ? { categories: [BinaryOperator] } : {}) });
export const LCurly = punct('LCurly', '{', "'{'");
export const RCurly = punct('RCurly', '}', "'}'");
export const LParen = punct('LParen', '(', "'('");
export const RParen = punct('RParen', ')', "')'");
export const LBracket = punct('LBracket', '[', "'['");
export const RBracket = punct('RBracket', ']', "']'");
export const Comma = punct('Comma', ',', "','");
export const Colon = punct('Colon', ':', "':'");
export const Dot = punct('Dot', '.', "'.'");
export const At = punct('At', '@', "'@'");
export const Question = punct('Question', '?', "'?'");
export const Pipe = punct('Pipe', '|', "'|'");
export const EqEq = punct('EqEq', '==', "'=='", true);
export const NotEq = punct('NotEq', '!=', "'!='", true);
export const LessEq = punct('LessEq', '<=', "'<='", true);
export const GreaterEq = punct('GreaterEq', '>=', "'>='", true);
export const Less = punct('Less', '<', "'<'", true);
export const Greater = punct('Greater', '>', "'>'", true);
export const Equals = punct('Equals', '=', "'='");
export const Plus = punct('Plus', '+', "'+'", true);
export const Minus = punct('Minus', '-', "'-'", true);
export const Star = punct('Star', '*', "'*'", true);
export const Slash = punct('Slash', '/', "'/'", true);
export const Percent = punct('Percent', '%', "'%'", true);

/** In lexing order: longer and more specific patterns first. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  MoneyLiteral,
  DurationLiteral,
  ClockLiteral,
  NumberLiteral,
  StringLiteral,
  // Keywords are in the parser's vocabulary but not lexed (lexer.ts gives words their type).
  ...KEYWORD_BY_WORD.values(),
  Identifier,
  AnyName,
  BinaryOperator,
  LCurly,
  RCurly,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Dot,
  At,
  Question,
  Pipe,
  EqEq,
  NotEq,
  LessEq,
  GreaterEq,
  Less,
  Greater,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
];

/**
 * How tightly each operator binds, higher tighter: `or`, `and`, then `not` (a prefix, at
 * NOT_PRECEDENCE), the comparisons and `in` (which do not chain), `+ -`, `* / %`. All are
 * left-associative. Unary minus binds tighter than any of them.
 */
export const NOT_PRECEDENCE = 3;
export const COMPARISON_PRECEDENCE = 4;
export const PRECEDENCE: ReadonlyMap<TokenType, number> = new Map([
  [Or, 1],
  [And, 2],
  ...[EqEq, NotEq, LessEq, GreaterEq, Less, Greater, In].map((t) => [t, COMPARISON_PRECEDENCE] as const),
  [Plus, 5],
  [Minus, 5],
  [Star, 6],
  [Slash, 6],
  [Percent, 6],
]);
