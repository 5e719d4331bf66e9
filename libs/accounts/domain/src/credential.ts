import { AccountError, AuthError } from './errors';
import { secretMatches, type ParsedApiKey } from './api-key';
import type { AccountPolicy } from './policy';

/** A stored key as the authenticator sees it (no secret, only its hash). */
export interface StoredKey {
  keyId: string;
  accountId: string;
  /** The account's name (sms.submit.v1 events may name their account by it). */
  accountName?: string;
  secretHash: Uint8Array;
  revoked: boolean;
  accountEnabled: boolean;
  /** The account's policy, read with the key (so it is cached, and as fresh, as the key). */
  policy: AccountPolicy;
}

/** The caller once a key is verified. */
export interface Principal {
  accountId: string;
  accountName?: string;
  keyId: string;
  policy: AccountPolicy;
}

/**
 * The rule for a presented key against what the store holds (undefined: no such key id).
 * Unknown key and wrong secret give the same answer, so the key id space cannot be probed.
 */
export function verifyApiKey(presented: ParsedApiKey, stored: StoredKey | undefined): Principal {
  if (!stored || !secretMatches(presented.secret, stored.secretHash)) {
    throw new AuthError('AUTH.INVALID_KEY', 'the API key is not known to this gateway (wrong key, or one from another environment); ask an admin for a key: smsgw keys create <account>');
  }
  if (stored.revoked) throw new AuthError('AUTH.KEY_REVOKED', `API key ${stored.keyId} was revoked; use another key of the account (smsgw keys create <account>)`);
  if (!stored.accountEnabled) throw new AuthError('AUTH.ACCOUNT_DISABLED', `account ${stored.accountId} is disabled; an admin can enable it (smsgw accounts enable <id>)`);
  return { accountId: stored.accountId, accountName: stored.accountName, keyId: stored.keyId, policy: stored.policy };
}

/**
 * A principal checked against the account a request names (sms.submit.v1's smsgw-account
 * header, an account id or name): it must be the key's. Throws AUTH.ACCOUNT_MISMATCH.
 */
export function assertNamedAccount(principal: Principal, named: string | undefined): Principal {
  if (named !== undefined && named !== '' && (named === principal.accountId || named === principal.accountName)) return principal;
  throw new AuthError(
    'AUTH.ACCOUNT_MISMATCH',
    named ? `API key ${principal.keyId} is not a key of account "${named.slice(0, 64)}"; send that account's key, or name the key's account` : `no account named: set the header smsgw-account to the id or name of the API key's account`,
  );
}

/** The token of an `authorization` value "Bearer <token>" (scheme case-insensitive), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/** The API key a request presents; throws AUTH.MISSING_KEY. */
export function presentedApiKey(header: string | undefined): string {
  const token = bearerToken(header);
  if (token) return token;
  throw new AuthError(
    'AUTH.MISSING_KEY',
    header ? 'the authorization metadata is not "Bearer <API key>"' : 'no API key: send gRPC metadata "authorization: Bearer <API key>" (smsgw CLI: --api-key or SMSGW_API_KEY)',
  );
}

/** Account names are what people type in the CLI: 1-64 letters, digits, ".", "_", "-". */
export function validateAccountName(name: string): string {
  const trimmed = name.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(trimmed)) {
    throw new AccountError('ACCOUNT.INVALID_NAME', `account name "${trimmed.slice(0, 80)}" is not usable: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  return trimmed;
}
