import { AccountError, AuthError, BillingError, PolicyError, PumpingSuspectedError, RateLimitedError } from '@smsgw/accounts/domain';
import { ValidationError } from '@smsgw/messages/domain';
import { OptedOutError } from '@smsgw/twoway/domain';
import { HttpProblem, problemFor, retryAfterSeconds, titleOf } from './problem';

describe('problemFor', () => {
  it('gives each typed error the HTTP status of its gRPC status, its code, and the JSON field name', () => {
    expect(problemFor(new ValidationError('VALIDATION.CLIENT_REFERENCE_TOO_LONG', 'client_reference', 'too long'))).toEqual({
      type: 'urn:smsgw:problem:VALIDATION.CLIENT_REFERENCE_TOO_LONG',
      title: 'Client reference too long',
      status: 400,
      detail: 'too long',
      code: 'VALIDATION.CLIENT_REFERENCE_TOO_LONG',
      field: 'clientReference',
    });
    expect(problemFor(new PolicyError('POLICY.SENDER_NOT_ALLOWED', 'from', 'no'))?.status).toBe(403);
    expect(problemFor(new PolicyError('POLICY.CALLBACK_URL_NOT_ALLOWED', 'callback_url', 'no'))).toMatchObject({ status: 400, field: 'callbackUrl' });
    expect(problemFor(new AuthError('AUTH.INVALID_KEY', 'unknown key'))).toMatchObject({ status: 401, code: 'AUTH.INVALID_KEY', detail: 'unknown key' });
    expect(problemFor(new AuthError('AUTH.ACCOUNT_DISABLED', 'disabled'))?.status).toBe(403);
    expect(problemFor(new AuthError('AUTH.MISSING_KEY', 'gRPC metadata …'))?.detail).toMatch(/header "Authorization: Bearer <API key>"/);
    expect(problemFor(new HttpProblem(404, 'MESSAGE.NOT_FOUND', 'no message', 'id'))).toMatchObject({ status: 404, field: 'id' });
    expect(problemFor(new OptedOutError())).toMatchObject({ status: 403, code: 'POLICY.OPTED_OUT', field: 'to' });
    expect(problemFor(new AccountError('ACCOUNT.INVALID_USAGE_RANGE', 'from_day 2026-12-02 is after to_day 2026-12-01'))).toMatchObject({ status: 400, code: 'ACCOUNT.INVALID_USAGE_RANGE' });
    expect(problemFor(new Error('broker down'))).toBeUndefined();
  });

  it('carries the wait of RATE.LIMITED, and Retry-After rounds it up to whole seconds', () => {
    expect(problemFor(new RateLimitedError(420, 100))).toMatchObject({ status: 429, code: 'RATE.LIMITED', retryAfterMs: 420 });
    expect(problemFor(new PumpingSuspectedError('NG', 30_000))).toMatchObject({ status: 429, code: 'RATE.PUMPING_SUSPECTED', retryAfterMs: 30_000 });
    expect([retryAfterSeconds(0), retryAfterSeconds(420), retryAfterSeconds(1000), retryAfterSeconds(1001)]).toEqual(['1', '1', '1', '2']);
  });

  it('answers a prepaid balance that does not cover the message with 402, its code and the amounts', () => {
    expect(problemFor(BillingError.insufficient(2_000, 24_000, 'EUR'))).toMatchObject({ status: 402, code: 'BILLING.INSUFFICIENT_BALANCE', detail: expect.stringContaining('0.002 EUR available') });
  });

  it('titles a code by its last part', () => {
    expect(titleOf('HTTP.BODY_TOO_LARGE')).toBe('Body too large');
  });
});
