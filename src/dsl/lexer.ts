/** The lexer, built once and reused (Chevrotain's performance guide). */
import { Lexer, type IToken, type ILexingError } from './chevrotain.js';
import { allTokens } from './tokens.js';

// Token definitions are checked with the grammar (see GRAMMAR_CHECKS in parser.ts).
export const lexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false, skipValidations: process.env.SVCFLOW_GRAMMAR_CHECKS !== '1' });

export interface LexResult {
  tokens: IToken[];
  errors: ILexingError[];
}

export function lex(text: string): LexResult {
  const result = lexer.tokenize(text);
  return { tokens: result.tokens, errors: result.errors };
}
