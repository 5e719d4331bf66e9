import { status } from '@grpc/grpc-js';
import { AccountError, AuthError, PolicyError, PumpingSuspectedError, RateLimitedError } from '@smsgw/accounts/domain';
import { ValidationError } from '@smsgw/messages/domain';
import { invalidRateCard, invalidRules } from '@smsgw/routing/domain';
import { createLogger } from '@smsgw/shared/util-logging';
import { toRpcError } from './rpc-errors';

const logger = createLogger({ app: 'ingest-spec', level: 'silent' });
const answer = (err: unknown) => toRpcError(err, logger, 'unavailable').getError();

describe('toRpcError', () => {
  it('gives policy refusals PERMISSION_DENIED, a refused callback URL INVALID_ARGUMENT, each ending with its code', () => {
    for (const code of ['POLICY.SENDER_NOT_ALLOWED', 'POLICY.COUNTRY_NOT_ALLOWED', 'POLICY.NUMBER_TYPE_BLOCKED'] as const) {
      expect(answer(new PolicyError(code, 'from', 'not for you'))).toEqual({ code: status.PERMISSION_DENIED, message: `not for you [${code}]` });
    }
    expect(answer(new PolicyError('POLICY.CALLBACK_URL_NOT_ALLOWED', 'callback_url', 'callback_url must be https'))).toEqual({ code: status.INVALID_ARGUMENT, message: 'callback_url must be https [POLICY.CALLBACK_URL_NOT_ALLOWED]' });
  });

  it('gives the rate limit and the pumping check RESOURCE_EXHAUSTED with the wait in the message and the retry-after-ms trailer', () => {
    for (const err of [new RateLimitedError(420, 100), new PumpingSuspectedError('NG', 30_000)]) {
      const rpc = toRpcError(err, logger, 'unavailable').getError() as { code: number; message: string; metadata: { get(k: string): unknown[] } };
      expect([rpc.code, rpc.message.endsWith(`[${err.code}]`), rpc.metadata.get('retry-after-ms')]).toEqual([status.RESOURCE_EXHAUSTED, true, [String(err.retryAfterMs)]]);
    }
  });

  it('a bad rate card is INVALID_ARGUMENT, route rules that cannot be loaded FAILED_PRECONDITION', () => {
    expect(answer(invalidRateCard('uk.csv line 3', 'price "x"'))).toEqual({ code: status.INVALID_ARGUMENT, message: 'uk.csv line 3: price "x" [ROUTING.INVALID_RATE_CARD]' });
    expect(answer(invalidRules('routes.yaml', 'bad'))).toMatchObject({ code: status.FAILED_PRECONDITION });
  });

  it('keeps the other typed errors as they were, and hides anything else behind UNAVAILABLE', () => {
    expect(answer(new ValidationError('VALIDATION.EMPTY_TEXT', 'text', 'text is empty'))).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(answer(new AuthError('AUTH.ACCOUNT_DISABLED', 'off'))).toMatchObject({ code: status.PERMISSION_DENIED });
    expect(answer(new AccountError('ACCOUNT.INVALID_POLICY', 'bad country'))).toEqual({ code: status.INVALID_ARGUMENT, message: 'bad country [ACCOUNT.INVALID_POLICY]' });
    expect(answer(new Error('ECONNREFUSED'))).toEqual({ code: status.UNAVAILABLE, message: 'unavailable' });
  });
});
