/** Why a caller is refused: a stable code, the gRPC-agnostic kind, and a sentence saying what to do. */
export type AuthErrorCode = 'AUTH.MISSING_KEY' | 'AUTH.MALFORMED_KEY' | 'AUTH.INVALID_KEY' | 'AUTH.KEY_REVOKED' | 'AUTH.ACCOUNT_DISABLED' | 'AUTH.ADMIN_DISABLED' | 'AUTH.INVALID_ADMIN_TOKEN' | 'AUTH.ACCOUNT_MISMATCH' | 'AUTH.INVALID_INTAKE_TOKEN';

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }

  /** Identity is known but not allowed (the account is disabled, or not the one named), as opposed to not proven. */
  get forbidden(): boolean {
    return this.code === 'AUTH.ACCOUNT_DISABLED' || this.code === 'AUTH.ACCOUNT_MISMATCH';
  }
}

/** A request about accounts that cannot be done (unknown id, duplicate name, bad name). */
export type AccountErrorCode = 'ACCOUNT.NOT_FOUND' | 'ACCOUNT.KEY_NOT_FOUND' | 'ACCOUNT.NAME_TAKEN' | 'ACCOUNT.INVALID_NAME' | 'ACCOUNT.INVALID_POLICY' | 'ACCOUNT.INVALID_USAGE_RANGE' | 'ACCOUNT.INVALID_SYSTEM_ID' | 'ACCOUNT.SYSTEM_ID_TAKEN' | 'ACCOUNT.SMPP_CREDENTIAL_NOT_FOUND' | 'ACCOUNT.INVALID_BALANCE' | 'ACCOUNT.INVALID_HOLD_SELECTION';

export class AccountError extends Error {
  constructor(
    readonly code: AccountErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}
