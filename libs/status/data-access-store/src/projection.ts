// The status projection: turns batches of events into rows of the status store and returns the
// status changes to publish. Every function runs inside one transaction (see inTransaction) and
// takes its row locks in one global order — receipt_correlation, then messages (by id), then
// segments — so batches of different partitions and replicas can run at the same time; a
// deadlock that slips through is retried by inTransaction.
import {
  FINAL_RECEIPT_STATS,
  advanceStatus,
  aggregateSegments,
  isFinal,
  normaliseSmscId,
  segmentStatusForOutcome,
  wholeMessageStatus,
  statusForStat,
  statusRank,
  type DeliveryReceipt,
  type ReceiptIdFormat,
  type ReceiptStat,
  type SegmentState,
} from '@smsgw/dlr/domain';
import { MessageStatus, StatusEvent, SubmitOutcome, heldForSchedule, pipelineStartMs, type MessageAccepted, type SubmitReport } from '@smsgw/shared/util-proto';
import type { Queryable } from './queryable';

/** What a projected batch produced. */
export interface ProjectionResult {
  /** One event per message whose status moved forward, to publish on sms.status.v1. */
  events: StatusEvent[];
}

export interface SubmitProjectionResult extends ProjectionResult {
  /** Segments whose receipt had arrived before their submit report (matched now). */
  lateMatches: number;
  /** Reports with outcome UNKNOWN (segment left SUBMITTED, waiting for a receipt or expiry). */
  unknownOutcomes: number;
  /** Reports ignored because they change nothing (RETRYING, or -1 reports that are not FAILED). */
  ignored: number;
}

export interface ReceiptProjectionResult extends ProjectionResult {
  /** Final receipts matched to a segment. */
  matched: number;
  /** Receipts whose submit report has not been projected yet; they wait in receipt_correlation. */
  pending: number;
}

interface LockedMessage {
  id: string;
  status: MessageStatus;
  client_reference: string;
  encoding: number;
  segment_count: number;
  segments_delivered: number;
  carrier_id: string;
  reason_code: string;
  reason: string;
  accepted_at: Date;
  released_at: Date | null;
  callback_url: string;
  submitted_at: Date | null;
  completed_at: Date | null;
}

/** What a batch says about one message beyond its segments. */
interface MessageContext {
  /** When the latest event of this message in the batch happened (ms). */
  eventAtMs: number;
  /** A report about the whole message made it FAILED or CANCELED (the first such report wins). */
  verdict?: { status: MessageStatus; reasonCode: string; reason: string };
  carrierId?: string;
  segmentCount?: number;
  encoding?: number;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const ms = (d: Date | null) => (d ? d.getTime() : null);
const SUBMITTED_RANK = statusRank(MessageStatus.SUBMITTED);
/**
 * How much earlier than a submission's reported time its receipt may have been received and still
 * count as its receipt: the connector's clock reads the two on different binds (or replicas).
 */
const SUBMIT_CLOCK_TOLERANCE_MS = 1_000;

// ---------------------------------------------------------------------------------------------
// sms.accepted.v1

/**
 * Inserts accepted messages (ACCEPTED, or SCHEDULED when send_at is ahead). A row a submit report
 * created first only gets the accepted event's fields (metadata, exact accepted_at); its status
 * stays where it is.
 */
export async function projectAccepted(db: Queryable, accepted: readonly MessageAccepted[]): Promise<ProjectionResult> {
  const latest = new Map<string, MessageAccepted>();
  for (const m of accepted) if (m.id) latest.set(m.id, m);
  if (latest.size === 0) return { events: [] };
  const rows = [...latest.values()].sort((a, b) => byText(a.id, b.id));
  const statusOf = (m: MessageAccepted) => (heldForSchedule(m) ? MessageStatus.SCHEDULED : MessageStatus.ACCEPTED);
  const cols = {
    id: rows.map((m) => m.id),
    status: rows.map(statusOf),
    rank: rows.map((m) => statusRank(statusOf(m))),
    to: rows.map((m) => m.to),
    from: rows.map((m) => m.from),
    ref: rows.map((m) => m.clientReference),
    metadata: rows.map((m) => JSON.stringify(m.metadata ?? {})),
    acceptedAt: rows.map((m) => m.acceptedAtMs || Date.now()),
    releasedAt: rows.map((m) => m.releasedAtMs || null),
    callbackUrl: rows.map((m) => m.callbackUrl),
    clientId: rows.map((m) => m.clientId),
  };
  const params = [cols.id, cols.status, cols.rank, cols.to, cols.from, cols.ref, cols.metadata, cols.acceptedAt, cols.releasedAt, cols.callbackUrl, cols.clientId];
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO messages (id, status, status_rank, to_number, sender, client_reference, metadata, accepted_at, released_at, callback_url, client_id)
     SELECT id, status, rank, to_number, sender, ref, metadata::jsonb, to_timestamp(accepted_ms / 1000.0), to_timestamp(released_ms / 1000.0), callback_url, client_id
       FROM unnest($1::text[], $2::smallint[], $3::smallint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[], $10::text[], $11::text[])
         AS u(id, status, rank, to_number, sender, ref, metadata, accepted_ms, released_ms, callback_url, client_id)
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    params,
  );
  const fresh = new Set(inserted.rows.map((r) => r.id));
  const events = rows
    .filter((m) => fresh.has(m.id))
    .map((m) =>
      StatusEvent.create({ messageId: m.id, status: statusOf(m), previousStatus: MessageStatus.UNSPECIFIED, clientReference: m.clientReference, occurredAtMs: m.acceptedAtMs, acceptedAtMs: m.acceptedAtMs, callbackUrl: m.callbackUrl }),
    );

  // Rows that existed (a redelivered event, or a submit report that came first): fill in the
  // accepted event's fields and move SCHEDULED → ACCEPTED when a scheduler re-publishes it.
  const existing = rows.filter((m) => !fresh.has(m.id));
  if (existing.length > 0) {
    const locked = await lockMessages(db, existing.map((m) => m.id));
    const idx = existing.map((m) => cols.id.indexOf(m.id));
    await db.query(
      `UPDATE messages m SET
         to_number = u.to_number, sender = u.sender, client_reference = u.ref, metadata = u.metadata::jsonb,
         accepted_at = to_timestamp(u.accepted_ms / 1000.0),
         released_at = COALESCE(m.released_at, to_timestamp(u.released_ms / 1000.0)),
         callback_url = u.callback_url,
         client_id = u.client_id,
         status = CASE WHEN u.rank > m.status_rank THEN u.status ELSE m.status END,
         status_rank = GREATEST(m.status_rank, u.rank),
         updated_at = CASE WHEN u.rank > m.status_rank THEN now() ELSE m.updated_at END
       FROM unnest($1::text[], $2::smallint[], $3::smallint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[], $10::text[], $11::text[])
         AS u(id, status, rank, to_number, sender, ref, metadata, accepted_ms, released_ms, callback_url, client_id)
       WHERE m.id = u.id`,
      params.map((col) => idx.map((i) => (col as unknown[])[i])),
    );
    for (const m of existing) {
      const before = locked.get(m.id);
      if (before && advanceStatus(before.status, statusOf(m)) !== undefined) {
        events.push(
          toEvent({ ...before, client_reference: m.clientReference, callback_url: m.callbackUrl, released_at: m.releasedAtMs ? new Date(m.releasedAtMs) : before.released_at }, statusOf(m), before.status, pipelineStartMs(m) || Date.now()),
        );
      }
    }
  }
  return { events };
}

// ---------------------------------------------------------------------------------------------
// sms.submitted.v1

/**
 * Projects submit reports: a segment SUBMITTED (UNKNOWN outcomes too: the SMSC may have it) or
 * FAILED; a -1 report (router: no route, retries exhausted) fails the whole message. A receipt
 * that arrived first is picked up from receipt_correlation and applied at once.
 */
export async function projectSubmitReports(
  db: Queryable,
  reports: readonly SubmitReport[],
  idFormat: (carrierId: string) => ReceiptIdFormat = () => 'same',
): Promise<SubmitProjectionResult> {
  const result: SubmitProjectionResult = { events: [], lateMatches: 0, unknownOutcomes: 0, ignored: 0 };
  const context = new Map<string, MessageContext>();
  const firstReport = new Map<string, SubmitReport>();
  const segments = new Map<string, SegmentWrite>();
  for (const r of reports) {
    if (!r.messageId) {
      result.ignored++;
      continue;
    }
    const at = r.reportedAtMs || Date.now();
    const ctx = context.get(r.messageId) ?? { eventAtMs: at };
    ctx.eventAtMs = Math.max(ctx.eventAtMs, at);
    if (r.segmentCount > 0) ctx.segmentCount = Math.max(ctx.segmentCount ?? 0, r.segmentCount);
    if (r.encoding) ctx.encoding = r.encoding;
    context.set(r.messageId, ctx);
    if (!firstReport.has(r.messageId)) firstReport.set(r.messageId, r);

    if (r.outcome === SubmitOutcome.UNKNOWN) result.unknownOutcomes++;
    const status = r.segmentIndex < 0 ? wholeMessageStatus(r.outcome) : segmentStatusForOutcome(r.outcome);
    if (status === undefined) {
      result.ignored++;
      continue;
    }
    if (r.carrierId && status !== MessageStatus.FAILED) ctx.carrierId = r.carrierId;
    if (status === MessageStatus.FAILED) {
      ctx.verdict ??= { status, reasonCode: r.reasonCode || 'SUBMIT.FAILED', reason: r.reason || `segment ${r.segmentIndex + 1} could not be submitted` };
      if (r.carrierId) ctx.carrierId = r.carrierId;
    }
    if (status === MessageStatus.CANCELED) ctx.verdict ??= { status, reasonCode: r.reasonCode || 'CANCELED', reason: r.reason || 'canceled before its send time' };
    if (r.segmentIndex < 0) continue;
    const smscId = r.smscMessageId ? normaliseSmscId(r.smscMessageId, 'submit', idFormat(r.carrierId)) : '';
    mergeSegment(segments, {
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
  if (context.size === 0) return result;

  // 1. receipt_correlation: the submit half. A receipt that came first is returned with it.
  const halves = [...segments.values()].filter((s) => s.smscId && s.status === MessageStatus.SUBMITTED).sort((a, b) => byText(a.carrierId, b.carrierId) || byText(a.smscId, b.smscId));
  const uniqueHalves = dedupeBy(halves, (s) => `${s.carrierId}\u0000${s.smscId}`);
  if (uniqueHalves.length > 0) {
    // A reused SMSC id (the SMSC's counter restarted or wrapped): the row's receipt goes to the
    // newest submission made before it was received. The row keeps its receipt when it waited
    // for this very submission, or arrived after it (the receipt of this new message, projected
    // before its submit report); an older one was the old message's and is dropped.
    const keepsReceipt = `rc.message_id IS NULL
         OR (rc.message_id = EXCLUDED.message_id AND rc.segment_index = EXCLUDED.segment_index)
         OR rc.receipt_received_at >= EXCLUDED.submitted_at - make_interval(secs => $6 / 1000.0)`;
    const { rows } = await db.query<{ message_id: string; segment_index: number; receipt_stat: string | null; receipt_err: string | null; matched_at: Date }>(
      `INSERT INTO receipt_correlation AS rc (carrier_id, smsc_message_id, message_id, segment_index, submitted_at)
       SELECT carrier_id, smsc_id, message_id, segment_index, to_timestamp(submitted_ms / 1000.0)
         FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::float8[]) AS u(carrier_id, smsc_id, message_id, segment_index, submitted_ms)
       ON CONFLICT (carrier_id, smsc_message_id) DO UPDATE SET
         receipt_stat        = CASE WHEN ${keepsReceipt} THEN rc.receipt_stat ELSE NULL END,
         receipt_err         = CASE WHEN ${keepsReceipt} THEN rc.receipt_err ELSE NULL END,
         receipt_done_at     = CASE WHEN ${keepsReceipt} THEN rc.receipt_done_at ELSE NULL END,
         receipt_received_at = CASE WHEN ${keepsReceipt} THEN rc.receipt_received_at ELSE NULL END,
         created_at          = CASE WHEN rc.message_id IS NULL OR rc.message_id = EXCLUDED.message_id THEN rc.created_at ELSE now() END,
         submitted_at        = CASE WHEN rc.message_id = EXCLUDED.message_id THEN COALESCE(rc.submitted_at, EXCLUDED.submitted_at) ELSE EXCLUDED.submitted_at END,
         message_id = EXCLUDED.message_id,
         segment_index = EXCLUDED.segment_index
       RETURNING message_id, segment_index, receipt_stat, receipt_err, created_at AS matched_at`,
      [
        uniqueHalves.map((s) => s.carrierId),
        uniqueHalves.map((s) => s.smscId),
        uniqueHalves.map((s) => s.messageId),
        uniqueHalves.map((s) => s.index),
        uniqueHalves.map((s) => s.submittedAtMs),
        SUBMIT_CLOCK_TOLERANCE_MS,
      ],
    );
    for (const row of rows) {
      const status = row.receipt_stat ? statusForStat(row.receipt_stat as ReceiptStat) : undefined;
      if (status === undefined) continue;
      const seg = segments.get(segmentKey(row.message_id, row.segment_index));
      if (!seg) continue;
      result.lateMatches++;
      if (statusRank(status) > statusRank(seg.status)) {
        segments.set(segmentKey(row.message_id, row.segment_index), {
          ...seg,
          status,
          receiptStat: row.receipt_stat ?? '',
          receiptErr: row.receipt_err ?? '',
          completedAtMs: Math.max(row.matched_at.getTime(), seg.submittedAtMs ?? 0),
        });
        const ctx = context.get(row.message_id);
        if (ctx) ctx.eventAtMs = Math.max(ctx.eventAtMs, row.matched_at.getTime());
      }
    }
  }

  // 2. messages: create rows the accepted event has not created yet, then lock them all.
  const ids = [...context.keys()].sort(byText);
  const first = ids.map((id) => firstReport.get(id) as SubmitReport);
  await db.query(
    `INSERT INTO messages (id, status, status_rank, to_number, sender, client_reference, encoding, accepted_at)
     SELECT id, $2, $3, to_number, sender, ref, encoding, to_timestamp(accepted_ms / 1000.0)
       FROM unnest($1::text[], $4::text[], $5::text[], $6::text[], $7::smallint[], $8::float8[]) AS u(id, to_number, sender, ref, encoding, accepted_ms)
     ON CONFLICT (id) DO NOTHING`,
    [
      ids,
      MessageStatus.ACCEPTED,
      statusRank(MessageStatus.ACCEPTED),
      first.map((r) => r.to),
      first.map((r) => r.from),
      first.map((r) => r.clientReference),
      first.map((r) => r.encoding),
      first.map((r) => r.acceptedAtMs || r.reportedAtMs || Date.now()),
    ],
  );
  const locked = await lockMessages(db, ids);

  // 3. segments, forward only.
  await upsertSegments(db, [...segments.values()]);

  // 4. the messages' status from their segments.
  result.events = await reaggregate(db, locked, context);
  return result;
}

// ---------------------------------------------------------------------------------------------
// sms.dlr.raw.v1

/**
 * Projects parsed receipts: each upserts its half of receipt_correlation; where the submit half is
 * there, a final stat moves the segment forward and the message is re-aggregated. Intermediate
 * stats (ENROUTE, ACCEPTD, UNKNOWN) are recorded but change no status, and never replace a final
 * stat already recorded.
 */
export async function projectReceipts(db: Queryable, receipts: readonly DeliveryReceipt[]): Promise<ReceiptProjectionResult> {
  const result: ReceiptProjectionResult = { events: [], matched: 0, pending: 0 };
  // One row per SMSC id, chosen as the table chooses (laterFinal).
  const byId = new Map<string, DeliveryReceipt>();
  for (const r of receipts) {
    const key = `${r.carrierId}\u0000${r.smscMessageId}`;
    const seen = byId.get(key);
    if (!seen || seen.status === undefined || (r.status !== undefined && r.receivedAtMs > seen.receivedAtMs)) byId.set(key, r);
  }
  if (byId.size === 0) return result;
  const rows = [...byId.values()].sort((a, b) => byText(a.carrierId, b.carrierId) || byText(a.smscMessageId, b.smscMessageId));
  const receivedAt = new Map(rows.map((r) => [`${r.carrierId}\u0000${r.smscMessageId}`, r.receivedAtMs || Date.now()]));

  // The row's receipt is replaced by a receipt until it holds a final one, then only by a final one
  // received later: that is the receipt of a newer message the SMSC gave the same id, kept for its
  // submit report (the old message's segment is final already and keeps its status).
  const replaces = `rc.receipt_stat IS NULL OR NOT rc.receipt_stat = ANY($7::text[])
       OR (EXCLUDED.receipt_stat = ANY($7::text[]) AND EXCLUDED.receipt_received_at > rc.receipt_received_at)`;
  const { rows: matches } = await db.query<{ carrier_id: string; smsc_message_id: string; message_id: string | null; segment_index: number | null; receipt_stat: string; receipt_err: string }>(
    `INSERT INTO receipt_correlation AS rc (carrier_id, smsc_message_id, receipt_stat, receipt_err, receipt_done_at, receipt_received_at)
     SELECT carrier_id, smsc_id, stat, err, to_timestamp(done_ms / 1000.0), to_timestamp(received_ms / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[]) AS u(carrier_id, smsc_id, stat, err, done_ms, received_ms)
     ON CONFLICT (carrier_id, smsc_message_id) DO UPDATE SET
       receipt_stat        = CASE WHEN ${replaces} THEN EXCLUDED.receipt_stat ELSE rc.receipt_stat END,
       receipt_err         = CASE WHEN ${replaces} THEN EXCLUDED.receipt_err ELSE rc.receipt_err END,
       receipt_done_at     = CASE WHEN ${replaces} THEN EXCLUDED.receipt_done_at ELSE rc.receipt_done_at END,
       receipt_received_at = CASE WHEN ${replaces} THEN EXCLUDED.receipt_received_at ELSE rc.receipt_received_at END
     RETURNING carrier_id, smsc_message_id, message_id, segment_index, receipt_stat, receipt_err`,
    [
      rows.map((r) => r.carrierId),
      rows.map((r) => r.smscMessageId),
      rows.map((r) => r.stat),
      rows.map((r) => r.err),
      rows.map((r) => r.doneAtMs ?? null),
      rows.map((r) => receivedAt.get(`${r.carrierId}\u0000${r.smscMessageId}`) as number),
      FINAL_RECEIPT_STATS,
    ],
  );

  const context = new Map<string, MessageContext>();
  const writes = new Map<string, SegmentWrite>();
  for (const m of matches) {
    if (m.message_id === null || m.segment_index === null) {
      result.pending++;
      continue;
    }
    const status = statusForStat(m.receipt_stat as ReceiptStat);
    if (status === undefined) continue;
    result.matched++;
    const at = receivedAt.get(`${m.carrier_id}\u0000${m.smsc_message_id}`) ?? Date.now();
    const ctx = context.get(m.message_id) ?? { eventAtMs: at };
    ctx.eventAtMs = Math.max(ctx.eventAtMs, at);
    context.set(m.message_id, ctx);
    mergeSegment(writes, { messageId: m.message_id, index: m.segment_index, carrierId: m.carrier_id, smscId: m.smsc_message_id, status, receiptStat: m.receipt_stat, receiptErr: m.receipt_err, submittedAtMs: null, completedAtMs: at });
  }
  if (context.size === 0) return result;

  const locked = await lockMessages(db, [...context.keys()]);
  const list = [...writes.values()].sort((a, b) => byText(a.messageId, b.messageId) || a.index - b.index);
  await db.query(
    `UPDATE segments s SET status = u.status, status_rank = u.rank, receipt_stat = u.stat, receipt_err = u.err,
            completed_at = to_timestamp(u.done_ms / 1000.0), updated_at = now()
       FROM unnest($1::text[], $2::int[], $3::smallint[], $4::smallint[], $5::text[], $6::text[], $7::float8[]) AS u(message_id, segment_index, status, rank, stat, err, done_ms)
      WHERE s.message_id = u.message_id AND s.segment_index = u.segment_index AND s.status_rank < u.rank`,
    [list.map((s) => s.messageId), list.map((s) => s.index), list.map((s) => s.status), list.map((s) => statusRank(s.status)), list.map((s) => s.receiptStat), list.map((s) => s.receiptErr), list.map((s) => s.completedAtMs)],
  );
  result.events = await reaggregate(db, locked, context);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Expiry

export interface ExpiryOptions {
  /** Messages accepted (scheduled ones: released) before this time (ms) and still not final are expired. */
  acceptedBeforeMs: number;
  /** At most this many messages per run. */
  limit: number;
}

/**
 * Expires messages that stayed non-final too long: their open segments become EXPIRED and the
 * message takes the worst of its parts (so an UNDELIVERED part still names the message).
 * SCHEDULED messages wait for their send time and are left alone. Rows another transaction holds
 * are skipped (SKIP LOCKED), so replicas can sweep at the same time.
 */
export async function expireStaleMessages(db: Queryable, options: ExpiryOptions): Promise<ProjectionResult> {
  const { rows } = await db.query<LockedMessage>(
    `SELECT ${LOCK_COLUMNS} FROM messages
      WHERE completed_at IS NULL AND status > $1 AND accepted_at < to_timestamp($2 / 1000.0)
        AND (released_at IS NULL OR released_at < to_timestamp($2 / 1000.0)) -- a scheduled message counts from its release
      ORDER BY accepted_at LIMIT $3
      FOR UPDATE SKIP LOCKED`,
    [MessageStatus.SCHEDULED, options.acceptedBeforeMs, options.limit],
  );
  if (rows.length === 0) return { events: [] };
  const locked = new Map(rows.map((r) => [r.id, r]));
  const now = Date.now();
  await db.query(
    `UPDATE segments SET status = $2, status_rank = $3, completed_at = now(), updated_at = now()
      WHERE message_id = ANY($1::text[]) AND status_rank < $3`,
    [[...locked.keys()], MessageStatus.EXPIRED, statusRank(MessageStatus.EXPIRED)],
  );
  const context = new Map([...locked.keys()].map((id) => [id, { eventAtMs: now }]));
  return { events: await reaggregate(db, locked, context, { expireOpen: true }) };
}

/** Deletes receipt_correlation rows older than `createdBeforeMs`, at most `limit` per call. */
export async function pruneReceiptCorrelation(db: Queryable, createdBeforeMs: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM receipt_correlation WHERE ctid IN (
       SELECT ctid FROM receipt_correlation WHERE created_at < to_timestamp($1 / 1000.0) LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [createdBeforeMs, limit],
  );
  return rowCount ?? 0;
}

/** Receipts created in [sinceMs, beforeMs) that no submit report has claimed, per carrier. */
export async function countUnmatchedReceipts(db: Queryable, sinceMs: number, beforeMs: number): Promise<Map<string, number>> {
  const { rows } = await db.query<{ carrier_id: string; n: string }>(
    `SELECT carrier_id, count(*) AS n FROM receipt_correlation
      WHERE message_id IS NULL AND created_at >= to_timestamp($1 / 1000.0) AND created_at < to_timestamp($2 / 1000.0)
      GROUP BY carrier_id`,
    [sinceMs, beforeMs],
  );
  return new Map(rows.map((r) => [r.carrier_id, Number(r.n)]));
}

// ---------------------------------------------------------------------------------------------
// Shared steps

interface SegmentWrite {
  messageId: string;
  index: number;
  carrierId: string;
  smscId: string;
  status: MessageStatus;
  receiptStat: string;
  receiptErr: string;
  submittedAtMs: number | null;
  completedAtMs: number | null;
}

const segmentKey = (messageId: string, index: number) => `${messageId}\u0000${index}`;

/** Keeps one write per segment (a statement may not touch a row twice): the furthest along wins. */
function mergeSegment(into: Map<string, SegmentWrite>, write: SegmentWrite): void {
  const key = segmentKey(write.messageId, write.index);
  const seen = into.get(key);
  if (!seen) {
    into.set(key, write);
    return;
  }
  const ahead = statusRank(write.status) > statusRank(seen.status);
  into.set(key, {
    ...(ahead ? write : seen),
    // A resubmission (after failover) brings the new carrier's id; a final segment keeps its own.
    carrierId: !isFinal(seen.status) && write.carrierId ? write.carrierId : seen.carrierId,
    smscId: !isFinal(seen.status) && write.smscId ? write.smscId : seen.smscId,
    submittedAtMs: seen.submittedAtMs ?? write.submittedAtMs,
  });
}

function dedupeBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

async function upsertSegments(db: Queryable, writes: SegmentWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const list = [...writes].sort((a, b) => byText(a.messageId, b.messageId) || a.index - b.index);
  await db.query(
    `INSERT INTO segments AS s (message_id, segment_index, carrier_id, smsc_message_id, status, status_rank, receipt_stat, receipt_err, submitted_at, completed_at)
     SELECT message_id, segment_index, carrier_id, smsc_id, status, rank, stat, err, to_timestamp(submitted_ms / 1000.0), to_timestamp(completed_ms / 1000.0)
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::smallint[], $6::smallint[], $7::text[], $8::text[], $9::float8[], $10::float8[])
         AS u(message_id, segment_index, carrier_id, smsc_id, status, rank, stat, err, submitted_ms, completed_ms)
     ON CONFLICT (message_id, segment_index) DO UPDATE SET
       carrier_id      = CASE WHEN s.status_rank < $11 AND EXCLUDED.carrier_id <> '' THEN EXCLUDED.carrier_id ELSE s.carrier_id END,
       smsc_message_id = CASE WHEN s.status_rank < $11 AND EXCLUDED.smsc_message_id <> '' THEN EXCLUDED.smsc_message_id ELSE s.smsc_message_id END,
       submitted_at    = COALESCE(s.submitted_at, EXCLUDED.submitted_at),
       status          = CASE WHEN EXCLUDED.status_rank > s.status_rank THEN EXCLUDED.status ELSE s.status END,
       receipt_stat    = CASE WHEN EXCLUDED.status_rank > s.status_rank THEN EXCLUDED.receipt_stat ELSE s.receipt_stat END,
       receipt_err     = CASE WHEN EXCLUDED.status_rank > s.status_rank THEN EXCLUDED.receipt_err ELSE s.receipt_err END,
       completed_at    = CASE WHEN EXCLUDED.status_rank > s.status_rank THEN EXCLUDED.completed_at ELSE s.completed_at END,
       status_rank     = GREATEST(s.status_rank, EXCLUDED.status_rank),
       updated_at      = now()`,
    [
      list.map((s) => s.messageId),
      list.map((s) => s.index),
      list.map((s) => s.carrierId),
      list.map((s) => s.smscId),
      list.map((s) => s.status),
      list.map((s) => statusRank(s.status)),
      list.map((s) => s.receiptStat),
      list.map((s) => s.receiptErr),
      list.map((s) => s.submittedAtMs),
      list.map((s) => s.completedAtMs),
      statusRank(MessageStatus.DELIVERED),
    ],
  );
}

const LOCK_COLUMNS =
  'id, status, client_reference, encoding, segment_count, segments_delivered, carrier_id, reason_code, reason, accepted_at, released_at, callback_url, submitted_at, completed_at';

/** Locks the messages in id order (the one order every batch uses) and returns them as they are. */
async function lockMessages(db: Queryable, ids: string[]): Promise<Map<string, LockedMessage>> {
  const sorted = [...new Set(ids)].sort(byText);
  const { rows } = await db.query<LockedMessage>(`SELECT ${LOCK_COLUMNS} FROM messages WHERE id = ANY($1::text[]) ORDER BY id COLLATE "C" FOR UPDATE`, [sorted]);
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Re-reads the segments of the locked messages, aggregates them, writes every message whose row
 * changes and returns the events of those whose status moved forward. The message locks make
 * this safe when two batches finish parts of one message at the same time: the second waits and
 * then sees the first's segments.
 */
async function reaggregate(db: Queryable, locked: Map<string, LockedMessage>, context: Map<string, MessageContext>, options: { expireOpen?: boolean } = {}): Promise<StatusEvent[]> {
  if (locked.size === 0) return [];
  const ids = [...locked.keys()];
  const { rows } = await db.query<{ message_id: string; segment_index: number; status: number; receipt_stat: string; receipt_err: string; submitted_at: Date | null }>(
    `SELECT message_id, segment_index, status, receipt_stat, receipt_err, submitted_at FROM segments WHERE message_id = ANY($1::text[])`,
    [ids],
  );
  const segmentsOf = new Map<string, { states: SegmentState[]; lastSubmitMs: number | null }>();
  for (const r of rows) {
    const entry = segmentsOf.get(r.message_id) ?? { states: [], lastSubmitMs: null };
    entry.states.push({ index: r.segment_index, status: r.status, receiptStat: r.receipt_stat || undefined, receiptErr: r.receipt_err || undefined });
    const sub = ms(r.submitted_at);
    if (sub !== null) entry.lastSubmitMs = Math.max(entry.lastSubmitMs ?? 0, sub);
    segmentsOf.set(r.message_id, entry);
  }

  const events: StatusEvent[] = [];
  const updates: MessageUpdate[] = [];
  for (const m of locked.values()) {
    const ctx = context.get(m.id) ?? { eventAtMs: Date.now() };
    const segs = segmentsOf.get(m.id) ?? { states: [], lastSubmitMs: null };
    const segmentCount = Math.max(m.segment_count, ctx.segmentCount ?? 0);
    const agg = aggregateSegments(segmentCount, segs.states, options);
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
    const update: MessageUpdate = {
      id: m.id,
      status,
      segmentCount,
      segmentsDelivered: agg.segmentsDelivered,
      encoding: m.encoding || ctx.encoding || 0,
      carrierId: !isFinal(m.status) && ctx.carrierId ? ctx.carrierId : m.carrier_id,
      reasonCode: next !== undefined && reasonCode !== undefined ? reasonCode : m.reason_code,
      reason: next !== undefined && reason !== undefined ? reason : m.reason,
      submittedAtMs: ms(m.submitted_at) ?? (statusRank(status) >= SUBMITTED_RANK ? segs.lastSubmitMs : null),
      completedAtMs: ms(m.completed_at) ?? (isFinal(status) ? ctx.eventAtMs : null),
    };
    const changed =
      next !== undefined ||
      update.segmentCount !== m.segment_count ||
      update.segmentsDelivered !== m.segments_delivered ||
      update.encoding !== m.encoding ||
      update.carrierId !== m.carrier_id ||
      update.submittedAtMs !== ms(m.submitted_at);
    if (changed) updates.push(update);
    if (next !== undefined) {
      events.push(
        toEvent({ ...m, carrier_id: update.carrierId, encoding: update.encoding, segment_count: segmentCount, segments_delivered: agg.segmentsDelivered, reason_code: update.reasonCode, reason: update.reason }, next, m.status, ctx.eventAtMs),
      );
    }
  }
  await writeMessages(db, updates);
  return events;
}

interface MessageUpdate {
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

async function writeMessages(db: Queryable, updates: MessageUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const list = [...updates].sort((a, b) => byText(a.id, b.id));
  await db.query(
    `UPDATE messages m SET
       status = u.status, status_rank = u.rank, segment_count = u.segment_count, segments_delivered = u.delivered,
       encoding = u.encoding, carrier_id = u.carrier_id, reason_code = u.reason_code, reason = u.reason,
       submitted_at = COALESCE(m.submitted_at, to_timestamp(u.submitted_ms / 1000.0)),
       completed_at = COALESCE(m.completed_at, to_timestamp(u.completed_ms / 1000.0)),
       updated_at = now()
     FROM unnest($1::text[], $2::smallint[], $3::smallint[], $4::int[], $5::int[], $6::smallint[], $7::text[], $8::text[], $9::text[], $10::float8[], $11::float8[])
       AS u(id, status, rank, segment_count, delivered, encoding, carrier_id, reason_code, reason, submitted_ms, completed_ms)
     WHERE m.id = u.id AND m.status_rank <= u.rank`,
    [
      list.map((u) => u.id),
      list.map((u) => u.status),
      list.map((u) => statusRank(u.status)),
      list.map((u) => u.segmentCount),
      list.map((u) => u.segmentsDelivered),
      list.map((u) => u.encoding),
      list.map((u) => u.carrierId),
      list.map((u) => u.reasonCode),
      list.map((u) => u.reason),
      list.map((u) => u.submittedAtMs),
      list.map((u) => u.completedAtMs),
    ],
  );
}

function toEvent(m: Pick<LockedMessage, 'id' | 'client_reference' | 'carrier_id' | 'reason_code' | 'reason' | 'encoding' | 'segment_count' | 'segments_delivered' | 'accepted_at' | 'released_at' | 'callback_url'>, status: MessageStatus, previous: MessageStatus, atMs: number): StatusEvent {
  return StatusEvent.create({
    messageId: m.id,
    status,
    previousStatus: previous,
    clientReference: m.client_reference,
    carrierId: m.carrier_id,
    reasonCode: isFinal(status) && status !== MessageStatus.DELIVERED ? m.reason_code : '',
    reason: isFinal(status) && status !== MessageStatus.DELIVERED ? m.reason : '',
    encoding: m.encoding,
    segmentCount: m.segment_count,
    segmentsDelivered: m.segments_delivered,
    occurredAtMs: atMs,
    acceptedAtMs: m.accepted_at.getTime(),
    releasedAtMs: m.released_at?.getTime() ?? 0,
    callbackUrl: m.callback_url,
  });
}
