// Receipts that move no message, kept visible with their reason (migration 0011).
import type { Queryable } from './queryable';

/** A receipt that moved no message, and why. */
interface ReceiptLeftOver {
  carrierId: string;
  smscMessageId: string;
  /** DLR.NO_SUBMIT_REPORT (no submit report claimed its SMSC id in time), DLR.NO_MESSAGE_ID, DLR.NO_STAT or DLR.UNKNOWN_STAT. */
  reason: string;
  detail: string;
  statWord: string;
  receivedAtMs: number;
}

/** A receipt the projection could not read: stored, never dropped. */
export interface UnreadableReceipt extends ReceiptLeftOver {
  /** partition/offset/received-at-ms on sms.dlr.raw.v1: the same record consumed again is the same source; a topic made anew (its offsets from 0 again) is not. */
  source: string;
}

export interface UnmatchedReceipt extends ReceiptLeftOver {
  /** The message its SMSC id belongs to, when one does (an unknown stat word of a known message); '' otherwise. */
  messageId: string;
}

export const NO_SUBMIT_REPORT = 'DLR.NO_SUBMIT_REPORT';

/** Stores unreadable receipts (one statement); returns those not stored before, for counting. */
export async function recordUnreadableReceipts(db: Queryable, receipts: readonly UnreadableReceipt[]): Promise<UnreadableReceipt[]> {
  if (receipts.length === 0) return [];
  const { rows } = await db.query<{ source: string }>(
    `INSERT INTO unmatched_receipts (carrier_id, smsc_message_id, reason, detail, stat_word, received_at, source)
     SELECT carrier_id, smsc_id, reason, detail, stat_word, to_timestamp(received_ms / 1000.0), source
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[]) AS u(carrier_id, smsc_id, reason, detail, stat_word, received_ms, source)
     ON CONFLICT (source) DO NOTHING
     RETURNING source`,
    [
      receipts.map((r) => r.carrierId),
      receipts.map((r) => r.smscMessageId),
      receipts.map((r) => r.reason),
      receipts.map((r) => r.detail),
      receipts.map((r) => r.statWord),
      receipts.map((r) => r.receivedAtMs || Date.now()),
      receipts.map((r) => r.source),
    ],
  );
  const fresh = new Set(rows.map((r) => r.source));
  return receipts.filter((r) => fresh.has(r.source));
}

/**
 * Marks receipts created before `beforeMs` that no submit report has claimed as unmatched (once
 * each, whichever replica sweeps) and returns how many per carrier, for the counter. A submit
 * report that comes later still claims the row, and it leaves the list.
 */
export async function markUnmatchedReceipts(db: Queryable, beforeMs: number, limit: number): Promise<Map<string, number>> {
  const { rows } = await db.query<{ carrier_id: string; n: string }>(
    `WITH marked AS (
       UPDATE receipt_correlation SET unmatched_at = now()
        WHERE ctid IN (SELECT ctid FROM receipt_correlation
                        WHERE message_id IS NULL AND unmatched_at IS NULL AND created_at < to_timestamp($1 / 1000.0)
                        LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING carrier_id)
     SELECT carrier_id, count(*) AS n FROM marked GROUP BY carrier_id`,
    [beforeMs, limit],
  );
  return new Map(rows.map((r) => [r.carrier_id, Number(r.n)]));
}

/** Unmatched receipts, newest first: those still waiting for a submit report and the unreadable ones. */
export async function listUnmatchedReceipts(db: Queryable, options: { carrierId?: string; limit: number }): Promise<UnmatchedReceipt[]> {
  const { rows } = await db.query<{ carrier_id: string; smsc_message_id: string; reason: string; detail: string; stat_word: string; received_ms: number; message_id: string | null }>(
    `SELECT * FROM (
       SELECT carrier_id, smsc_message_id, $3::text AS reason,
              'no submit report claimed this SMSC id in time (a receipt for another gateway, a lost report, or ids written differently: see receiptIdFormat)' AS detail,
              coalesce(receipt_stat, '') AS stat_word, extract(epoch FROM coalesce(receipt_received_at, created_at)) * 1000 AS received_ms, NULL::text AS message_id
         FROM receipt_correlation
        WHERE message_id IS NULL AND unmatched_at IS NOT NULL AND ($1::text = '' OR carrier_id = $1)
       UNION ALL
       SELECT u.carrier_id, u.smsc_message_id, u.reason, u.detail, u.stat_word, extract(epoch FROM u.received_at) * 1000, rc.message_id
         FROM unmatched_receipts u
         LEFT JOIN receipt_correlation rc ON rc.carrier_id = u.carrier_id AND rc.smsc_message_id = u.smsc_message_id AND u.smsc_message_id <> ''
        WHERE ($1::text = '' OR u.carrier_id = $1)
     ) x ORDER BY received_ms DESC LIMIT $2`,
    [options.carrierId ?? '', options.limit, NO_SUBMIT_REPORT],
  );
  return rows.map((r) => ({
    carrierId: r.carrier_id,
    smscMessageId: r.smsc_message_id,
    reason: r.reason,
    detail: r.detail,
    statWord: r.stat_word,
    receivedAtMs: Math.round(Number(r.received_ms)),
    messageId: r.message_id ?? '',
  }));
}

/** Deletes unreadable receipts older than `createdBeforeMs` (with the correlation retention), at most `limit`. */
export async function pruneUnmatchedReceipts(db: Queryable, createdBeforeMs: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM unmatched_receipts WHERE id IN (SELECT id FROM unmatched_receipts WHERE created_at < to_timestamp($1 / 1000.0) ORDER BY id LIMIT $2)`,
    [createdBeforeMs, limit],
  );
  return rowCount ?? 0;
}
