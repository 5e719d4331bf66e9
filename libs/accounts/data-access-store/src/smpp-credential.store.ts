// SMPP credentials (schema: migrations/0014_smpp_server.sql): the admin API creates, lists and
// revokes them; the SMPP server reads one per bind.
import { AccountError, defaultSystemId, generateSmppPassword, hashSmppPassword, validateSystemId } from '@smsgw/accounts/domain';
import { getAccount, type Queryable } from './account.store';

export interface SmppCredentialInfo {
  systemId: string;
  accountId: string;
  createdAtMs: number;
  /** 0: not revoked. */
  revokedAtMs: number;
}

/** What a bind is checked against. */
export interface StoredSmppCredential extends SmppCredentialInfo {
  accountName: string;
  accountEnabled: boolean;
  passwordHash: string;
}

interface Row {
  system_id: string;
  account_id: string;
  created_at: Date;
  revoked_at: Date | null;
}
const toInfo = (r: Row): SmppCredentialInfo => ({ systemId: r.system_id, accountId: r.account_id, createdAtMs: r.created_at.getTime(), revokedAtMs: r.revoked_at?.getTime() ?? 0 });

/** A new credential for the account; the password is in the answer and nowhere else. Throws ACCOUNT.SYSTEM_ID_TAKEN. */
export async function createSmppCredential(db: Queryable, accountIdOrName: string, systemId?: string): Promise<{ credential: SmppCredentialInfo; password: string }> {
  const account = await getAccount(db, accountIdOrName);
  const id = validateSystemId(systemId || defaultSystemId(account.name));
  const password = generateSmppPassword();
  const hash = await hashSmppPassword(password);
  try {
    const { rows } = await db.query<Row>(
      `INSERT INTO smpp_credentials (system_id, account_id, password_hash) VALUES ($1, $2, $3) RETURNING system_id, account_id, created_at, revoked_at`,
      [id, account.id, hash],
    );
    return { credential: toInfo(rows[0]), password };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new AccountError('ACCOUNT.SYSTEM_ID_TAKEN', `system_id "${id}" is taken (system ids are unique across accounts); give another with --system-id`);
    throw err;
  }
}

/** The account's credentials, oldest first. */
export async function listSmppCredentials(db: Queryable, accountIdOrName: string): Promise<SmppCredentialInfo[]> {
  const account = await getAccount(db, accountIdOrName);
  const { rows } = await db.query<Row>(`SELECT system_id, account_id, created_at, revoked_at FROM smpp_credentials WHERE account_id = $1 ORDER BY created_at, system_id`, [account.id]);
  return rows.map(toInfo);
}

/** Revokes a credential (binds with it are refused from now; a second revoke keeps the first time). */
export async function revokeSmppCredential(db: Queryable, systemId: string): Promise<SmppCredentialInfo> {
  const { rows } = await db.query<Row>(
    `UPDATE smpp_credentials SET revoked_at = coalesce(revoked_at, now()) WHERE system_id = $1 RETURNING system_id, account_id, created_at, revoked_at`,
    [systemId],
  );
  if (!rows[0]) throw new AccountError('ACCOUNT.SMPP_CREDENTIAL_NOT_FOUND', `no SMPP credential with system_id "${systemId.slice(0, 32)}" (smsgw smpp-credentials list <account> lists them)`);
  return toInfo(rows[0]);
}

/** The credential a bind names, with its account's state; undefined when there is none. */
export async function findSmppCredential(db: Queryable, systemId: string): Promise<StoredSmppCredential | undefined> {
  const { rows } = await db.query<Row & { password_hash: string; name: string; enabled: boolean }>(
    `SELECT c.system_id, c.account_id, c.created_at, c.revoked_at, c.password_hash, a.name, a.enabled
       FROM smpp_credentials c JOIN accounts a ON a.id = c.account_id WHERE c.system_id = $1`,
    [systemId],
  );
  const r = rows[0];
  return r ? { ...toInfo(r), accountName: r.name, accountEnabled: r.enabled, passwordHash: r.password_hash } : undefined;
}
