import type { MessageStatus } from '@smsgw/shared/util-proto';
import { isFinal, statusRank } from '../status-rank';

/** One segment as the status store holds it, and as a batch wants it written. */
export interface SegmentRecord {
  messageId: string;
  index: number;
  /** "" in a write: keep the stored carrier. */
  carrierId: string;
  /** "" in a write: keep the stored SMSC id. */
  smscId: string;
  status: MessageStatus;
  receiptStat: string;
  receiptErr: string;
  submittedAtMs: number | null;
  completedAtMs: number | null;
}

export const segmentKey = (messageId: string, index: number): string => `${messageId}\u0000${index}`;

/**
 * One segment after `write`: forward only (a write that is not further along changes only the
 * carrier, SMSC id and first submit time); a resubmission (after failover) brings the new
 * carrier's ids until the segment is final, then it keeps its own; the first submit time stays.
 */
export function applySegmentWrite(current: SegmentRecord | undefined, write: SegmentRecord): SegmentRecord {
  if (!current) return write;
  const ahead = statusRank(write.status) > statusRank(current.status);
  const open = !isFinal(current.status);
  return {
    ...(ahead ? write : current),
    messageId: current.messageId,
    index: current.index,
    carrierId: open && write.carrierId ? write.carrierId : current.carrierId,
    smscId: open && write.smscId ? write.smscId : current.smscId,
    submittedAtMs: current.submittedAtMs ?? write.submittedAtMs,
  };
}

/** Folds `write` into a batch's writes: one per segment (a statement may not touch a row twice). */
export function mergeSegmentWrite(into: Map<string, SegmentRecord>, write: SegmentRecord): void {
  const key = segmentKey(write.messageId, write.index);
  into.set(key, applySegmentWrite(into.get(key), write));
}

export function sameSegment(a: SegmentRecord, b: SegmentRecord): boolean {
  return (
    a.carrierId === b.carrierId &&
    a.smscId === b.smscId &&
    a.status === b.status &&
    a.receiptStat === b.receiptStat &&
    a.receiptErr === b.receiptErr &&
    a.submittedAtMs === b.submittedAtMs &&
    a.completedAtMs === b.completedAtMs
  );
}

/**
 * The batch's writes applied to the stored segments of the messages it locked: what to write (only
 * rows that change) and every segment as it then is. `insert` false: a write whose row does not
 * exist is dropped (a receipt never creates a segment).
 */
export function applySegmentWrites(
  stored: readonly SegmentRecord[],
  writes: Iterable<SegmentRecord>,
  options: { insert: boolean },
): { toWrite: SegmentRecord[]; segments: SegmentRecord[] } {
  const byKey = new Map(stored.map((s) => [segmentKey(s.messageId, s.index), s]));
  const toWrite: SegmentRecord[] = [];
  for (const write of writes) {
    const key = segmentKey(write.messageId, write.index);
    const current = byKey.get(key);
    if (!current && !options.insert) continue;
    const next = applySegmentWrite(current, write);
    if (current && sameSegment(current, next)) continue;
    byKey.set(key, next);
    toWrite.push(next);
  }
  return { toWrite, segments: [...byKey.values()] };
}

/** Expiry: every segment not final yet becomes EXPIRED at `nowMs`. */
export function expireOpenSegments(stored: readonly SegmentRecord[], expired: MessageStatus, nowMs: number): SegmentRecord[] {
  return stored.filter((s) => statusRank(s.status) < statusRank(expired)).map((s) => ({ ...s, status: expired, completedAtMs: nowMs }));
}
