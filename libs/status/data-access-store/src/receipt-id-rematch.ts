// The storage half of receipt id format detection (the decision: libs/dlr/domain
// receipt-id-detection): which unmatched receipts name a waiting submission when their id is read
// another way, and moving such receipts onto their submission.
import { statusForStat, type DeliveryReceipt, type ReceiptStat } from '@smsgw/dlr/domain';
import { projectReceipts, type ReceiptProjectionResult } from './projection';
import type { Queryable } from './queryable';

export interface CorrelationKey {
  carrierId: string;
  smscMessageId: string;
}

/**
 * Receipts the sweep marked unmatched (no submission claimed them in DLR_UNMATCHED_AFTER_SECONDS),
 * received since `sinceMs`, newest first, except those of the carriers skipped (whose file names
 * their format). Reads only the partial index of unmatched rows, however busy the table.
 */
export async function unmatchedReceiptIds(db: Queryable, options: { sinceMs: number; limit: number; skipCarriers: readonly string[] }): Promise<CorrelationKey[]> {
  const { rows } = await db.query<{ carrier_id: string; smsc_message_id: string }>(
    `SELECT carrier_id, smsc_message_id FROM receipt_correlation
      WHERE message_id IS NULL AND unmatched_at IS NOT NULL AND receipt_received_at >= to_timestamp($1 / 1000.0)
        AND receipt_stat IS NOT NULL AND NOT carrier_id = ANY($3::text[])
      ORDER BY receipt_received_at DESC LIMIT $2`,
    [options.sinceMs, options.limit, options.skipCarriers],
  );
  return rows.map((r) => ({ carrierId: r.carrier_id, smscMessageId: r.smsc_message_id }));
}

/** Of the given keys, those of submissions still waiting for a final receipt (one statement). */
export async function waitingSubmissions(db: Queryable, keys: readonly CorrelationKey[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await db.query<{ carrier_id: string; smsc_message_id: string }>(
    `SELECT rc.carrier_id, rc.smsc_message_id
       FROM unnest($1::text[], $2::text[]) AS u(carrier_id, smsc_id)
       JOIN receipt_correlation rc ON rc.carrier_id = u.carrier_id AND rc.smsc_message_id = u.smsc_id
      WHERE rc.message_id IS NOT NULL AND rc.receipt_stat IS NULL`,
    [keys.map((k) => k.carrierId), keys.map((k) => k.smscMessageId)],
  );
  return new Set(rows.map((r) => correlationKey(r.carrier_id, r.smsc_message_id)));
}

export const correlationKey = (carrierId: string, smscMessageId: string) => `${carrierId}\u0000${smscMessageId}`;

/**
 * Moves unclaimed receipts onto the submissions their other reading names: deletes each receipt's
 * own row and projects it again under the submission's id (so the segment and message move as for
 * any receipt). Call inside a transaction; publish the returned events before committing.
 */
export async function moveReceiptsToSubmissions(db: Queryable, moves: readonly { carrierId: string; receiptId: string; submitId: string }[]): Promise<ReceiptProjectionResult> {
  if (moves.length === 0) return { events: [], matched: 0, pending: 0 };
  const sorted = [...moves].sort((a, b) => correlationKey(a.carrierId, a.receiptId).localeCompare(correlationKey(b.carrierId, b.receiptId)));
  const { rows } = await db.query<{ carrier_id: string; smsc_message_id: string; receipt_stat: string; receipt_err: string | null; done_ms: number | null; received_ms: number | null }>(
    `DELETE FROM receipt_correlation rc USING unnest($1::text[], $2::text[]) AS u(carrier_id, smsc_id)
      WHERE rc.carrier_id = u.carrier_id AND rc.smsc_message_id = u.smsc_id AND rc.message_id IS NULL AND rc.receipt_stat IS NOT NULL
      RETURNING rc.carrier_id, rc.smsc_message_id, rc.receipt_stat, rc.receipt_err,
                extract(epoch FROM rc.receipt_done_at) * 1000 AS done_ms, extract(epoch FROM coalesce(rc.receipt_received_at, rc.created_at)) * 1000 AS received_ms`,
    [sorted.map((m) => m.carrierId), sorted.map((m) => m.receiptId)],
  );
  const target = new Map(moves.map((m) => [correlationKey(m.carrierId, m.receiptId), m.submitId]));
  const receipts: DeliveryReceipt[] = rows.map((r) => {
    const receipt: DeliveryReceipt = {
      carrierId: r.carrier_id,
      smscMessageId: target.get(correlationKey(r.carrier_id, r.smsc_message_id)) as string,
      stat: r.receipt_stat as ReceiptStat,
      status: statusForStat(r.receipt_stat as ReceiptStat),
      err: r.receipt_err ?? '',
      receivedAtMs: Math.round(Number(r.received_ms ?? Date.now())),
      text: {},
    };
    if (r.done_ms !== null) receipt.doneAtMs = Math.round(Number(r.done_ms));
    return receipt;
  });
  return projectReceipts(db, receipts);
}
