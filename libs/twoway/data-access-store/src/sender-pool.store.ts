// Sticky senders (migration 0016): an account's pool is its inbound numbers without a keyword
// (digits only: numbers and short codes); sender_assignments keeps the number each handset gets.
import type { Queryable } from '@smsgw/accounts/data-access-store';

/** Each account's pool numbers (digits, sorted); accounts without any are absent. */
export async function senderPools(db: Queryable, accountIds: readonly string[]): Promise<Map<string, string[]>> {
  const pools = new Map<string, string[]>();
  if (accountIds.length === 0) return pools;
  const { rows } = await db.query<{ account_id: string; numbers: string[] }>(
    `SELECT account_id, array_agg(number ORDER BY number) AS numbers FROM inbound_numbers
      WHERE account_id = ANY($1::text[]) AND keyword = '' AND number ~ '^[0-9]+$' GROUP BY account_id`,
    [[...new Set(accountIds)]],
  );
  for (const r of rows) pools.set(r.account_id, r.numbers);
  return pools;
}

export interface SenderAssignment {
  accountId: string;
  /** E.164. */
  msisdn: string;
  /** Pool number, digits. */
  number: string;
}

const pairKey = (accountId: string, msisdn: string) => `${accountId}\u0000${msisdn}`;

/** The numbers these handsets were given, in one statement (keyed by account and handset). */
export async function findAssignments(db: Queryable, pairs: readonly { accountId: string; msisdn: string }[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (pairs.length === 0) return found;
  const { rows } = await db.query<{ account_id: string; msisdn: string; number: string }>(
    `SELECT a.account_id, a.msisdn, a.number FROM sender_assignments a
       JOIN unnest($1::text[], $2::text[]) AS p(account_id, msisdn) ON a.account_id = p.account_id AND a.msisdn = p.msisdn`,
    [pairs.map((p) => p.accountId), pairs.map((p) => p.msisdn)],
  );
  for (const r of rows) found.set(pairKey(r.account_id, r.msisdn), r.number);
  return found;
}

export const assignmentKey = pairKey;

/** Stores new and changed assignments, in one statement. */
export async function saveAssignments(db: Queryable, assignments: readonly SenderAssignment[]): Promise<void> {
  if (assignments.length === 0) return;
  const unique = [...new Map(assignments.map((a) => [pairKey(a.accountId, a.msisdn), a])).values()];
  await db.query(
    `INSERT INTO sender_assignments (account_id, msisdn, number)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (account_id, msisdn) DO UPDATE SET number = EXCLUDED.number, assigned_at = now()`,
    [unique.map((a) => a.accountId), unique.map((a) => a.msisdn), unique.map((a) => a.number)],
  );
}
