/**
 * What every HTTP route of svcflow answers a bad request with: a 4xx with `{ error, message }`,
 * written before anything is recorded or sent. Engine errors map to the status a client can act
 * on; anything else is a 500 that says nothing of its cause (the server log has it).
 */
import type { FastifyError } from 'fastify';
import { isPlainRecord } from '../inputs.js';
import { UNSEARCHABLE } from '../visibility.js';
import { InstanceNotRunningError, InvalidInputError, SvcflowError, UnknownInstanceError, UnknownSignalError, UpdateRejectedError } from '../errors.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

/** Maps an error to the status an HTTP client can act on. */
export function statusOf(err: unknown): { status: number; error: string; message: string } {
  if (err instanceof HttpError) return { status: err.status, error: err.error, message: err.message };
  if (err instanceof InvalidInputError || err instanceof UpdateRejectedError) return { status: 422, error: err.code, message: err.message };
  if (err instanceof UnknownInstanceError) return { status: 404, error: err.code, message: err.message };
  if (err instanceof InstanceNotRunningError || err instanceof UnknownSignalError) return { status: 409, error: err.code, message: err.message };
  if (err instanceof SvcflowError) return { status: 400, error: err.code, message: err.message };
  const f = err as FastifyError;
  if (f.statusCode && f.statusCode < 500) return { status: f.statusCode, error: `http/${f.code ?? 'bad-request'}`, message: f.message };
  return { status: 500, error: 'http/internal', message: 'internal error; see the server log' };
}

/** The body as a record (JSON object); a missing body is an empty one. */
export function recordBody(body: unknown): Record<string, unknown> {
  const value = body ?? {};
  if (!isPlainRecord(value)) throw new HttpError(400, 'http/invalid-body', 'body: must be a JSON object');
  return value;
}

/** The Idempotency-Key header: 1 to 200 characters of text, or null when the client sent none. */
export function idempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (typeof header !== 'string' || header.length === 0 || header.length > 200 || UNSEARCHABLE.test(header)) {
    throw new HttpError(400, 'http/invalid-idempotency-key', 'the Idempotency-Key header must be 1 to 200 characters of text');
  }
  return header;
}
