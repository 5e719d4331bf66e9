import { statusForStat, type ReceiptStat } from '../receipt-stat';
import type { DeliveryReceipt } from '../receipt';
import { byText, type MessageContext } from './fold-reports';
import { mergeSegmentWrite, type SegmentRecord } from './segment';

export const receiptKey = (carrierId: string, smscMessageId: string): string => `${carrierId}\u0000${smscMessageId}`;

/**
 * One receipt per SMSC id, chosen as receipt correlation chooses: a final receipt over an
 * intermediate one, a later final over an earlier one. Sorted by carrier and SMSC id (the lock order).
 */
export function latestReceipts(receipts: readonly DeliveryReceipt[]): DeliveryReceipt[] {
  const byId = new Map<string, DeliveryReceipt>();
  for (const r of receipts) {
    const key = receiptKey(r.carrierId, r.smscMessageId);
    const seen = byId.get(key);
    if (!seen || seen.status === undefined || (r.status !== undefined && r.receivedAtMs > seen.receivedAtMs)) byId.set(key, r);
  }
  return [...byId.values()].sort((a, b) => byText(a.carrierId, b.carrierId) || byText(a.smscMessageId, b.smscMessageId));
}

/** A receipt correlation row after a receipt batch: the submit half is there when messageId is. */
export interface CorrelatedReceipt {
  carrierId: string;
  smscMessageId: string;
  messageId: string | null;
  segmentIndex: number | null;
  receiptStat: string;
  receiptErr: string;
}

export interface FoldedReceipts {
  messages: Map<string, MessageContext>;
  /** Receipt writes (carrier and SMSC id "": a receipt does not move a segment to another carrier). */
  segments: Map<string, SegmentRecord>;
  /** Final receipts matched to a segment. */
  matched: number;
  /** Receipts whose submit report has not been projected yet; they wait in receipt correlation. */
  pending: number;
}

/**
 * Turns correlated receipts into segment writes: a final stat finishes its segment at the time the
 * receipt was received; an intermediate stat changes nothing; a receipt without its submit half waits.
 */
export function foldCorrelatedReceipts(rows: readonly CorrelatedReceipt[], receivedAtMs: (carrierId: string, smscMessageId: string) => number): FoldedReceipts {
  const folded: FoldedReceipts = { messages: new Map(), segments: new Map(), matched: 0, pending: 0 };
  for (const m of rows) {
    if (m.messageId === null || m.segmentIndex === null) {
      folded.pending++;
      continue;
    }
    const status = statusForStat(m.receiptStat as ReceiptStat);
    if (status === undefined) continue;
    folded.matched++;
    const at = receivedAtMs(m.carrierId, m.smscMessageId);
    const ctx = folded.messages.get(m.messageId) ?? { eventAtMs: at };
    ctx.eventAtMs = Math.max(ctx.eventAtMs, at);
    folded.messages.set(m.messageId, ctx);
    mergeSegmentWrite(folded.segments, { messageId: m.messageId, index: m.segmentIndex, carrierId: '', smscId: '', status, receiptStat: m.receiptStat, receiptErr: m.receiptErr, submittedAtMs: null, completedAtMs: at });
  }
  return folded;
}
