import { AccountError, AuthError, BillingError, PolicyError, PumpingSuspectedError, RateLimitedError } from '@smsgw/accounts/domain';
import { ValidationError } from '@smsgw/messages/domain';
import { OptedOutError } from '@smsgw/twoway/domain';
import { IdempotencyInProgressError } from '../send-message/idempotency.store';

/** An RFC 9457 problem with smsgw's stable code (the one gRPC puts at the end of its message). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
  retryAfterMs?: number;
}

/** A refusal the HTTP layer itself makes (no such message, a body it cannot read). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

/** "VALIDATION.INVALID_DESTINATION" → "Invalid destination": the same title for every problem of a type. */
export function titleOf(code: string): string {
  const words = (code.split('.').pop() ?? code).toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The domain's field names are the protos' (client_reference); the JSON body's are lowerCamelCase. */
export const jsonFieldName = (field: string) => field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: `urn:smsgw:problem:${code}`, title: titleOf(code), status, detail, code, ...extra };
}

/**
 * The HTTP answer to an error of ingest's use cases, status for status what rpc-errors.ts answers
 * over gRPC (INVALID_ARGUMENT 400, PERMISSION_DENIED and FAILED_PRECONDITION 403, UNAUTHENTICATED 401,
 * RESOURCE_EXHAUSTED 429, FAILED_PRECONDITION of billing 402, UNAVAILABLE of a key in progress 503); undefined for anything else (the caller logs it and answers 503, as gRPC UNAVAILABLE).
 */
export function problemFor(err: unknown): Problem | undefined {
  if (err instanceof HttpProblem) return problem(err.status, err.code, err.message, err.field ? { field: err.field } : {});
  if (err instanceof ValidationError) return problem(400, err.code, err.message, err.field ? { field: jsonFieldName(err.field) } : {});
  if (err instanceof PolicyError) return problem(err.forbidden ? 403 : 400, err.code, err.message, err.field ? { field: jsonFieldName(err.field) } : {});
  // FAILED_PRECONDITION over gRPC; 402 Payment Required says what is missing.
  if (err instanceof BillingError) return problem(402, err.code, err.message);
  if (err instanceof RateLimitedError || err instanceof PumpingSuspectedError) return problem(429, err.code, err.message, { retryAfterMs: err.retryAfterMs });
  if (err instanceof IdempotencyInProgressError) return problem(503, err.code, err.message, { retryAfterMs: err.retryAfterMs });
  // gRPC FAILED_PRECONDITION: the account may send this, but not to this handset now.
  if (err instanceof OptedOutError) return problem(403, err.code, err.message, { field: err.field });
  if (err instanceof AccountError) return problem(err.code === 'ACCOUNT.NOT_FOUND' || err.code === 'ACCOUNT.KEY_NOT_FOUND' ? 404 : 400, err.code, err.message);
  if (err instanceof AuthError) {
    // The domain's sentence speaks of gRPC metadata; over HTTP it is a header.
    const detail = err.code === 'AUTH.MISSING_KEY' ? 'no API key: send the header "Authorization: Bearer <API key>"' : err.message;
    return problem(err.forbidden ? 403 : 401, err.code, detail);
  }
  return undefined;
}

/** Retry-After (seconds, rounded up) for a RATE.LIMITED problem. */
export const retryAfterSeconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));
