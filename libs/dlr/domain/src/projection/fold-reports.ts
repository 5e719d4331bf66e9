import { MessageStatus, SubmitOutcome, type RouteCharge, type SubmitReport, isWholeMessage } from '@smsgw/shared/util-proto';
import { segmentStatusForOutcome, wholeMessageStatus } from '../aggregate';
import { statusForStat, type ReceiptStat } from '../receipt-stat';
import { normaliseSmscId, type ReceiptIdFormat } from '../smsc-id';
import { statusRank } from '../status-rank';
import { mergeSegmentWrite, segmentKey, type SegmentRecord } from './segment';

/** What a batch says about one message beyond its segments. */
export interface MessageContext {
  /** When the latest event of this message in the batch happened (ms). */
  eventAtMs: number;
  /** A report about the whole message made it FAILED or CANCELED (the first such report wins). */
  verdict?: { status: MessageStatus; reasonCode: string; reason: string };
  carrierId?: string;
  segmentCount?: number;
  encoding?: number;
}

/** A batch of submit reports folded into what the store writes. */
export interface FoldedReports {
  /** Per message id, in the order first seen. */
  messages: Map<string, MessageContext>;
  /** Each message's first report: the fields of a row the accepted event has not created yet. */
  firstReport: Map<string, SubmitReport>;
  /** One write per segment (see mergeSegmentWrite). */
  segments: Map<string, SegmentRecord>;
  /** The router's decision per message: the latest attempt of the batch. */
  charges: Map<string, RouteCharge>;
  /** Reports with outcome UNKNOWN (segment left SUBMITTED, waiting for a receipt or expiry). */
  unknownOutcomes: number;
  /** Reports ignored because they change nothing (RETRYING, or -1 reports that are not FAILED). */
  ignored: number;
}

/**
 * Folds submit reports: a segment SUBMITTED (UNKNOWN outcomes too: the SMSC may have it) or
 * FAILED; a -1 report (router: no route, retries exhausted; scheduler: canceled) gives the whole
 * message its verdict, the first one of the batch winning; the carrier follows the latest report
 * that names one. `nowMs` stands in for a report without its own time.
 */
export function foldSubmitReports(reports: readonly SubmitReport[], idFormat: (carrierId: string) => ReceiptIdFormat, nowMs: number): FoldedReports {
  const folded: FoldedReports = { messages: new Map(), firstReport: new Map(), segments: new Map(), charges: new Map(), unknownOutcomes: 0, ignored: 0 };
  for (const r of reports) {
    if (!r.messageId) {
      folded.ignored++;
      continue;
    }
    // The router's decision: kept with the message (the latest attempt wins), no status change.
    if (r.route && isWholeMessage(r)) {
      const seen = folded.charges.get(r.messageId);
      if (!seen || r.route.attempt >= seen.attempt) folded.charges.set(r.messageId, r.route);
    }
    const at = r.reportedAtMs || nowMs;
    const ctx = folded.messages.get(r.messageId) ?? { eventAtMs: at };
    ctx.eventAtMs = Math.max(ctx.eventAtMs, at);
    if (r.segmentCount > 0) ctx.segmentCount = Math.max(ctx.segmentCount ?? 0, r.segmentCount);
    if (r.encoding) ctx.encoding = r.encoding;
    folded.messages.set(r.messageId, ctx);
    if (!folded.firstReport.has(r.messageId)) folded.firstReport.set(r.messageId, r);

    if (r.outcome === SubmitOutcome.UNKNOWN) folded.unknownOutcomes++;
    if (r.outcome === SubmitOutcome.ROUTED) continue;
    const status = isWholeMessage(r) ? wholeMessageStatus(r.outcome) : segmentStatusForOutcome(r.outcome);
    if (status === undefined) {
      folded.ignored++;
      continue;
    }
    if (r.carrierId && status !== MessageStatus.FAILED) ctx.carrierId = r.carrierId;
    if (status === MessageStatus.FAILED) {
      ctx.verdict ??= { status, reasonCode: r.reasonCode || 'SUBMIT.FAILED', reason: r.reason || `segment ${r.segmentIndex + 1} could not be submitted` };
      if (r.carrierId) ctx.carrierId = r.carrierId;
    }
    if (status === MessageStatus.CANCELED) ctx.verdict ??= { status, reasonCode: r.reasonCode || 'CANCELED', reason: r.reason || 'canceled before its send time' };
    if (isWholeMessage(r)) continue;
    const smscId = r.smscMessageId ? normaliseSmscId(r.smscMessageId, 'submit', idFormat(r.carrierId)) : '';
    mergeSegmentWrite(folded.segments, {
      messageId: r.messageId,
      index: r.segmentIndex,
      carrierId: r.carrierId,
      smscId,
      status,
      receiptStat: '',
      receiptErr: '',
      submittedAtMs: status === MessageStatus.SUBMITTED ? at : null,
      completedAtMs: status === MessageStatus.FAILED ? at : null,
    });
  }
  return folded;
}

/** The submit halves a batch files in receipt correlation: submitted segments with an SMSC id, one per id. */
export function submitHalves(folded: FoldedReports): SegmentRecord[] {
  const seen = new Set<string>();
  return [...folded.segments.values()]
    .filter((s) => s.smscId && s.status === MessageStatus.SUBMITTED)
    .sort((a, b) => byText(a.carrierId, b.carrierId) || byText(a.smscId, b.smscId))
    .filter((s) => {
      const k = `${s.carrierId}\u0000${s.smscId}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

/** A receipt that waited in correlation for a submit half of this batch. */
export interface WaitingReceipt {
  messageId: string;
  segmentIndex: number;
  receiptStat: string | null;
  receiptErr: string | null;
  /** When the receipt met its submission: the segment is complete from then (not before it was submitted). */
  matchedAtMs: number;
}

/**
 * Applies the receipts that arrived before their submit report: a final stat moves the segment
 * forward (completed when matched, never before its submission). Returns how many matched.
 */
export function applyWaitingReceipts(folded: FoldedReports, waiting: readonly WaitingReceipt[]): number {
  let matched = 0;
  for (const w of waiting) {
    const status = w.receiptStat ? statusForStat(w.receiptStat as ReceiptStat) : undefined;
    if (status === undefined) continue;
    const key = segmentKey(w.messageId, w.segmentIndex);
    const seg = folded.segments.get(key);
    if (!seg) continue;
    matched++;
    if (statusRank(status) > statusRank(seg.status)) {
      folded.segments.set(key, { ...seg, status, receiptStat: w.receiptStat ?? '', receiptErr: w.receiptErr ?? '', completedAtMs: Math.max(w.matchedAtMs, seg.submittedAtMs ?? 0) });
      const ctx = folded.messages.get(w.messageId);
      if (ctx) ctx.eventAtMs = Math.max(ctx.eventAtMs, w.matchedAtMs);
    }
  }
  return matched;
}

/**
 * The routed carrier names the message until a carrier's own report of the batch does; a replayed
 * earlier attempt (older than the one stored) never.
 */
export function applyRoutedCarriers(folded: FoldedReports, storedAttempt: (messageId: string) => number | undefined): void {
  for (const [id, charge] of folded.charges) {
    const attempt = storedAttempt(id);
    const ctx = folded.messages.get(id);
    if (attempt !== undefined && ctx && charge.carrierId && charge.attempt >= attempt) ctx.carrierId ??= charge.carrierId;
  }
}

export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
