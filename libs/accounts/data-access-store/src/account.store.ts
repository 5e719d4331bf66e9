// Accounts, API keys and account policies in PostgreSQL (schema: libs/shared/data-access-db/migrations
// 0004_accounts.sql, 0007_account_policies.sql).
// The admin API writes here; ingest's authenticator reads keys by id (findKeys) and records their
// use in batches (touchKeys); a key comes with its account's policy. Plain functions over anything that runs a query, like the status store.
import { AccountError, DEFAULT_POLICY, generateApiKey, validateAccountName, validatePolicy, type AccountPolicy, type PumpingMode, type StoredKey } from '@smsgw/accounts/domain';
import type { QueryResult, QueryResultRow } from 'pg';

export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

export interface Account {
  id: string;
  name: string;
  enabled: boolean;
  createdAtMs: number;
}

export interface ApiKeyInfo {
  keyId: string;
  accountId: string;
  createdAtMs: number;
  /** 0: not revoked. */
  revokedAtMs: number;
  /** 0: never used (as far as the last batch written by ingest says). */
  lastUsedAtMs: number;
}

/** A key just made: the whole key is here and nowhere else, shown once. */
export interface CreatedKey {
  apiKey: string;
  key: ApiKeyInfo;
}

interface AccountRow {
  id: string;
  name: string;
  enabled: boolean;
  created_at: Date;
}
interface KeyRow {
  id: string;
  account_id: string;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const ACCOUNT_COLUMNS = 'id, name, enabled, created_at';
const KEY_COLUMNS = 'id, account_id, created_at, revoked_at, last_used_at';
const toAccount = (r: AccountRow): Account => ({ id: r.id, name: r.name, enabled: r.enabled, createdAtMs: r.created_at.getTime() });
const toKey = (r: KeyRow): ApiKeyInfo => ({ keyId: r.id, accountId: r.account_id, createdAtMs: r.created_at.getTime(), revokedAtMs: r.revoked_at?.getTime() ?? 0, lastUsedAtMs: r.last_used_at?.getTime() ?? 0 });
const UNIQUE_VIOLATION = '23505';

/** A new account with its first key, in one statement (both or neither). */
export async function createAccount(db: Queryable, name: string): Promise<{ account: Account; apiKey: string; key: ApiKeyInfo }> {
  const valid = validateAccountName(name);
  const key = generateApiKey();
  try {
    const { rows } = await db.query<AccountRow & { key: KeyRow }>(
      `WITH a AS (INSERT INTO accounts (name) VALUES ($1) RETURNING ${ACCOUNT_COLUMNS}),
            k AS (INSERT INTO api_keys (id, account_id, secret_hash) SELECT $2, id, $3 FROM a RETURNING ${KEY_COLUMNS})
       SELECT a.*, row_to_json(k) AS key FROM a, k`,
      [valid, key.keyId, key.secretHash],
    );
    const k = rows[0].key;
    return { account: toAccount(rows[0]), apiKey: key.apiKey, key: toKey({ ...k, created_at: new Date(k.created_at), revoked_at: null, last_used_at: null }) };
  } catch (err) {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new AccountError('ACCOUNT.NAME_TAKEN', `an account named "${valid}" exists already; pick another name, or add a key to it (smsgw keys create ${valid})`);
    throw err;
  }
}

export async function listAccounts(db: Queryable): Promise<Account[]> {
  const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY created_at, id`);
  return rows.map(toAccount);
}

/** The account with this id, or else this name; throws ACCOUNT.NOT_FOUND. */
export async function getAccount(db: Queryable, idOrName: string): Promise<Account> {
  const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1 OR name = $1 ORDER BY id = $1 DESC LIMIT 1`, [idOrName]);
  if (!rows[0]) throw new AccountError('ACCOUNT.NOT_FOUND', `no account "${idOrName}" (ids and names: smsgw accounts list)`);
  return toAccount(rows[0]);
}

/** The account's keys, newest first. */
export async function listKeys(db: Queryable, accountId: string): Promise<ApiKeyInfo[]> {
  const { rows } = await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE account_id = $1 ORDER BY created_at DESC, id`, [accountId]);
  return rows.map(toKey);
}

export async function setAccountEnabled(db: Queryable, idOrName: string, enabled: boolean): Promise<Account> {
  const account = await getAccount(db, idOrName);
  const { rows } = await db.query<AccountRow>(`UPDATE accounts SET enabled = $2 WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`, [account.id, enabled]);
  return toAccount(rows[0]);
}

/** Another key for the account (an account may hold several, e.g. to rotate without downtime). */
export async function createKey(db: Queryable, accountIdOrName: string): Promise<CreatedKey> {
  const account = await getAccount(db, accountIdOrName);
  const key = generateApiKey();
  const { rows } = await db.query<KeyRow>(`INSERT INTO api_keys (id, account_id, secret_hash) VALUES ($1, $2, $3) RETURNING ${KEY_COLUMNS}`, [key.keyId, account.id, key.secretHash]);
  return { apiKey: key.apiKey, key: toKey(rows[0]) };
}

/** Revokes a key (a second revoke keeps the first time); throws ACCOUNT.KEY_NOT_FOUND. */
export async function revokeKey(db: Queryable, keyId: string): Promise<ApiKeyInfo> {
  const { rows } = await db.query<KeyRow>(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${KEY_COLUMNS}`, [keyId]);
  if (!rows[0]) throw new AccountError('ACCOUNT.KEY_NOT_FOUND', `no API key with id "${keyId}" (the key id is the part after "smsgw_"; smsgw accounts show <account> lists them)`);
  return toKey(rows[0]);
}

/** The stored keys with these ids, their account's state and policy, in one query; unknown ids are absent. */
// Whether the account has a balance (0015_account_balances.sql) travels with its policy, so ingest reserves only for prepaid accounts.
const PREPAID = 'EXISTS (SELECT 1 FROM account_balances b WHERE b.account_id = a.id) AS prepaid';
const policyOf = (r: { policy: PolicyRow | null; prepaid: boolean }): AccountPolicy => (r.prepaid ? { ...toPolicy(r.policy), prepaid: true } : toPolicy(r.policy));

export async function findKeys(db: Queryable, keyIds: readonly string[]): Promise<Map<string, StoredKey>> {
  if (keyIds.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; account_id: string; name: string; secret_hash: Buffer; revoked: boolean; enabled: boolean; policy: PolicyRow | null; prepaid: boolean }>(
    `SELECT k.id, k.account_id, a.name, k.secret_hash, k.revoked_at IS NOT NULL AS revoked, a.enabled, row_to_json(p) AS policy, ${PREPAID}
       FROM api_keys k JOIN accounts a ON a.id = k.account_id LEFT JOIN account_policies p ON p.account_id = k.account_id
      WHERE k.id = ANY($1::text[])`,
    [keyIds],
  );
  return new Map(rows.map((r) => [r.id, { keyId: r.id, accountId: r.account_id, accountName: r.name, secretHash: r.secret_hash, revoked: r.revoked, accountEnabled: r.enabled, policy: policyOf(r) }]));
}

/** An account as a caller without an API key (a client certificate) is checked: by id or name, with its state and policy. */
export interface StoredAccount {
  accountId: string;
  accountName: string;
  enabled: boolean;
  policy: AccountPolicy;
}

/** The accounts with these ids or names, in one query, keyed by the id or name asked for; unknown ones are absent. */
export async function findAccounts(db: Queryable, idsOrNames: readonly string[]): Promise<Map<string, StoredAccount>> {
  if (idsOrNames.length === 0) return new Map();
  const { rows } = await db.query<{ ref: string; id: string; name: string; enabled: boolean; policy: PolicyRow | null; prepaid: boolean }>(
    `SELECT r.ref, a.id, a.name, a.enabled, row_to_json(p) AS policy, ${PREPAID}
       FROM unnest($1::text[]) AS r(ref) JOIN accounts a ON a.id = r.ref OR a.name = r.ref LEFT JOIN account_policies p ON p.account_id = a.id`,
    [idsOrNames],
  );
  return new Map(rows.map((r) => [r.ref, { accountId: r.id, accountName: r.name, enabled: r.enabled, policy: policyOf(r) }]));
}

interface PolicyRow {
  senders: string[];
  countries: string[];
  allowed_number_types: string[];
  callback_http: boolean;
  callback_private: boolean;
  rate_per_second: number;
  rate_burst: number;
  pumping_mode: PumpingMode;
  pumping_min_per_minute: number;
  pumping_factor: number;
  default_sender: string;
  email_senders: string[];
  email_reports: boolean;
}
const POLICY_COLUMNS = 'senders, countries, allowed_number_types, callback_http, callback_private, rate_per_second, rate_burst, pumping_mode, pumping_min_per_minute, pumping_factor, default_sender, email_senders, email_reports';
const toPolicy = (r: PolicyRow | null | undefined): AccountPolicy =>
  r ? { senders: r.senders, countries: r.countries, allowedNumberTypes: r.allowed_number_types, callbackHttp: r.callback_http, callbackPrivate: r.callback_private, ratePerSecond: r.rate_per_second, rateBurst: r.rate_burst, pumpingMode: r.pumping_mode, pumpingMinPerMinute: r.pumping_min_per_minute, pumpingFactor: r.pumping_factor, defaultSender: r.default_sender, emailSenders: r.email_senders, emailReports: r.email_reports }
    : DEFAULT_POLICY;

/** The policy of the account with this id (DEFAULT_POLICY when none was set). */
export async function getPolicy(db: Queryable, accountId: string): Promise<AccountPolicy> {
  const { rows } = await db.query<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM account_policies WHERE account_id = $1`, [accountId]);
  return toPolicy(rows[0]);
}

/** Replaces the account's policy (validated first: ACCOUNT.INVALID_POLICY); returns it as stored. */
export async function setPolicy(db: Queryable, accountIdOrName: string, policy: AccountPolicy): Promise<{ account: Account; policy: AccountPolicy }> {
  const valid = validatePolicy(policy);
  const account = await getAccount(db, accountIdOrName);
  const { rows } = await db.query<PolicyRow>(
    `INSERT INTO account_policies (account_id, ${POLICY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (account_id) DO UPDATE SET senders = EXCLUDED.senders, countries = EXCLUDED.countries, allowed_number_types = EXCLUDED.allowed_number_types,
       callback_http = EXCLUDED.callback_http, callback_private = EXCLUDED.callback_private,
       rate_per_second = EXCLUDED.rate_per_second, rate_burst = EXCLUDED.rate_burst,
       pumping_mode = EXCLUDED.pumping_mode, pumping_min_per_minute = EXCLUDED.pumping_min_per_minute, pumping_factor = EXCLUDED.pumping_factor,
       default_sender = EXCLUDED.default_sender, email_senders = EXCLUDED.email_senders, email_reports = EXCLUDED.email_reports, updated_at = now()
     RETURNING ${POLICY_COLUMNS}`,
    [account.id, valid.senders, valid.countries, valid.allowedNumberTypes, valid.callbackHttp, valid.callbackPrivate, valid.ratePerSecond, valid.rateBurst, valid.pumpingMode, valid.pumpingMinPerMinute, valid.pumpingFactor, valid.defaultSender, valid.emailSenders, valid.emailReports],
  );
  return { account, policy: toPolicy(rows[0]) };
}

/** Records when keys were last used, many in one statement; a time never moves back. */
export async function touchKeys(db: Queryable, usedAtMs: ReadonlyMap<string, number>): Promise<void> {
  if (usedAtMs.size === 0) return;
  await db.query(
    `UPDATE api_keys k SET last_used_at = GREATEST(k.last_used_at, to_timestamp(u.at_ms / 1000.0))
       FROM unnest($1::text[], $2::float8[]) AS u(id, at_ms) WHERE k.id = u.id`,
    [[...usedAtMs.keys()], [...usedAtMs.values()]],
  );
}
