import { Metadata, status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { AccountError, AuthError, PolicyError, RateLimitedError } from '@smsgw/accounts/domain';
import { ValidationError } from '@smsgw/messages/domain';
import type { Logger } from '@smsgw/shared/util-logging';

const ACCOUNT_STATUS: Record<AccountError['code'], status> = {
  'ACCOUNT.NOT_FOUND': status.NOT_FOUND,
  'ACCOUNT.KEY_NOT_FOUND': status.NOT_FOUND,
  'ACCOUNT.NAME_TAKEN': status.ALREADY_EXISTS,
  'ACCOUNT.INVALID_NAME': status.INVALID_ARGUMENT,
  'ACCOUNT.INVALID_POLICY': status.INVALID_ARGUMENT,
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
  if (err instanceof RateLimitedError) {
    // The wait is in the message for people and in the trailers for programs.
    const metadata = new Metadata();
    metadata.set('retry-after-ms', String(err.retryAfterMs));
    return new RpcException({ code: status.RESOURCE_EXHAUSTED, message: `${err.message} [${err.code}]`, metadata });
  }
  if (err instanceof AuthError) return new RpcException({ code: authStatus(err), message: `${err.message} [${err.code}]` });
  if (err instanceof AccountError) return new RpcException({ code: ACCOUNT_STATUS[err.code], message: `${err.message} [${err.code}]` });
  logger.error({ err }, 'request failed');
  return new RpcException({ code: status.UNAVAILABLE, message: unavailable });
}
