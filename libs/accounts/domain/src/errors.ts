/** Why a caller is refused: a stable code, the gRPC-agnostic kind, and a sentence saying what to do. */
export type AuthErrorCode = 'AUTH.MISSING_KEY' | 'AUTH.MALFORMED_KEY' | 'AUTH.INVALID_KEY' | 'AUTH.KEY_REVOKED' | 'AUTH.ACCOUNT_DISABLED' | 'AUTH.ADMIN_DISABLED' | 'AUTH.INVALID_ADMIN_TOKEN';

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }

  /** Identity is known but not allowed (the account is disabled), as opposed to not proven. */
  get forbidden(): boolean {
    return this.code === 'AUTH.ACCOUNT_DISABLED';
  }
}

/** A request about accounts that cannot be done (unknown id, duplicate name, bad name). */
export type AccountErrorCode = 'ACCOUNT.NOT_FOUND' | 'ACCOUNT.KEY_NOT_FOUND' | 'ACCOUNT.NAME_TAKEN' | 'ACCOUNT.INVALID_NAME' | 'ACCOUNT.INVALID_POLICY';

export class AccountError extends Error {
  constructor(
    readonly code: AccountErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}
