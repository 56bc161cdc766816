/**
 * The contract of an activity, as the DSL sees it: the name written in a `.flow` file, zod
 * schemas for input and output, defaults for retry and timeouts, and the business rejections
 * it may raise (non-retryable ApplicationFailure types). Implementations live elsewhere.
 */
import { z } from 'zod';

export type System = 'billing' | 'dispatch' | 'notification' | 'complaints';

/** The DSL type a schema stands for, where zod alone cannot tell (money, phone, …). */
export type DslScalar = 'money' | 'phone' | 'duration' | 'time';
export const dslTypes = z.registry<{ dslType: DslScalar }>();

/** Money as integer fen (分) with a currency; never floats. ¥30.00 is { fen: 3000, currency: 'CNY' }. */
export const Money = z
  .strictObject({ fen: z.number().int().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/) })
  .describe('an amount of money, in whole, non-negative fen (分) with an ISO currency');
dslTypes.add(Money, { dslType: 'money' });

/** A balance: money that may be negative (an amount owed). Only ever an output. */
export const SignedMoney = z
  .strictObject({ fen: z.number().int(), currency: z.string().regex(/^[A-Z]{3}$/) })
  .describe('an amount of money that may be negative, in integer fen (分) with an ISO currency');
dslTypes.add(SignedMoney, { dslType: 'money' });

/** A phone number (MSISDN): digits, optionally with a leading +. */
export const Phone = z.string().regex(/^\+?\d{5,15}$/, 'a phone number of 5 to 15 digits').describe('a phone number');
dslTypes.add(Phone, { dslType: 'phone' });

/** An instant, as an ISO-8601 string. */
export const Time = z.iso.datetime({ offset: true }).describe('an instant (ISO-8601)');
dslTypes.add(Time, { dslType: 'time' });

/** A duration in milliseconds. */
export const DurationMs = z.number().int().nonnegative().describe('a duration in milliseconds');
dslTypes.add(DurationMs, { dslType: 'duration' });

export interface RetryDefaults {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export interface ActivityContract<I extends z.ZodObject = z.ZodObject, O extends z.ZodType = z.ZodType> {
  /** As written in the DSL: `billing.refund`. */
  name: string;
  system: System;
  description: string;
  input: I;
  output: O;
  /** True when repeating the call with the same idempotency key is safe by construction. */
  idempotent: boolean;
  startToCloseMs: number;
  retry: RetryDefaults;
  /** Business rejections (non-retryable ApplicationFailure types) and when each happens. */
  errors: Record<string, string>;
}

export function defineActivity<I extends z.ZodObject, O extends z.ZodType>(c: ActivityContract<I, O>): ActivityContract<I, O> {
  return c;
}

export const DEFAULT_RETRY: RetryDefaults = {
  maximumAttempts: 10,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 60_000,
};

/** A zod error as one line a person reads: `path: problem; path: problem` (`whole` names the root). */
export function describeIssues(error: z.ZodError, whole = 'input'): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : whole}: ${i.message}`).join('; ');
}

/**
 * Text the systems store: Unicode without NUL, other control characters than tab, line feed and
 * carriage return, or unpaired surrogates (PostgreSQL refuses NUL in text with 22021; an unpaired
 * surrogate would be stored as U+FFFD, silently changed). Every string that crosses the catalog
 * boundary or the HTTP edge, at any depth, is checked against it.
 */
// With the u flag a surrogate pair is one code point, so the surrogate range matches only unpaired ones.
const INVALID_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udfff]/u;

/** The path and the problem of the first string in `value` that is not valid text (see above); undefined when all are. */
export function invalidText(value: unknown, path = '', depth = 0): string | undefined {
  if (depth > 64) return `${path || 'value'}: nested more than 64 levels deep`;
  if (typeof value === 'string') {
    const m = INVALID_TEXT.exec(value);
    if (!m) return undefined;
    const code = m[0].charCodeAt(0);
    const what = code === 0 ? 'a NUL character' : code >= 0xd800 ? 'an unpaired surrogate' : `the control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
    return `${path || 'value'}: text may not contain ${what} (at ${m.index})`;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = invalidText(value[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const p = invalidText(k, `${path ? `${path}.` : ''}(key)`, depth + 1) ?? invalidText(v, path ? `${path}.${k}` : k, depth + 1);
      if (p) return p;
    }
  }
  return undefined;
}
