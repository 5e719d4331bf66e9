// The status store's rows as the projection reads and writes them: one statement per batch each,
// in the lock order of projection.ts. What to write is decided by the caller (libs/dlr/domain).
import {
  applySegmentWrites,
  byText,
  decideMessage,
  expireOpenSegments,
  statusRank,
  type MessageContext,
  type MessageUpdate,
  type SegmentRecord,
  type StoredMessage,
} from '@smsgw/dlr/domain';
import { MessageStatus, type RouteCharge, type StatusEvent } from '@smsgw/shared/util-proto';
import type { Queryable } from './queryable';

export interface LockedMessageRow {
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
  route_attempt: number;
}

const ms = (d: Date | null) => (d ? d.getTime() : null);

/** The routing decision of each message; an earlier attempt (a replay) never replaces a later one. */
export async function writeCharges(db: Queryable, charges: Map<string, RouteCharge>): Promise<void> {
  if (charges.size === 0) return;
  const ids = [...charges.keys()].sort(byText);
  const list = ids.map((id) => charges.get(id) as RouteCharge);
  await db.query(
    `UPDATE messages m SET route_rule_id = u.rule_id, price_per_segment_micros = u.per_segment, price_total_micros = u.total, price_currency = u.currency, route_attempt = u.attempt
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::int[]) AS u(id, rule_id, per_segment, total, currency, attempt)
      WHERE m.id = u.id AND m.route_attempt <= u.attempt`,
    [ids, list.map((c) => c.ruleId), list.map((c) => c.pricePerSegmentMicros), list.map((c) => c.totalMicros), list.map((c) => c.currency), list.map((c) => c.attempt)],
  );
}

export const LOCK_COLUMNS =
  'id, status, client_reference, encoding, segment_count, segments_delivered, carrier_id, reason_code, reason, accepted_at, released_at, callback_url, submitted_at, completed_at, route_attempt';

export function storedMessage(r: LockedMessageRow): StoredMessage {
  return {
    id: r.id,
    status: r.status,
    clientReference: r.client_reference,
    encoding: r.encoding,
    segmentCount: r.segment_count,
    segmentsDelivered: r.segments_delivered,
    carrierId: r.carrier_id,
    reasonCode: r.reason_code,
    reason: r.reason,
    acceptedAtMs: r.accepted_at.getTime(),
    releasedAtMs: ms(r.released_at),
    callbackUrl: r.callback_url,
    submittedAtMs: ms(r.submitted_at),
    completedAtMs: ms(r.completed_at),
    routeAttempt: r.route_attempt,
  };
}

/** Locks the messages in id order (the one order every batch uses) and returns them as they are. */
export async function lockMessages(db: Queryable, ids: string[]): Promise<Map<string, StoredMessage>> {
  const sorted = [...new Set(ids)].sort(byText);
  const { rows } = await db.query<LockedMessageRow>(`SELECT ${LOCK_COLUMNS} FROM messages WHERE id = ANY($1::text[]) ORDER BY id COLLATE "C" FOR UPDATE`, [sorted]);
  return new Map(rows.map((r) => [r.id, storedMessage(r)]));
}

/** The segments of locked messages: no other transaction writes them while the message locks are held. */
async function readSegments(db: Queryable, ids: string[]): Promise<SegmentRecord[]> {
  const { rows } = await db.query<{
    message_id: string;
    segment_index: number;
    carrier_id: string;
    smsc_message_id: string;
    status: number;
    receipt_stat: string;
    receipt_err: string;
    submitted_at: Date | null;
    completed_at: Date | null;
  }>(`SELECT message_id, segment_index, carrier_id, smsc_message_id, status, receipt_stat, receipt_err, submitted_at, completed_at FROM segments WHERE message_id = ANY($1::text[])`, [ids]);
  return rows.map((r) => ({
    messageId: r.message_id,
    index: r.segment_index,
    carrierId: r.carrier_id,
    smscId: r.smsc_message_id,
    status: r.status,
    receiptStat: r.receipt_stat,
    receiptErr: r.receipt_err,
    submittedAtMs: ms(r.submitted_at),
    completedAtMs: ms(r.completed_at),
  }));
}

/**
 * Settles a batch on the messages it locked: reads their segments, applies the batch's segment
 * writes (applySegmentWrites), decides each message (decideMessage), writes what changed and
 * returns the events of those whose status moved forward. The message locks make this safe when
 * two batches finish parts of one message at the same time: the second waits and then reads the
 * first's segments.
 */
export async function settle(
  db: Queryable,
  locked: Map<string, StoredMessage>,
  context: Map<string, MessageContext>,
  writes: Iterable<SegmentRecord>,
  options: { insert: boolean; expireOpenAtMs?: number },
): Promise<StatusEvent[]> {
  if (locked.size === 0) return [];
  const stored = await readSegments(db, [...locked.keys()]);
  const expiring = options.expireOpenAtMs === undefined ? [] : expireOpenSegments(stored, MessageStatus.EXPIRED, options.expireOpenAtMs);
  // Only segments of locked messages: a message row that is missing is not ours to finish.
  const ours = [...writes, ...expiring].filter((w) => locked.has(w.messageId));
  const { toWrite, segments } = applySegmentWrites(stored, ours, { insert: options.insert });
  const segmentsOf = new Map<string, SegmentRecord[]>();
  for (const s of segments) {
    const list = segmentsOf.get(s.messageId);
    if (list) list.push(s);
    else segmentsOf.set(s.messageId, [s]);
  }
  const events: StatusEvent[] = [];
  const updates: MessageUpdate[] = [];
  for (const m of locked.values()) {
    const decision = decideMessage(m, segmentsOf.get(m.id) ?? [], context.get(m.id) ?? { eventAtMs: Date.now() }, { expireOpen: options.expireOpenAtMs !== undefined });
    if (decision.update) updates.push(decision.update);
    if (decision.event) events.push(decision.event);
  }
  await writeSegments(db, toWrite);
  await writeMessages(db, updates);
  return events;
}

/** Writes decided segments (new rows too). The rank guard only backs up the decision made under the locks. */
async function writeSegments(db: Queryable, writes: SegmentRecord[]): Promise<void> {
  if (writes.length === 0) return;
  const list = [...writes].sort((a, b) => byText(a.messageId, b.messageId) || a.index - b.index);
  await db.query(
    `INSERT INTO segments AS s (message_id, segment_index, carrier_id, smsc_message_id, status, status_rank, receipt_stat, receipt_err, submitted_at, completed_at)
     SELECT message_id, segment_index, carrier_id, smsc_id, status, rank, stat, err, to_timestamp(submitted_ms / 1000.0), to_timestamp(completed_ms / 1000.0)
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::smallint[], $6::smallint[], $7::text[], $8::text[], $9::float8[], $10::float8[])
         AS u(message_id, segment_index, carrier_id, smsc_id, status, rank, stat, err, submitted_ms, completed_ms)
     ON CONFLICT (message_id, segment_index) DO UPDATE SET
       carrier_id = EXCLUDED.carrier_id, smsc_message_id = EXCLUDED.smsc_message_id, status = EXCLUDED.status, status_rank = EXCLUDED.status_rank,
       receipt_stat = EXCLUDED.receipt_stat, receipt_err = EXCLUDED.receipt_err, submitted_at = EXCLUDED.submitted_at, completed_at = EXCLUDED.completed_at,
       updated_at = now()
     WHERE s.status_rank <= EXCLUDED.status_rank`,
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
    ],
  );
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
