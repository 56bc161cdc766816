/** The lexer, built once and reused (Chevrotain's performance guide). */
import { Lexer, type IToken, type ILexingError } from 'chevrotain';
import { allTokens } from './tokens.js';

export const lexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false });

export interface LexResult {
  tokens: IToken[];
  errors: ILexingError[];
}

export function lex(text: string): LexResult {
  const result = lexer.tokenize(text);
  return { tokens: result.tokens, errors: result.errors };
}
