// The suppression list (handsets that opted out) and its audit trail (migration 0009_two_way.sql).
// Ingest reads it once per Send/SendBatch (findSuppressed); the inbound router writes it from
// keywords (recordInbound), the admin API by hand.
import { getAccount, type Queryable } from '@smsgw/accounts/data-access-store';
import { InboundError, canonicalNumber } from '@smsgw/twoway/domain';

export interface OptOut {
  accountId: string;
  number: string;
  sender: string;
  source: 'keyword' | 'admin';
  createdAtMs: number;
}

interface OptOutRow {
  account_id: string;
  msisdn: string;
  sender: string;
  source: 'keyword' | 'admin';
  created_at: Date;
}

const COLUMNS = 'account_id, msisdn, sender, source, created_at';
const toOptOut = (r: OptOutRow): OptOut => ({ accountId: r.account_id, number: r.msisdn, sender: r.sender, source: r.source, createdAtMs: r.created_at.getTime() });

/** The key of findSuppressed's answer. */
export const suppressionKey = (accountId: string, msisdn: string) => `${accountId} ${msisdn}`;

/**
 * For each (account, handset in E.164) with suppression rows, the rows' senders ('' = every
 * sender), keyed by suppressionKey; one query for any number of accounts and handsets.
 */
export async function findSuppressed(db: Queryable, pairs: readonly { accountId: string; msisdn: string }[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  if (pairs.length === 0) return found;
  const { rows } = await db.query<{ account_id: string; msisdn: string; sender: string }>(
    `SELECT s.account_id, s.msisdn, s.sender FROM suppressions s JOIN unnest($1::text[], $2::text[]) AS q(account_id, msisdn) USING (account_id, msisdn)`,
    [pairs.map((p) => p.accountId), pairs.map((p) => p.msisdn)],
  );
  for (const r of rows) {
    const key = suppressionKey(r.account_id, r.msisdn);
    const list = found.get(key);
    if (list) list.push(r.sender);
    else found.set(key, [r.sender]);
  }
  return found;
}

export async function listOptOuts(db: Queryable, accountIdOrName: string): Promise<OptOut[]> {
  const account = await getAccount(db, accountIdOrName);
  const { rows } = await db.query<OptOutRow>(`SELECT ${COLUMNS} FROM suppressions WHERE account_id = $1 ORDER BY created_at DESC, msisdn`, [account.id]);
  return rows.map(toOptOut);
}

/** An operator's opt-out (msisdn in E.164), audited; adding one that exists keeps the first. */
export async function addOptOut(db: Queryable, accountIdOrName: string, msisdn: string, sender: string): Promise<OptOut> {
  const account = await getAccount(db, accountIdOrName);
  const s = sender ? canonicalNumber(sender) : '';
  const { rows } = await db.query<OptOutRow>(
    `WITH audit AS (INSERT INTO suppression_audit (account_id, msisdn, sender, action, source) VALUES ($1, $2, $3, 'opt_out', 'admin')),
          added AS (INSERT INTO suppressions (account_id, msisdn, sender, source) VALUES ($1, $2, $3, 'admin') ON CONFLICT DO NOTHING RETURNING ${COLUMNS})
     SELECT * FROM added UNION ALL SELECT ${COLUMNS} FROM suppressions WHERE account_id = $1 AND msisdn = $2 AND sender = $3 LIMIT 1`,
    [account.id, msisdn, s],
  );
  return toOptOut(rows[0]);
}

/** An operator lifts an opt-out (audited); INBOUND.NOT_FOUND when the handset is not on the list. */
export async function removeOptOut(db: Queryable, accountIdOrName: string, msisdn: string, sender: string): Promise<OptOut> {
  const account = await getAccount(db, accountIdOrName);
  const s = sender ? canonicalNumber(sender) : '';
  const { rows } = await db.query<OptOutRow>(
    `WITH removed AS (DELETE FROM suppressions WHERE account_id = $1 AND msisdn = $2 AND sender = $3 RETURNING ${COLUMNS}),
          audit AS (INSERT INTO suppression_audit (account_id, msisdn, sender, action, source) SELECT account_id, msisdn, sender, 'opt_in', 'admin' FROM removed)
     SELECT * FROM removed`,
    [account.id, msisdn, s],
  );
  if (!rows[0]) throw new InboundError('INBOUND.NOT_FOUND', `${msisdn.slice(0, -4)}**** has not opted out of this account${s ? ` for sender ${s}` : ''} (smsgw optout list <account>)`);
  return toOptOut(rows[0]);
}
