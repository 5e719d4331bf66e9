// The status projection: turns batches of events into rows of the status store and returns the
// status changes to publish. Every function runs inside one transaction (see inTransaction) and
// takes its row locks in one global order — receipt_correlation, then messages (by id), then
// segments — so batches of different partitions and replicas can run at the same time; a
// deadlock that slips through is retried by inTransaction.
// The decisions (which report or receipt wins, what a segment keeps, a message's next status and
// reason) are pure functions of libs/dlr/domain (projection/); this file reads the locked rows,
// asks them and writes the answer (projection-rows.ts), one statement per step of a batch.
import {
  FINAL_RECEIPT_STATS,
  advanceStatus,
  applyRoutedCarriers,
  applyWaitingReceipts,
  byText,
  foldCorrelatedReceipts,
  foldSubmitEvents,
  latestReceipts,
  receiptKey,
  statusEventOf,
  statusRank,
  submitHalves,
  type DeliveryReceipt,
  type ReceiptIdFormat,
} from '@smsgw/dlr/domain';
import { MessageStatus, StatusEvent, heldByPumping, heldForSchedule, pipelineStartMs, type MessageAccepted, type SubmitEvent } from '@smsgw/shared/util-proto';
import { LOCK_COLUMNS, lockMessages, settle, storedMessage, writeCharges, type LockedMessageRow } from './projection-rows';
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
  /** Events ignored because they change nothing (RETRYING, no subject, no message id). */
  ignored: number;
}

export interface ReceiptProjectionResult extends ProjectionResult {
  /** Final receipts matched to a segment. */
  matched: number;
  /** Receipts whose submit report has not been projected yet; they wait in receipt_correlation. */
  pending: number;
}

/**
 * How much earlier than a submission's reported time its receipt may have been received and still
 * count as its receipt: the connector's clock reads the two on different binds (or replicas).
 */
const SUBMIT_CLOCK_TOLERANCE_MS = 1_000;

// ---------------------------------------------------------------------------------------------
// sms.accepted.v1

/**
 * Inserts accepted messages (ACCEPTED, SCHEDULED when send_at is ahead, or HELD by SMS-pumping protection). A row a submit report
 * created first only gets the accepted event's fields (metadata, exact accepted_at); its status
 * stays where it is.
 */
export async function projectAccepted(db: Queryable, accepted: readonly MessageAccepted[]): Promise<ProjectionResult> {
  const latest = new Map<string, MessageAccepted>();
  for (const m of accepted) if (m.id) latest.set(m.id, m);
  if (latest.size === 0) return { events: [] };
  const rows = [...latest.values()].sort((a, b) => byText(a.id, b.id));
  const statusOf = (m: MessageAccepted) => (heldByPumping(m) ? MessageStatus.HELD : heldForSchedule(m) ? MessageStatus.SCHEDULED : MessageStatus.ACCEPTED);
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
    validity: rows.map((m) => m.validitySeconds),
  };
  const params = [cols.id, cols.status, cols.rank, cols.to, cols.from, cols.ref, cols.metadata, cols.acceptedAt, cols.releasedAt, cols.callbackUrl, cols.clientId, cols.validity];
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO messages (id, status, status_rank, to_number, sender, client_reference, metadata, accepted_at, released_at, callback_url, client_id, validity_seconds)
     SELECT id, status, rank, to_number, sender, ref, metadata::jsonb, to_timestamp(accepted_ms / 1000.0), to_timestamp(released_ms / 1000.0), callback_url, client_id, validity
       FROM unnest($1::text[], $2::smallint[], $3::smallint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[], $10::text[], $11::text[], $12::int[])
         AS u(id, status, rank, to_number, sender, ref, metadata, accepted_ms, released_ms, callback_url, client_id, validity)
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
         validity_seconds = u.validity,
         status = CASE WHEN u.rank > m.status_rank THEN u.status ELSE m.status END,
         status_rank = GREATEST(m.status_rank, u.rank),
         updated_at = CASE WHEN u.rank > m.status_rank THEN now() ELSE m.updated_at END
       FROM unnest($1::text[], $2::smallint[], $3::smallint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[], $10::text[], $11::text[], $12::int[])
         AS u(id, status, rank, to_number, sender, ref, metadata, accepted_ms, released_ms, callback_url, client_id, validity)
       WHERE m.id = u.id`,
      params.map((col) => idx.map((i) => (col as unknown[])[i])),
    );
    for (const m of existing) {
      const before = locked.get(m.id);
      if (before && advanceStatus(before.status, statusOf(m)) !== undefined) {
        events.push(
          statusEventOf({ ...before, clientReference: m.clientReference, callbackUrl: m.callbackUrl, releasedAtMs: m.releasedAtMs || before.releasedAtMs }, statusOf(m), before.status, pipelineStartMs(m) || Date.now()),
        );
      }
    }
  }
  return { events };
}

// ---------------------------------------------------------------------------------------------
// sms.submitted.v2 (and the retired v1, read as v2)

/**
 * Projects submit events (folded by foldSubmitEvents): files the submit halves in
 * receipt_correlation, picking up receipts that came first; creates the message rows the accepted
 * event has not; then settles the segments and messages.
 */
export async function projectSubmitEvents(
  db: Queryable,
  reports: readonly SubmitEvent[],
  idFormat: (carrierId: string) => ReceiptIdFormat = () => 'same',
): Promise<SubmitProjectionResult> {
  const folded = foldSubmitEvents(reports, idFormat, Date.now());
  const result: SubmitProjectionResult = { events: [], lateMatches: 0, unknownOutcomes: folded.unknownOutcomes, ignored: folded.ignored };
  if (folded.messages.size === 0) return result;

  // 1. receipt_correlation: the submit half. A receipt that came first is returned with it.
  const halves = submitHalves(folded);
  if (halves.length > 0) {
    // A reused SMSC id (the SMSC's counter restarted or wrapped): the row's receipt goes to the
    // newest submission made before it was received. The row keeps its receipt when it waited
    // for this very submission, or arrived after it (the receipt of this new message, projected
    // before its submit report); an older one was the old message's and is dropped.
    // (Kept in SQL: the row is the batch's first lock and must be decided in the statement that takes it.)
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
        halves.map((s) => s.carrierId),
        halves.map((s) => s.smscId),
        halves.map((s) => s.messageId),
        halves.map((s) => s.index),
        halves.map((s) => s.submittedAtMs),
        SUBMIT_CLOCK_TOLERANCE_MS,
      ],
    );
    result.lateMatches = applyWaitingReceipts(
      folded,
      rows.map((r) => ({ messageId: r.message_id, segmentIndex: r.segment_index, receiptStat: r.receipt_stat, receiptErr: r.receipt_err, matchedAtMs: r.matched_at.getTime() })),
    );
  }

  // 2. messages: create rows the accepted event has not created yet, then lock them all.
  const ids = [...folded.messages.keys()].sort(byText);
  const first = ids.map((id) => folded.firstReport.get(id) as SubmitEvent);
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
  await writeCharges(db, folded.charges);
  applyRoutedCarriers(folded, (id) => locked.get(id)?.routeAttempt);

  // 3. segments (forward only) and the messages' status from them.
  result.events = await settle(db, locked, folded.messages, folded.segments.values(), { insert: true });
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
  const rows = latestReceipts(receipts);
  if (rows.length === 0) return result;
  const receivedAt = new Map(rows.map((r) => [receiptKey(r.carrierId, r.smscMessageId), r.receivedAtMs || Date.now()]));

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
      rows.map((r) => receivedAt.get(receiptKey(r.carrierId, r.smscMessageId)) as number),
      FINAL_RECEIPT_STATS,
    ],
  );

  const folded = foldCorrelatedReceipts(
    matches.map((m) => ({ carrierId: m.carrier_id, smscMessageId: m.smsc_message_id, messageId: m.message_id, segmentIndex: m.segment_index, receiptStat: m.receipt_stat, receiptErr: m.receipt_err })),
    (carrierId, smscId) => receivedAt.get(receiptKey(carrierId, smscId)) ?? Date.now(),
  );
  result.matched = folded.matched;
  result.pending = folded.pending;
  if (folded.messages.size === 0) return result;
  const locked = await lockMessages(db, [...folded.messages.keys()]);
  result.events = await settle(db, locked, folded.messages, folded.segments.values(), { insert: false });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Expiry

export interface ExpiryOptions {
  /** Now (ms). */
  nowMs: number;
  /** A message without a validity of its own or of its carrier expires this long after acceptance (release). */
  defaultSeconds: number;
  /** Each carrier's SMSC validity (carriers file smscValiditySeconds), for messages that gave none. */
  carrierSeconds?: ReadonlyMap<string, number>;
  /** Added to a validity: the receipt of the SMSC's last attempt may come a little after it. */
  graceSeconds: number;
  /** At most this many messages per run. */
  limit: number;
}

/**
 * Expires messages that stayed non-final past their validity — their own (validity_seconds), else
 * their carrier's, plus the grace — or, with neither, past defaultSeconds; counted from acceptance
 * (a scheduled message: from its release). Their open segments become EXPIRED and the
 * message takes the worst of its parts (so an UNDELIVERED part still names the message).
 * SCHEDULED messages wait for their send time and HELD ones for an operator (ingest refuses them
 * when their hold ends): both are left alone. Rows another transaction holds
 * are skipped (SKIP LOCKED), so replicas can sweep at the same time.
 */
export async function expireStaleMessages(db: Queryable, options: ExpiryOptions): Promise<ProjectionResult> {
  const { rows } = await db.query<LockedMessageRow>(
    `SELECT ${LOCK_COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')} FROM messages m
       LEFT JOIN unnest($4::text[], $5::int[]) AS c(carrier_id, seconds) ON c.carrier_id = m.carrier_id
      WHERE m.completed_at IS NULL AND m.status > $1 AND m.status <> $8
        AND coalesce(m.released_at, m.accepted_at) -- a scheduled message counts from its release
            < to_timestamp($2 / 1000.0) - make_interval(secs => CASE WHEN m.validity_seconds > 0 THEN m.validity_seconds + $6
                                                               WHEN c.seconds > 0 THEN c.seconds + $6 ELSE $7 END)
      ORDER BY m.accepted_at LIMIT $3
      FOR UPDATE OF m SKIP LOCKED`,
    [MessageStatus.SCHEDULED, options.nowMs, options.limit, [...(options.carrierSeconds ?? new Map()).keys()], [...(options.carrierSeconds ?? new Map()).values()], options.graceSeconds, options.defaultSeconds, MessageStatus.HELD],
  );
  if (rows.length === 0) return { events: [] };
  const locked = new Map(rows.map((r) => [r.id, storedMessage(r)]));
  const now = Date.now();
  const context = new Map([...locked.keys()].map((id) => [id, { eventAtMs: now }]));
  return { events: await settle(db, locked, context, [], { insert: false, expireOpenAtMs: now }) };
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
