/** The lexer, built once and reused (Chevrotain's performance guide). */
import { Lexer, type IToken, type ILexingError } from './chevrotain.js';
import { allTokens } from './tokens.js';

// Token definitions are checked with the grammar (see GRAMMAR_CHECKS in parser.ts).
// Tokens record where they start only: none spans lines (texts, names and numbers are single-line;
// white space and comments are skipped), so where one ends is its start plus its length (tokenRange
// in to-ast.ts). A token is a third smaller, and a large file's tokens are much of its garbage.
export const lexer = new Lexer(allTokens, { positionTracking: 'onlyStart', ensureOptimizations: false, skipValidations: process.env.SVCFLOW_GRAMMAR_CHECKS !== '1' });

export interface LexResult {
  tokens: IToken[];
  errors: ILexingError[];
}

export function lex(text: string): LexResult {
  const result = lexer.tokenize(text);
  return { tokens: result.tokens, errors: result.errors };
}
