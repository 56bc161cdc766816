/**
 * The parser's lookahead, read from a table computed ahead of time (`lookahead-table.ts`).
 *
 * Building a Chevrotain parser works out, for every OR, OPTION and MANY of the grammar, which
 * token sequences choose which way (its LL(k) lookahead paths). That is the largest part of
 * building the parser, paid by every process that compiles a file, for a result that changes
 * only with the grammar. So `npm run gen:grammar` computes the paths once, with Chevrotain's own
 * `getLookaheadPaths`, and writes them down; a test fails while the table is out of date.
 *
 * This is Chevrotain's public lookahead-strategy interface (`lookaheadStrategy` in the parser
 * config). The functions built from the paths decide as Chevrotain's LL(k) ones do: the first
 * alternative with a path that the next tokens match, token categories included. A production
 * missing from the table (a grammar changed and not regenerated) gets its paths computed, as
 * without a table; validations are Chevrotain's own LL(k) ones.
 */
import {
  EOF,
  getLookaheadPaths,
  LLkLookaheadStrategy,
  tokenMatcher,
  type ILookaheadStrategy,
  type ILookaheadValidationError,
  type IOrAlt,
  type IToken,
  type LookaheadProductionType,
  type OptionalProductionType,
  type Rule,
  type TokenType,
} from './chevrotain.js';

/**
 * Lookahead paths by production, `rule/production/occurrence/k` (e.g. `operand/Alternation/0/2`):
 * for each alternative (an OPTION or MANY has one, its inside), the token sequences, by token
 * name, that choose it.
 */
export type LookaheadTable = Readonly<Record<string, readonly (readonly (readonly string[])[])[]>>;

type Paths = TokenType[][][];
/** What Chevrotain calls a lookahead function with as `this`: the parser. */
interface Lookahead {
  LA(howMuch: number): IToken;
}

export class TabledLookahead implements ILookaheadStrategy {
  /** The paths this strategy had to compute (all of them, given an empty table): what the generator writes. */
  readonly computed: Record<string, string[][][]> = {};
  private readonly byName: ReadonlyMap<string, TokenType>;
  private readonly llk: ILookaheadStrategy;

  constructor(
    private readonly table: LookaheadTable,
    tokens: readonly TokenType[],
    maxLookahead: number,
  ) {
    this.byName = new Map([...tokens, EOF].map((t) => [t.name, t]));
    this.llk = new LLkLookaheadStrategy({ maxLookahead });
  }

  validate(options: { rules: Rule[]; tokenTypes: TokenType[]; grammarName: string }): ILookaheadValidationError[] {
    return this.llk.validate(options);
  }

  buildLookaheadForAlternation(options: { prodOccurrence: number; rule: Rule; maxLookahead: number; hasPredicates: boolean }) {
    return alternation(this.paths(options.rule, 'Alternation', options.prodOccurrence, options.maxLookahead), options.hasPredicates);
  }

  buildLookaheadForOptional(options: { prodOccurrence: number; prodType: OptionalProductionType; rule: Rule; maxLookahead: number }) {
    // Chevrotain computes the paths into the production and past it; it enters on the first.
    return optional(this.paths(options.rule, options.prodType, options.prodOccurrence, options.maxLookahead)[0]!);
  }

  private paths(rule: Rule, prodType: LookaheadProductionType, occurrence: number, maxLookahead: number): Paths {
    const key = `${rule.name}/${prodType}/${occurrence}/${maxLookahead}`;
    const named = Object.hasOwn(this.table, key) ? this.table[key] : undefined;
    const fromTable = named?.map((alt) => alt.map((path) => path.map((name) => this.byName.get(name))));
    if (fromTable?.every((alt) => alt.every((path) => path.every((t) => t !== undefined)))) return fromTable as Paths;
    const paths = getLookaheadPaths({ occurrence, rule, prodType, maxLookahead });
    this.computed[key] = paths.map((alt) => alt.map((path) => path.map((t) => t.name)));
    return paths;
  }
}

const matches = (parser: Lookahead, path: TokenType[]): boolean => {
  for (let i = 0; i < path.length; i++) if (!tokenMatcher(parser.LA(i + 1), path[i]!)) return false;
  return true;
};

/** Token type index → the first alternative a single next token of that type chooses. */
function singleTokenChoice(paths: Paths): (number | undefined)[] | undefined {
  if (!paths.every((alt) => alt.every((path) => path.length === 1))) return undefined;
  const choice: (number | undefined)[] = [];
  paths.forEach((alt, i) => {
    for (const [t] of alt) for (const idx of [t!.tokenTypeIdx!, ...(t!.categoryMatches ?? [])]) choice[idx] ??= i;
  });
  return choice;
}

function alternation(paths: Paths, hasPredicates: boolean): (this: Lookahead, orAlts?: IOrAlt<unknown>[]) => number | undefined {
  const choice = hasPredicates ? undefined : singleTokenChoice(paths);
  if (choice) {
    return function (this: Lookahead) {
      return choice[this.LA(1).tokenTypeIdx];
    };
  }
  return function (this: Lookahead, orAlts?: IOrAlt<unknown>[]) {
    for (let i = 0; i < paths.length; i++) {
      if (hasPredicates && orAlts![i]!.GATE?.call(this) === false) continue;
      const alt = paths[i]!;
      for (let j = 0; j < alt.length; j++) if (matches(this, alt[j]!)) return i;
    }
    return undefined;
  };
}

function optional(alt: TokenType[][]): (this: Lookahead) => boolean {
  const choice = singleTokenChoice([alt]);
  if (choice) {
    return function (this: Lookahead) {
      return choice[this.LA(1).tokenTypeIdx] === 0;
    };
  }
  return function (this: Lookahead) {
    for (let j = 0; j < alt.length; j++) if (matches(this, alt[j]!)) return true;
    return false;
  };
}
