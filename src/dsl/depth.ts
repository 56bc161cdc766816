/**
 * How deep a file may nest. The parser and every later phase recurse along the nesting of the
 * source, so a file nested past these limits is refused with `parse/too-deep` at the place it
 * crosses them, before anything recurses (an overflowing stack would say nothing of where).
 *
 * - MAX_NESTING: brackets (`{`, `(`, `[`, so blocks, records, lists, arguments), each `else if`
 *   of a chain and each `list of` of a type count one level; at most 100 levels at any point.
 *   Measured on the tokens, in one loop, before the parser runs.
 * - MAX_OPERATORS: at most 200 binary operators in one expression (`a + b + …`), and at most
 *   200 `.field` / `[index]` after one value: each is a level of the tree the checker walks.
 * - MAX_TREE_DEPTH: an expression at most 400 levels deep, counting the operators, `.field`s
 *   and `[i]`s of the expressions around it too (the two limits above combined, such as chains
 *   of 150 inside 50 brackets, stop here). Counted as the AST is built (to-ast.ts).
 */
import type { IToken } from './chevrotain.js';
import * as T from './tokens.js';

export const MAX_NESTING = 100;
export const MAX_OPERATORS = 200;
export const MAX_TREE_DEPTH = 400;

const OPENERS = new Set([T.LCurly, T.LParen, T.LBracket]);
const CLOSERS = new Set([T.RCurly, T.RParen, T.RBracket]);

interface Level {
  /** `else if` links of the chain at this level that is still open. */
  elseIf: number;
  /** `list of` links of the type being read at this level. */
  listOf: number;
}

/** The first token that nests past MAX_NESTING, or undefined. One pass, no recursion. */
export function tooDeepToken(tokens: readonly IToken[], limit = MAX_NESTING): IToken | undefined {
  const levels: Level[] = [{ elseIf: 0, listOf: 0 }];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const type = t.tokenType;
    const here = levels[levels.length - 1]!;
    if (OPENERS.has(type)) {
      levels.push({ elseIf: 0, listOf: 0 });
      depth += 1;
    } else if (CLOSERS.has(type)) {
      if (levels.length > 1) {
        const closed = levels.pop()!;
        depth -= 1 + closed.elseIf + closed.listOf;
        // An if's chain goes on only while an `else` follows the block that closes.
        const outer = levels[levels.length - 1]!;
        if (tokens[i + 1]?.tokenType !== T.Else) {
          depth -= outer.elseIf;
          outer.elseIf = 0;
        }
      }
    } else if (type === T.Else && tokens[i + 1]?.tokenType === T.If) {
      here.elseIf += 1;
      depth += 1;
    } else if (type === T.Of) {
      here.listOf += 1;
      depth += 1;
    } else if (type === T.Comma) {
      depth -= here.listOf;
      here.listOf = 0;
    }
    if (depth > limit) return t;
  }
  return undefined;
}
