import { Metadata, status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { AccountError, AuthError, BillingError, PolicyError, PumpingSuspectedError, RateLimitedError } from '@smsgw/accounts/domain';
import { ValidationError } from '@smsgw/messages/domain';
import { RoutingConfigError, RoutingConfigVersionError } from '@smsgw/routing/domain';
import type { Logger } from '@smsgw/shared/util-logging';
import { InboundError, OptedOutError } from '@smsgw/twoway/domain';
import { IdempotencyInProgressError } from '../send-message/idempotency.store';

const ACCOUNT_STATUS: Record<AccountError['code'], status> = {
  'ACCOUNT.NOT_FOUND': status.NOT_FOUND,
  'ACCOUNT.KEY_NOT_FOUND': status.NOT_FOUND,
  'ACCOUNT.NAME_TAKEN': status.ALREADY_EXISTS,
  'ACCOUNT.INVALID_NAME': status.INVALID_ARGUMENT,
  'ACCOUNT.INVALID_POLICY': status.INVALID_ARGUMENT,
  'ACCOUNT.INVALID_USAGE_RANGE': status.INVALID_ARGUMENT,
  'ACCOUNT.INVALID_SYSTEM_ID': status.INVALID_ARGUMENT,
  'ACCOUNT.SYSTEM_ID_TAKEN': status.ALREADY_EXISTS,
  'ACCOUNT.SMPP_CREDENTIAL_NOT_FOUND': status.NOT_FOUND,
  'ACCOUNT.INVALID_BALANCE': status.INVALID_ARGUMENT,
  'ACCOUNT.INVALID_HOLD_SELECTION': status.INVALID_ARGUMENT,
};

const INBOUND_STATUS: Record<InboundError['code'], status> = {
  'INBOUND.INVALID_NUMBER': status.INVALID_ARGUMENT,
  'INBOUND.INVALID_KEYWORD': status.INVALID_ARGUMENT,
  'INBOUND.INVALID_SETTINGS': status.INVALID_ARGUMENT,
  'INBOUND.INVALID_KEYWORDS_FILE': status.INVALID_ARGUMENT,
  'INBOUND.NUMBER_TAKEN': status.ALREADY_EXISTS,
  'INBOUND.NOT_FOUND': status.NOT_FOUND,
};

const CONFIG_VERSION_STATUS: Record<RoutingConfigVersionError['code'], status> = {
  'ROUTING.CONFIG_VERSION_NOT_FOUND': status.NOT_FOUND,
  'ROUTING.ROUTES_TOO_LARGE': status.INVALID_ARGUMENT,
  // Nothing was stored: retry once Kafka is back.
  'ROUTING.CONFIG_NOT_PUBLISHED': status.UNAVAILABLE,
};

function authStatus(err: AuthError): status {
  if (err.forbidden) return status.PERMISSION_DENIED;
  if (err.code === 'AUTH.ADMIN_DISABLED') return status.UNIMPLEMENTED;
  return status.UNAUTHENTICATED;
}

/**
 * The gRPC answer to an error of ingest's use cases: the typed errors with their status and
 * "message [CODE]"; anything else is logged and becomes UNAVAILABLE (Kafka or PostgreSQL down).
 */
export function toRpcError(err: unknown, logger: Logger, unavailable: string): RpcException {
  if (err instanceof RpcException) return err;
  // Messages start with the field name or say what to do; the code ends them, for programs.
  if (err instanceof ValidationError) return new RpcException({ code: status.INVALID_ARGUMENT, message: `${err.message} [${err.code}]` });
  // The account may not send this (PERMISSION_DENIED), or the callback URL is unacceptable (INVALID_ARGUMENT).
  if (err instanceof PolicyError) return new RpcException({ code: err.forbidden ? status.PERMISSION_DENIED : status.INVALID_ARGUMENT, message: `${err.message} [${err.code}]` });
  // The request is fine and the account may send it, but not to this handset now: it opted out.
  if (err instanceof OptedOutError) return new RpcException({ code: status.FAILED_PRECONDITION, message: `${err.message} [${err.code}]` });
  // The account may send this but has not the balance for it (BILLING.INSUFFICIENT_BALANCE): credit it and retry.
  if (err instanceof BillingError) return new RpcException({ code: status.FAILED_PRECONDITION, message: `${err.message} [${err.code}]` });
  if (err instanceof InboundError) return new RpcException({ code: INBOUND_STATUS[err.code], message: `${err.message} [${err.code}]` });
  if (err instanceof RateLimitedError || err instanceof PumpingSuspectedError) {
    // The wait is in the message for people and in the trailers for programs.
    const metadata = new Metadata();
    metadata.set('retry-after-ms', String(err.retryAfterMs));
    return new RpcException({ code: status.RESOURCE_EXHAUSTED, message: `${err.message} [${err.code}]`, metadata });
  }
  // Retryable: an earlier request with the key is still being published (or its process died: taken over soon).
  if (err instanceof IdempotencyInProgressError) {
    const metadata = new Metadata();
    metadata.set('retry-after-ms', String(err.retryAfterMs));
    return new RpcException({ code: status.UNAVAILABLE, message: `${err.message} [${err.code}]`, metadata });
  }
  // A bad rate card in the request is the caller's; bad route rules are the server's configuration.
  if (err instanceof RoutingConfigError) return new RpcException({ code: err.code === 'ROUTING.INVALID_RULES' ? status.FAILED_PRECONDITION : status.INVALID_ARGUMENT, message: `${err.message} [${err.code}]` });
  if (err instanceof RoutingConfigVersionError) return new RpcException({ code: CONFIG_VERSION_STATUS[err.code], message: `${err.message} [${err.code}]` });
  if (err instanceof AuthError) return new RpcException({ code: authStatus(err), message: `${err.message} [${err.code}]` });
  if (err instanceof AccountError) return new RpcException({ code: ACCOUNT_STATUS[err.code], message: `${err.message} [${err.code}]` });
  logger.error({ err }, 'request failed');
  return new RpcException({ code: status.UNAVAILABLE, message: unavailable });
}
