import { Message, timestampFromMillis } from '@smsgw/shared/util-proto';
import type { Queryable } from './queryable';

interface MessageRow {
  id: string;
  status: number;
  to_number: string;
  sender: string;
  client_reference: string;
  encoding: number;
  segment_count: number;
  segments_delivered: number;
  carrier_id: string;
  reason_code: string;
  reason: string;
  metadata: Record<string, string>;
  accepted_at: Date;
  submitted_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
  route_rule_id: string;
  price_per_segment_micros: string;
  price_total_micros: string;
  price_currency: string;
}

const COLUMNS =
  'id, status, to_number, sender, client_reference, encoding, segment_count, segments_delivered, carrier_id, reason_code, reason, metadata, accepted_at, submitted_at, completed_at, updated_at, route_rule_id, price_per_segment_micros, price_total_micros, price_currency';

const ts = (d: Date | null) => (d ? timestampFromMillis(d.getTime()) : undefined);

function toMessage(r: MessageRow): Message {
  return Message.create({
    id: r.id,
    status: r.status,
    to: r.to_number,
    from: r.sender,
    clientReference: r.client_reference,
    encoding: r.encoding,
    segments: r.segment_count,
    segmentsDelivered: r.segments_delivered,
    carrier: r.carrier_id,
    reasonCode: r.reason_code,
    reason: r.reason,
    metadata: stringValues(r.metadata),
    acceptedAt: ts(r.accepted_at),
    submittedAt: ts(r.submitted_at),
    completedAt: ts(r.completed_at),
    updatedAt: ts(r.updated_at),
    routeRuleId: r.route_rule_id,
    pricePerSegmentMicros: Number(r.price_per_segment_micros),
    priceTotalMicros: Number(r.price_total_micros),
    priceCurrency: r.price_currency,
  });
}

function stringValues(metadata: unknown): Record<string, string> {
  if (!metadata || typeof metadata !== 'object') return {};
  return Object.fromEntries(Object.entries(metadata as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** The message as the gRPC API shows it (sms.v1.Message), or undefined when the store has no such id. */
export async function getMessage(db: Queryable, id: string, clientId?: string): Promise<Message | undefined> {
  return (await getMessages(db, [id], clientId))[0];
}

/**
 * Several messages in one query (WatchStatus's first answer); unknown ids are left out, order is
 * not kept. With clientId, only that account's messages: another's look as if they did not exist.
 */
export async function getMessages(db: Queryable, ids: readonly string[], clientId?: string): Promise<Message[]> {
  if (ids.length === 0) return [];
  const { rows } =
    clientId === undefined
      ? await db.query<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE id = ANY($1::text[])`, [ids])
      : await db.query<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE id = ANY($1::text[]) AND client_id = $2`, [ids, clientId]);
  return rows.map(toMessage);
}
