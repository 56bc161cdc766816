/**
 * Chevrotain, loaded from the single-file ES module build its package ships
 * (`lib/chevrotain.mjs`, the same version and API). The package's entry loads its lodash-es
 * dependency module by module: 160 ms of a cold `svcflow check`, against 6 ms for the bundle.
 * (The minified bundle loads no sooner: 28.1 against 28.9 ms, medians of 25.) The package's
 * `exports` map does not name the bundle, so it is reached through the entry's URL. Types
 * still come from the package. Every runtime import of Chevrotain goes through here, so
 * `instanceof` checks see one copy of its classes.
 */
import type * as Api from 'chevrotain';

const entry = import.meta.resolve('chevrotain'); // …/chevrotain/lib/src/api.js
const chevrotain = (await import(new URL('../chevrotain.mjs', entry).href)) as typeof Api;

export const {
  createToken,
  CstParser,
  EOF,
  generateCstDts,
  getLookaheadPaths,
  isRecognitionException,
  Lexer,
  LLkLookaheadStrategy,
  NotAllInputParsedException,
  tokenMatcher,
} = chevrotain;
export type {
  CstNode,
  ICstVisitor,
  ILexingError,
  ILookaheadStrategy,
  ILookaheadValidationError,
  IOrAlt,
  IParserErrorMessageProvider,
  IRecognitionException,
  IToken,
  LookaheadProductionType,
  OptionalProductionType,
  Rule,
  TokenType,
} from 'chevrotain';
