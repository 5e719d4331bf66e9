// Prepaid balances and their ledger (schema: libs/shared/data-access-db/migrations/0015_account_balances.sql;
// the rules: libs/accounts/domain/src/spend.ts). Ingest reserves (one statement per batch), the
// dlr-processor settles and refunds (one statement per fetch), the admin API credits.
// Lock order: balance rows by account id, always, so the reserving and the closing statements do not deadlock.
import { AccountError, type Closing, type OpenReservation } from '@smsgw/accounts/domain';
import type { SpendRow } from '@smsgw/shared/util-proto';
import type { Queryable } from './account.store';

export interface Balance {
  accountId: string;
  currency: string;
  /** Credits − settled charges − open reservations. */
  balanceMicros: number;
  creditLimitMicros: number;
  /** Open reservations (already taken off balanceMicros). */
  reservedMicros: number;
  /** What the next messages may still reserve: balance + credit limit. */
  availableMicros: number;
  /** Settled charges, all time (from the ledger). */
  spentMicros: number;
}

interface BalanceRow {
  account_id: string;
  currency: string;
  balance_micros: string;
  credit_limit_micros: string;
  reserved_micros: string;
  spent_micros?: string | null;
}

const toBalance = (r: BalanceRow): Balance => ({
  accountId: r.account_id,
  currency: r.currency,
  balanceMicros: Number(r.balance_micros),
  creditLimitMicros: Number(r.credit_limit_micros),
  reservedMicros: Number(r.reserved_micros),
  availableMicros: Number(r.balance_micros) + Number(r.credit_limit_micros),
  spentMicros: Number(r.spent_micros ?? 0),
});
const CURRENCY = /^[A-Z]{3}$/;
const COLUMNS = 'account_id, currency, balance_micros, credit_limit_micros, reserved_micros';

function checkCurrency(currency: string): void {
  if (!CURRENCY.test(currency)) throw new AccountError('ACCOUNT.INVALID_BALANCE', `currency "${currency.slice(0, 10)}" must be an ISO 4217 code, e.g. EUR`);
}
const mismatch = (accountId: string, currency: string) =>
  new AccountError('ACCOUNT.INVALID_BALANCE', `account ${accountId} keeps its balance in another currency than ${currency}; credit it in that one (smsgw accounts balance <account>)`);

/** The account's balance; undefined when it has none (unlimited). */
export async function getBalance(db: Queryable, accountId: string): Promise<Balance | undefined> {
  const { rows } = await db.query<BalanceRow>(
    `SELECT ${COLUMNS}, (SELECT sum(charged_micros) FROM account_ledger l WHERE l.account_id = b.account_id AND l.kind = 'settle') AS spent_micros
     FROM account_balances b WHERE account_id = $1`,
    [accountId],
  );
  return rows[0] ? toBalance(rows[0]) : undefined;
}

/** Adds credit (a negative amount takes it back); the first credit makes the account prepaid, in that currency. */
export async function creditAccount(db: Queryable, accountId: string, amountMicros: number, currency: string, note = ''): Promise<Balance> {
  checkCurrency(currency);
  if (!Number.isSafeInteger(amountMicros) || amountMicros === 0) throw new AccountError('ACCOUNT.INVALID_BALANCE', `amount must be a non-zero whole number of micro-units, got ${amountMicros}`);
  const { rows } = await db.query<BalanceRow>(
    `WITH b AS (
       INSERT INTO account_balances (account_id, currency, balance_micros) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO UPDATE SET balance_micros = account_balances.balance_micros + EXCLUDED.balance_micros, updated_at = now()
         WHERE account_balances.currency = EXCLUDED.currency
       RETURNING ${COLUMNS}
     ), entry AS (
       INSERT INTO account_ledger (account_id, kind, amount_micros, currency, note) SELECT account_id, 'credit', $3, currency, $4 FROM b
     )
     SELECT * FROM b`,
    [accountId, currency, amountMicros, note.slice(0, 200)],
  );
  if (!rows[0]) throw mismatch(accountId, currency);
  return toBalance(rows[0]);
}

/** How far the balance may go below zero; an account without a balance gets one (0, in this currency). */
export async function setCreditLimit(db: Queryable, accountId: string, limitMicros: number, currency: string): Promise<Balance> {
  checkCurrency(currency);
  if (!Number.isSafeInteger(limitMicros) || limitMicros < 0) throw new AccountError('ACCOUNT.INVALID_BALANCE', `credit limit must be a whole number of micro-units ≥ 0, got ${limitMicros}`);
  const { rows } = await db.query<BalanceRow>(
    `INSERT INTO account_balances (account_id, currency, credit_limit_micros) VALUES ($1, $2, $3)
     ON CONFLICT (account_id) DO UPDATE SET credit_limit_micros = EXCLUDED.credit_limit_micros, updated_at = now()
       WHERE account_balances.currency = EXCLUDED.currency
     RETURNING ${COLUMNS}`,
    [accountId, currency, limitMicros],
  );
  if (!rows[0]) throw mismatch(accountId, currency);
  return toBalance(rows[0]);
}

/** One message's worst-case price, to reserve. */
export interface ReservationRequest {
  accountId: string;
  messageId: string;
  amountMicros: number;
  currency: string;
}

/** Why a message could not be reserved (undefined: reserved, already reserved, or its account is unlimited). */
export type ReservationRefusal = { reason: 'insufficient'; availableMicros: number; amountMicros: number; currency: string } | { reason: 'currency'; accountCurrency: string; currency: string };

interface ReserveRow {
  n: string;
  account_id: string;
  fits: boolean;
  same_currency: boolean;
  available: string;
  amount: string;
  account_currency: string;
  currency: string;
}

/**
 * Reserves a batch in ONE statement: the balance rows of its accounts are locked (by account id),
 * each account's messages taken in order while their running sum fits balance + credit limit
 * (the first that does not fit, and every one after it, is refused), the reserve entries written
 * and the balances lowered. A message id reserved before (a replayed Kafka record) fits and costs
 * nothing again. Concurrent batches wait for the row lock and see what the first one left.
 */
export async function reserveSpend(db: Queryable, items: readonly ReservationRequest[]): Promise<(ReservationRefusal | undefined)[]> {
  const out: (ReservationRefusal | undefined)[] = items.map(() => undefined);
  if (items.length === 0) return out;
  const { rows } = await db.query<ReserveRow>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS t(account_id, message_id, amount, currency, n)
     ), fresh AS (
       SELECT i.* FROM input i WHERE NOT EXISTS (SELECT 1 FROM account_ledger l WHERE l.kind = 'reserve' AND l.message_id = i.message_id)
     ), acct AS (
       SELECT account_id, currency, balance_micros + credit_limit_micros AS available FROM account_balances
       WHERE account_id IN (SELECT account_id FROM fresh) ORDER BY account_id FOR UPDATE
     ), ranked AS (
       SELECT f.n, f.account_id, f.message_id, f.amount, f.currency, a.currency AS account_currency, a.available, f.currency = a.currency AS same_currency,
              sum(CASE WHEN f.currency = a.currency THEN f.amount ELSE 0 END) OVER (PARTITION BY f.account_id ORDER BY f.n) AS running
       FROM fresh f JOIN acct a USING (account_id)
     ), fit AS (
       SELECT * FROM ranked WHERE same_currency AND running <= available
     ), entries AS (
       INSERT INTO account_ledger (account_id, kind, message_id, amount_micros, currency)
       SELECT account_id, 'reserve', message_id, -amount, currency FROM fit ORDER BY n
       ON CONFLICT DO NOTHING
       RETURNING account_id, -amount_micros AS amount
     ), lowered AS (
       UPDATE account_balances b SET balance_micros = b.balance_micros - s.total, reserved_micros = b.reserved_micros + s.total, updated_at = now()
       FROM (SELECT account_id, sum(amount) AS total FROM entries GROUP BY account_id) s
       WHERE b.account_id = s.account_id
     )
     SELECT r.n, r.account_id, r.same_currency AND r.running <= r.available AS fits, r.same_currency, r.available, r.amount, r.account_currency, r.currency FROM ranked r`,
    [items.map((i) => i.accountId), items.map((i) => i.messageId), items.map((i) => i.amountMicros), items.map((i) => i.currency)],
  );
  // What is left for the refused ones: the balance less what this batch reserved before them.
  const reserved = new Map<string, number>();
  for (const r of rows) if (r.fits) reserved.set(r.account_id, (reserved.get(r.account_id) ?? 0) + Number(r.amount));
  for (const r of rows) {
    if (r.fits) continue;
    out[Number(r.n) - 1] = r.same_currency
      ? { reason: 'insufficient', availableMicros: Number(r.available) - (reserved.get(r.account_id) ?? 0), amountMicros: Number(r.amount), currency: r.currency }
      : { reason: 'currency', accountCurrency: r.account_currency, currency: r.currency };
  }
  return out;
}

interface OpenRow {
  account_id: string;
  message_id: string;
  reserved: string;
  currency: string;
  price_total_micros: string | null;
  price_currency: string | null;
  carrier_id: string | null;
  completed: boolean | null;
}

/** A reservation not yet settled or refunded, with what the status store knows of its message. */
export interface OpenReservationView {
  reservation: OpenReservation;
  chargedMicros: number;
  chargeCurrency: string;
  carrierId: string;
  /** The status store has it in a final status. */
  completed: boolean;
}

/** The open reservations of these messages (one query), joined with their rows in the status store. */
export async function findOpenReservations(db: Queryable, messageIds: readonly string[]): Promise<OpenReservationView[]> {
  if (messageIds.length === 0) return [];
  const { rows } = await db.query<OpenRow>(
    `SELECT r.account_id, r.message_id, -r.amount_micros AS reserved, r.currency, m.price_total_micros, m.price_currency, m.carrier_id, m.completed_at IS NOT NULL AS completed
     FROM account_ledger r LEFT JOIN messages m ON m.id = r.message_id
     WHERE r.kind = 'reserve' AND r.message_id = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM account_ledger c WHERE c.message_id = r.message_id AND c.kind IN ('settle', 'refund'))`,
    [messageIds],
  );
  return rows.map((r) => ({
    reservation: { accountId: r.account_id, messageId: r.message_id, reservedMicros: Number(r.reserved), currency: r.currency },
    chargedMicros: Number(r.price_total_micros ?? 0),
    chargeCurrency: r.price_currency ?? '',
    carrierId: r.carrier_id ?? '',
    completed: r.completed ?? false,
  }));
}

/**
 * Settles and refunds in ONE statement: the closing entries written (a message closed before is
 * left alone: at most one closing entry each), the balances raised by what they release and their
 * reservations lowered. Returns how many were written.
 */
export async function closeReservations(db: Queryable, closings: readonly Closing[]): Promise<number> {
  if (closings.length === 0) return 0;
  const { rows } = await db.query<{ n: string }>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[]) AS t(account_id, message_id, kind, release, charged, reserved, currency)
     ), locked AS (
       SELECT account_id FROM account_balances WHERE account_id IN (SELECT account_id FROM input) ORDER BY account_id FOR UPDATE
     ), entries AS (
       INSERT INTO account_ledger (account_id, kind, message_id, amount_micros, charged_micros, currency)
       SELECT account_id, kind, message_id, release, charged, currency FROM input
       ON CONFLICT DO NOTHING
       RETURNING message_id
     ), raised AS (
       UPDATE account_balances b SET balance_micros = b.balance_micros + s.release, reserved_micros = b.reserved_micros - s.reserved, updated_at = now()
       FROM (SELECT i.account_id, sum(i.release) AS release, sum(i.reserved) AS reserved FROM input i JOIN entries e USING (message_id) GROUP BY i.account_id) s
       WHERE b.account_id = s.account_id AND b.account_id IN (SELECT account_id FROM locked)
       RETURNING b.account_id
     )
     SELECT count(*) AS n FROM entries`,
    [
      closings.map((c) => c.reservation.accountId),
      closings.map((c) => c.reservation.messageId),
      closings.map((c) => c.kind),
      closings.map((c) => c.releaseMicros),
      closings.map((c) => (c.kind === 'settle' ? c.chargedMicros : 0)),
      closings.map((c) => c.reservation.reservedMicros),
      closings.map((c) => c.reservation.currency),
    ],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * One account's spend by day (UTC, of the ledger entry) and currency, for entries in
 * [fromMs, untilMs): one query on the (account_id, created_at) index. Settled is what the messages
 * cost (charged), not the part of the reservation given back.
 */
export async function getSpend(db: Queryable, accountId: string, fromMs: number, untilMs: number): Promise<SpendRow[]> {
  const { rows } = await db.query<{ day: string; currency: string; reserved: string; settled: string; refunded: string; credited: string }>(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, currency,
            coalesce(sum(-amount_micros) FILTER (WHERE kind = 'reserve'), 0) AS reserved,
            coalesce(sum(charged_micros) FILTER (WHERE kind = 'settle'), 0) AS settled,
            coalesce(sum(amount_micros) FILTER (WHERE kind = 'refund'), 0) AS refunded,
            coalesce(sum(amount_micros) FILTER (WHERE kind = 'credit'), 0) AS credited
       FROM account_ledger
      WHERE account_id = $1 AND created_at >= to_timestamp($2 / 1000.0) AND created_at < to_timestamp($3 / 1000.0)
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [accountId, fromMs, untilMs],
  );
  return rows.map((r) => ({ day: r.day, currency: r.currency, reservedMicros: Number(r.reserved), settledMicros: Number(r.settled), refundedMicros: Number(r.refunded), creditedMicros: Number(r.credited) }));
}
