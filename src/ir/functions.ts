/**
 * The pure functions a process may call in expressions. Shared by the checker (signatures) and
 * the interpreter (implementations): no I/O, no clock of their own (`now()` gets workflow time
 * from the interpreter), no access to JavaScript objects.
 */
import type { TypeRef } from './schema.js';
import { ANY, BOOL, DURATION, INT, NUMBER, STRING, TIME } from './types.js';

export interface FunctionSpec {
  /** Minimum and maximum number of arguments. */
  arity: [number, number];
  /** Argument types (the last one repeats); `any` where several are accepted. */
  params: TypeRef[];
  /** Result type, given the argument types. */
  result: (args: TypeRef[]) => TypeRef;
  describe: string;
}

const fixed = (t: TypeRef) => () => t;

const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = Object.freeze({
  now: { arity: [0, 0], params: [], result: fixed(TIME), describe: 'the current workflow time' },
  len: { arity: [1, 1], params: [ANY], result: fixed(INT), describe: 'the length of a text or a list' },
  upper: { arity: [1, 1], params: [STRING], result: fixed(STRING), describe: 'a text in capitals' },
  lower: { arity: [1, 1], params: [STRING], result: fixed(STRING), describe: 'a text in small letters' },
  trim: { arity: [1, 1], params: [STRING], result: fixed(STRING), describe: 'a text without surrounding spaces' },
  contains: { arity: [2, 2], params: [ANY, ANY], result: fixed(BOOL), describe: 'whether a text or list contains a value' },
  startsWith: { arity: [2, 2], params: [STRING, STRING], result: fixed(BOOL), describe: 'whether a text starts with another' },
  min: { arity: [1, 20], params: [ANY], result: (a) => a[0] ?? NUMBER, describe: 'the smallest of numbers, amounts or durations' },
  max: { arity: [1, 20], params: [ANY], result: (a) => a[0] ?? NUMBER, describe: 'the largest of numbers, amounts or durations' },
  abs: { arity: [1, 1], params: [ANY], result: (a) => a[0] ?? NUMBER, describe: 'the absolute value' },
  round: { arity: [1, 1], params: [NUMBER], result: fixed(INT), describe: 'the nearest whole number' },
  coalesce: { arity: [2, 20], params: [ANY], result: (a) => a.find((t) => t.t !== 'any') ?? ANY, describe: 'the first value that is not null' },
  hours: { arity: [1, 1], params: [NUMBER], result: fixed(DURATION), describe: 'a duration of n hours' },
  days: { arity: [1, 1], params: [NUMBER], result: fixed(DURATION), describe: 'a duration of n days' },
  date: { arity: [1, 1], params: [TIME], result: fixed(STRING), describe: 'the date (YYYY-MM-DD, UTC) of a time' },
  text: { arity: [1, 1], params: [ANY], result: fixed(STRING), describe: 'a value as text' },
});

/** A function by name, an own entry only: `constructor` or `__proto__` finds nothing inherited. */
export function functionSpec(name: string): FunctionSpec | undefined {
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
}

export const FUNCTION_NAMES = Object.keys(FUNCTIONS);
