/** The lexer, built once and reused (Chevrotain's performance guide). */
import { Lexer, type IToken, type ILexingError } from './chevrotain.js';
import { allTokens, Identifier, KEYWORD_BY_WORD } from './tokens.js';

// Token definitions are checked with the grammar (see GRAMMAR_CHECKS in parser.ts).
// Tokens record where they start only: none spans lines (texts, names and numbers are single-line;
// white space and comments are skipped), so where one ends is its start plus its length (tokenRange
// in to-ast.ts). A token is a third smaller, and a large file's tokens are much of its garbage.
export const lexer = new Lexer(allTokens.filter((t) => t.PATTERN !== Lexer.NA), { positionTracking: 'onlyStart', ensureOptimizations: false, skipValidations: process.env.SVCFLOW_GRAMMAR_CHECKS !== '1' });

export interface LexResult {
  tokens: IToken[];
  errors: ILexingError[];
}

export function lex(text: string): LexResult {
  const result = lexer.tokenize(text);
  // A word that is a keyword becomes that keyword (tokens.ts, KEYWORD_BY_WORD).
  for (const t of result.tokens) {
    if (t.tokenType !== Identifier) continue;
    const keyword = KEYWORD_BY_WORD.get(t.image);
    if (keyword) {
      t.tokenType = keyword;
      t.tokenTypeIdx = keyword.tokenTypeIdx!;
    }
  }
  return { tokens: result.tokens, errors: result.errors };
}
