// Inbound numbers and two-way settings of accounts (migration 0009_two_way.sql); written by the
// admin API, read by the dlr-processor's inbound router (findInboundCandidates).
import { getAccount, getPolicy, type Queryable } from '@smsgw/accounts/data-access-store';
import { assertCallbackUrl } from '@smsgw/accounts/domain';
import { DEFAULT_INBOUND_SETTINGS, InboundError, validateInboundNumber, validateInboundSettings, validateNumberKeyword, type InboundSettings, type OptOutScope } from '@smsgw/twoway/domain';

export interface InboundNumber {
  number: string;
  keyword: string;
  accountId: string;
  createdAtMs: number;
}

interface NumberRow {
  number: string;
  keyword: string;
  account_id: string;
  created_at: Date;
}

const toNumber = (r: NumberRow): InboundNumber => ({ number: r.number, keyword: r.keyword, accountId: r.account_id, createdAtMs: r.created_at.getTime() });

/** Gives the account a number (keyword '': the whole number); the same again is a no-op; another account's: INBOUND.NUMBER_TAKEN. */
export async function addNumber(db: Queryable, accountIdOrName: string, number: string, keyword: string): Promise<InboundNumber> {
  const n = validateInboundNumber(number);
  const k = validateNumberKeyword(keyword);
  const account = await getAccount(db, accountIdOrName);
  const { rows } = await db.query<NumberRow>(
    `INSERT INTO inbound_numbers (number, keyword, account_id) VALUES ($1, $2, $3)
     ON CONFLICT (number, keyword) DO UPDATE SET number = EXCLUDED.number
     RETURNING number, keyword, account_id, created_at`,
    [n, k, account.id],
  );
  if (rows[0].account_id !== account.id) {
    throw new InboundError('INBOUND.NUMBER_TAKEN', `${n}${k ? ` keyword ${k}` : ''} belongs to another account (smsgw numbers list); remove it there first`);
  }
  return toNumber(rows[0]);
}

export async function listNumbers(db: Queryable, accountIdOrName = ''): Promise<InboundNumber[]> {
  const accountId = accountIdOrName ? (await getAccount(db, accountIdOrName)).id : '';
  const { rows } = await db.query<NumberRow>(
    `SELECT number, keyword, account_id, created_at FROM inbound_numbers WHERE $1 = '' OR account_id = $1 ORDER BY number, keyword`,
    [accountId],
  );
  return rows.map(toNumber);
}

/** Takes a number (or one keyword on it) back; INBOUND.NOT_FOUND when nobody holds it. */
export async function removeNumber(db: Queryable, number: string, keyword: string): Promise<InboundNumber> {
  const n = validateInboundNumber(number);
  const k = validateNumberKeyword(keyword);
  const { rows } = await db.query<NumberRow>(`DELETE FROM inbound_numbers WHERE number = $1 AND keyword = $2 RETURNING number, keyword, account_id, created_at`, [n, k]);
  if (!rows[0]) throw new InboundError('INBOUND.NOT_FOUND', `nobody holds ${n}${k ? ` keyword ${k}` : ''} (smsgw numbers list)`);
  return toNumber(rows[0]);
}

interface SettingsRow {
  webhook_url: string;
  optout_scope: OptOutScope;
  stop_reply: string;
  start_reply: string;
  help_reply: string;
}

export const SETTINGS_COLUMNS = 'webhook_url, optout_scope, stop_reply, start_reply, help_reply';
export const toSettings = (r: SettingsRow | null | undefined): InboundSettings =>
  r ? { webhookUrl: r.webhook_url, optoutScope: r.optout_scope, stopReply: r.stop_reply, startReply: r.start_reply, helpReply: r.help_reply } : DEFAULT_INBOUND_SETTINGS;

export async function getInboundSettings(db: Queryable, accountId: string): Promise<InboundSettings> {
  const { rows } = await db.query<SettingsRow>(`SELECT ${SETTINGS_COLUMNS} FROM account_inbound_settings WHERE account_id = $1`, [accountId]);
  return toSettings(rows[0]);
}

/**
 * Replaces the account's two-way settings. The webhook URL passes the same rules as the account's
 * callback URLs (POLICY.CALLBACK_URL_NOT_ALLOWED: https, public addresses, unless its policy allows).
 */
export async function setInboundSettings(db: Queryable, accountIdOrName: string, settings: InboundSettings): Promise<InboundSettings> {
  const valid = validateInboundSettings(settings);
  const account = await getAccount(db, accountIdOrName);
  if (valid.webhookUrl !== '') assertCallbackUrl(valid.webhookUrl, await getPolicy(db, account.id), 'webhook_url');
  const { rows } = await db.query<SettingsRow>(
    `INSERT INTO account_inbound_settings (account_id, ${SETTINGS_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (account_id) DO UPDATE SET webhook_url = EXCLUDED.webhook_url, optout_scope = EXCLUDED.optout_scope,
       stop_reply = EXCLUDED.stop_reply, start_reply = EXCLUDED.start_reply, help_reply = EXCLUDED.help_reply, updated_at = now()
     RETURNING ${SETTINGS_COLUMNS}`,
    [account.id, valid.webhookUrl, valid.optoutScope, valid.stopReply, valid.startReply, valid.helpReply],
  );
  return toSettings(rows[0]);
}
