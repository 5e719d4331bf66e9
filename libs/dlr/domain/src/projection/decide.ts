import { MessageStatus, StatusEvent } from '@smsgw/shared/util-proto';
import { advanceStatus, aggregateSegments, type AggregateOptions } from '../aggregate';
import { isFinal, statusRank } from '../status-rank';
import type { MessageContext } from './fold-reports';
import type { SegmentRecord } from './segment';

/** A message row as the status store holds it (locked for the batch). */
export interface StoredMessage {
  id: string;
  status: MessageStatus;
  clientReference: string;
  encoding: number;
  segmentCount: number;
  segmentsDelivered: number;
  carrierId: string;
  reasonCode: string;
  reason: string;
  acceptedAtMs: number;
  releasedAtMs: number | null;
  callbackUrl: string;
  submittedAtMs: number | null;
  completedAtMs: number | null;
  routeAttempt: number;
}

/** What the store writes to a message row. submittedAtMs/completedAtMs only fill a null. */
export interface MessageUpdate {
  id: string;
  status: MessageStatus;
  segmentCount: number;
  segmentsDelivered: number;
  encoding: number;
  carrierId: string;
  reasonCode: string;
  reason: string;
  submittedAtMs: number | null;
  completedAtMs: number | null;
}

export interface MessageDecision {
  /** undefined: the row stays as it is. */
  update?: MessageUpdate;
  /** The status change to publish, when the status moved forward. */
  event?: StatusEvent;
}

const SUBMITTED_RANK = statusRank(MessageStatus.SUBMITTED);

/**
 * A message's next row from its segments (as they are after the batch) and what the batch said of
 * it: the segments' aggregate, unless a whole-message verdict (FAILED, CANCELED) of the batch
 * overrides it; forward only. The carrier follows the batch until the message is final; a reason
 * is replaced only when the status moves and the decision names one (FAILED keeps its report's).
 */
export function decideMessage(m: StoredMessage, segments: readonly SegmentRecord[], ctx: MessageContext, options: AggregateOptions = {}): MessageDecision {
  const segmentCount = Math.max(m.segmentCount, ctx.segmentCount ?? 0);
  const agg = aggregateSegments(
    segmentCount,
    segments.map((s) => ({ index: s.index, status: s.status, receiptStat: s.receiptStat || undefined, receiptErr: s.receiptErr || undefined })),
    options,
  );
  let candidate = agg.status;
  let reasonCode = agg.reasonCode;
  let reason = agg.reason;
  if (ctx.verdict && !isFinal(m.status)) {
    candidate = ctx.verdict.status;
    reasonCode = ctx.verdict.reasonCode;
    reason = ctx.verdict.reason;
  }
  const next = advanceStatus(m.status, candidate);
  const status = next ?? m.status;
  let lastSubmitMs: number | null = null;
  for (const s of segments) if (s.submittedAtMs !== null) lastSubmitMs = Math.max(lastSubmitMs ?? 0, s.submittedAtMs);
  const update: MessageUpdate = {
    id: m.id,
    status,
    segmentCount,
    segmentsDelivered: agg.segmentsDelivered,
    encoding: m.encoding || ctx.encoding || 0,
    carrierId: !isFinal(m.status) && ctx.carrierId ? ctx.carrierId : m.carrierId,
    reasonCode: next !== undefined && reasonCode !== undefined ? reasonCode : m.reasonCode,
    reason: next !== undefined && reason !== undefined ? reason : m.reason,
    submittedAtMs: m.submittedAtMs ?? (statusRank(status) >= SUBMITTED_RANK ? lastSubmitMs : null),
    completedAtMs: m.completedAtMs ?? (isFinal(status) ? ctx.eventAtMs : null),
  };
  const changed =
    next !== undefined ||
    update.segmentCount !== m.segmentCount ||
    update.segmentsDelivered !== m.segmentsDelivered ||
    update.encoding !== m.encoding ||
    update.carrierId !== m.carrierId ||
    update.submittedAtMs !== m.submittedAtMs;
  return {
    update: changed ? update : undefined,
    event:
      next === undefined
        ? undefined
        : statusEventOf({ ...m, carrierId: update.carrierId, encoding: update.encoding, segmentCount, segmentsDelivered: agg.segmentsDelivered, reasonCode: update.reasonCode, reason: update.reason }, next, m.status, ctx.eventAtMs),
  };
}

/** The public status event of a message that moved from `previous` to `status`; a reason only for a final failure. */
export function statusEventOf(m: StoredMessage, status: MessageStatus, previous: MessageStatus, atMs: number): StatusEvent {
  const failure = isFinal(status) && status !== MessageStatus.DELIVERED;
  return StatusEvent.create({
    messageId: m.id,
    status,
    previousStatus: previous,
    clientReference: m.clientReference,
    carrierId: m.carrierId,
    reasonCode: failure ? m.reasonCode : '',
    reason: failure ? m.reason : '',
    encoding: m.encoding,
    segmentCount: m.segmentCount,
    segmentsDelivered: m.segmentsDelivered,
    occurredAtMs: atMs,
    acceptedAtMs: m.acceptedAtMs,
    releasedAtMs: m.releasedAtMs ?? 0,
    callbackUrl: m.callbackUrl,
  });
}
