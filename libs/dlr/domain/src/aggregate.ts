import { MessageStatus, SubmitOutcome } from '@smsgw/shared/util-proto';
import { isFinal, severity, statusRank } from './status-rank';

/** What the status store knows about one segment (SMS part). */
export interface SegmentState {
  index: number;
  /** SUBMITTED, or a final status (DELIVERED … FAILED). */
  status: MessageStatus;
  /** The receipt's stat word when a receipt finished the segment. */
  receiptStat?: string;
  receiptErr?: string;
}

/** A message's status as its segments say. */
export interface MessageAggregate {
  status: MessageStatus;
  segmentsDelivered: number;
  /**
   * Why, for non-delivered final statuses decided by a receipt or by expiry; "" for DELIVERED;
   * undefined to keep what the store has (FAILED carries the submit report's own reason).
   */
  reasonCode?: string;
  reason?: string;
}

export interface AggregateOptions {
  /** Expiry: count every part without a final status as EXPIRED. */
  expireOpen?: boolean;
}

/**
 * The status of a message of `segmentCount` parts from what is known of its segments:
 * - any FAILED part → FAILED at once (smsgw could not send it; later receipts change nothing);
 * - every part final → DELIVERED when all are, else the worst part (see severity());
 * - every part at least SUBMITTED → SUBMITTED;
 * - some parts known → ROUTED; none → ACCEPTED.
 * Monotonic: a segment moving forward never moves the aggregate back, which is what makes the
 * projection independent of the order events arrive in.
 */
export function aggregateSegments(segmentCount: number, segments: readonly SegmentState[], options: AggregateOptions = {}): MessageAggregate {
  const parts = new Map<number, SegmentState>();
  for (const s of segments) {
    const seen = parts.get(s.index);
    if (!seen || statusRank(s.status) > statusRank(seen.status)) parts.set(s.index, s);
  }
  const count = Math.max(segmentCount, ...[...parts.keys()].map((i) => i + 1), 0);
  const delivered = [...parts.values()].filter((s) => s.status === MessageStatus.DELIVERED).length;
  const failed = [...parts.values()].find((s) => s.status === MessageStatus.FAILED);
  if (failed) return { status: MessageStatus.FAILED, segmentsDelivered: delivered };

  const neverSubmitted = new Set<number>();
  if (options.expireOpen) {
    for (let i = 0; i < Math.max(count, 1); i++) {
      const s = parts.get(i);
      if (!s) neverSubmitted.add(i);
      if (!s || !isFinal(s.status)) parts.set(i, { index: i, status: MessageStatus.EXPIRED });
    }
  }
  const all = [...parts.values()];
  const finals = all.filter((s) => isFinal(s.status));
  if (count > 0 && finals.length >= count) {
    const worst = finals.reduce((a, b) => (severity(b.status) > severity(a.status) || (severity(b.status) === severity(a.status) && b.index < a.index) ? b : a));
    if (worst.status === MessageStatus.DELIVERED) return { status: MessageStatus.DELIVERED, segmentsDelivered: delivered, reasonCode: '', reason: '' };
    return { status: worst.status, segmentsDelivered: delivered, ...failureReason(worst, count, neverSubmitted.has(worst.index)) };
  }
  if (options.expireOpen) {
    // No segment was ever reported (e.g. the router never answered): the whole message expires.
    return { status: MessageStatus.EXPIRED, segmentsDelivered: delivered, ...failureReason({ index: 0, status: MessageStatus.EXPIRED }, 0, true) };
  }
  if (count > 0 && all.length >= count && all.every((s) => statusRank(s.status) >= statusRank(MessageStatus.SUBMITTED))) {
    return { status: MessageStatus.SUBMITTED, segmentsDelivered: delivered };
  }
  if (all.length > 0) return { status: MessageStatus.ROUTED, segmentsDelivered: delivered };
  return { status: MessageStatus.ACCEPTED, segmentsDelivered: delivered };
}

function failureReason(part: SegmentState, count: number, neverSubmitted = false): { reasonCode: string; reason: string } {
  const which = count > 1 ? ` for part ${part.index + 1} of ${count}` : '';
  if (part.receiptStat) {
    const err = part.receiptErr ? `, err ${part.receiptErr}` : '';
    return { reasonCode: `DLR.${part.receiptStat}`, reason: `the carrier's delivery receipt said ${part.receiptStat}${err}${which}` };
  }
  if (neverSubmitted) {
    return {
      reasonCode: 'EXPIRY.NOT_SUBMITTED',
      reason: `no carrier accepted the message${which} before its maximum age (no submit report reached the status store); smsgw marked it EXPIRED`,
    };
  }
  return {
    reasonCode: 'EXPIRY.NO_FINAL_RECEIPT',
    reason: `no final delivery receipt arrived${which} before the message's maximum age; smsgw marked it EXPIRED`,
  };
}

/** The next status of a message: `candidate` when it is further along than `current`, else undefined. */
export function advanceStatus(current: MessageStatus, candidate: MessageStatus): MessageStatus | undefined {
  return statusRank(candidate) > statusRank(current) ? candidate : undefined;
}

/**
 * What a submit outcome makes of a segment: SUBMITTED (also for UNKNOWN — the SMSC may have it,
 * so wait for a receipt), FAILED, or undefined for RETRYING (another carrier will report again).
 */
export function segmentStatusForOutcome(outcome: SubmitOutcome): MessageStatus | undefined {
  switch (outcome) {
    case SubmitOutcome.SUBMITTED:
    case SubmitOutcome.UNKNOWN:
      return MessageStatus.SUBMITTED;
    case SubmitOutcome.FAILED:
      return MessageStatus.FAILED;
    default:
      return undefined;
  }
}

/** The status a report about the whole message (segment_index -1) sets; undefined: none (RETRYING). */
export function wholeMessageStatus(outcome: SubmitOutcome): MessageStatus | undefined {
  switch (outcome) {
    case SubmitOutcome.FAILED:
      return MessageStatus.FAILED;
    case SubmitOutcome.CANCELED:
      return MessageStatus.CANCELED;
    default:
      return undefined;
  }
}
