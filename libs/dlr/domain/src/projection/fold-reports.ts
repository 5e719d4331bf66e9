import { MessageStatus, SubmitOutcome, type RouteCharge, type SubmitEvent } from '@smsgw/shared/util-proto';
import { segmentStatusForOutcome, wholeMessageStatus } from '../aggregate';
import { statusForStat, type ReceiptStat } from '../receipt-stat';
import { normaliseSmscId, type ReceiptIdFormat } from '../smsc-id';
import { statusRank } from '../status-rank';
import { mergeSegmentWrite, segmentKey, type SegmentRecord } from './segment';

/** What a batch says about one message beyond its segments. */
export interface MessageContext {
  /** When the latest event of this message in the batch happened (ms). */
  eventAtMs: number;
  /** An event made the whole message FAILED or CANCELED (the first such event wins). */
  verdict?: { status: MessageStatus; reasonCode: string; reason: string };
  carrierId?: string;
  segmentCount?: number;
  encoding?: number;
}

/** A batch of submit events folded into what the store writes. */
export interface FoldedReports {
  /** Per message id, in the order first seen. */
  messages: Map<string, MessageContext>;
  /** Each message's first event: the fields of a row the accepted event has not created yet. */
  firstReport: Map<string, SubmitEvent>;
  /** One write per segment (see mergeSegmentWrite). */
  segments: Map<string, SegmentRecord>;
  /** The router's decision per message: the latest attempt of the batch. */
  charges: Map<string, RouteCharge>;
  /** Segments with outcome UNKNOWN (left SUBMITTED, waiting for a receipt or expiry). */
  unknownOutcomes: number;
  /** Events ignored because they change nothing (RETRYING, no subject, no message id). */
  ignored: number;
}

/**
 * Folds submit events. A segment's: SUBMITTED (UNKNOWN too: the SMSC may have it) or FAILED. The
 * whole message's: ROUTED keeps the router's decision and price (the latest attempt wins), FAILED
 * (no route, retries exhausted) and CANCELED give the message its verdict, the first of the batch
 * winning. The carrier follows the latest event that names one. `nowMs` stands in for an event
 * without its own time.
 */
export function foldSubmitEvents(events: readonly SubmitEvent[], idFormat: (carrierId: string) => ReceiptIdFormat, nowMs: number): FoldedReports {
  const folded: FoldedReports = { messages: new Map(), firstReport: new Map(), segments: new Map(), charges: new Map(), unknownOutcomes: 0, ignored: 0 };
  for (const e of events) {
    if (!e.messageId || !e.subject) {
      folded.ignored++;
      continue;
    }
    const at = e.reportedAtMs || nowMs;
    const ctx = folded.messages.get(e.messageId) ?? { eventAtMs: at };
    ctx.eventAtMs = Math.max(ctx.eventAtMs, at);
    if (e.segmentCount > 0) ctx.segmentCount = Math.max(ctx.segmentCount ?? 0, e.segmentCount);
    if (e.encoding) ctx.encoding = e.encoding;
    folded.messages.set(e.messageId, ctx);
    if (!folded.firstReport.has(e.messageId)) folded.firstReport.set(e.messageId, e);

    const { outcome, carrierId, reasonCode, reason } = e.subject.value;
    if (e.subject.$case === 'message' && e.subject.value.route) {
      const route = e.subject.value.route;
      const seen = folded.charges.get(e.messageId);
      if (!seen || route.attempt >= seen.attempt) folded.charges.set(e.messageId, route);
    }
    if (outcome === SubmitOutcome.UNKNOWN) folded.unknownOutcomes++;
    if (outcome === SubmitOutcome.ROUTED) continue;
    const status = e.subject.$case === 'message' ? wholeMessageStatus(outcome) : segmentStatusForOutcome(outcome);
    if (status === undefined) {
      folded.ignored++;
      continue;
    }
    if (carrierId && status !== MessageStatus.FAILED) ctx.carrierId = carrierId;
    if (status === MessageStatus.FAILED) {
      const part = e.subject.$case === 'segment' ? `segment ${e.subject.value.index + 1}` : 'the message';
      ctx.verdict ??= { status, reasonCode: reasonCode || 'SUBMIT.FAILED', reason: reason || `${part} could not be submitted` };
      if (carrierId) ctx.carrierId = carrierId;
    }
    if (status === MessageStatus.CANCELED) ctx.verdict ??= { status, reasonCode: reasonCode || 'CANCELED', reason: reason || 'canceled before its send time' };
    if (e.subject.$case === 'message') continue;
    const segment = e.subject.value;
    const smscId = segment.smscMessageId ? normaliseSmscId(segment.smscMessageId, 'submit', idFormat(carrierId)) : '';
    mergeSegmentWrite(folded.segments, {
      messageId: e.messageId,
      index: segment.index,
      carrierId,
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
