// Between the HTTP API's JSON (schemas.ts) and the protobuf types the use cases take and give.
import { MessageStatus, Priority, SendRequest, millisFromTimestamp, type CallerAccount, type CancelMessageResponse, type Message, type SendResponse, type SendResult, type StatusUpdate, type Timestamp, type Usage, encodingName } from '@smsgw/shared/util-proto';

/** A SendRequest body as the schema lets it through. */
export interface SendRequestJson {
  to?: string;
  from?: string;
  text?: string;
  clientReference?: string;
  idempotencyKey?: string;
  sendAtMs?: number | string;
  validitySeconds?: number;
  priority?: 'LOW' | 'NORMAL' | 'HIGH';
  callbackUrl?: string;
  metadata?: Record<string, string>;
  smartEncoding?: boolean;
}

const PRIORITY = { LOW: Priority.LOW, NORMAL: Priority.NORMAL, HIGH: Priority.HIGH } as const;

export function sendRequestFromJson(body: SendRequestJson): SendRequest {
  return SendRequest.create({
    to: body.to,
    from: body.from,
    text: body.text,
    clientReference: body.clientReference,
    idempotencyKey: body.idempotencyKey,
    sendAtMs: body.sendAtMs === undefined ? 0 : Number(body.sendAtMs),
    validitySeconds: body.validitySeconds,
    priority: body.priority ? PRIORITY[body.priority] : Priority.UNSPECIFIED,
    callbackUrl: body.callbackUrl,
    metadata: body.metadata,
    smartEncoding: body.smartEncoding,
  });
}

const statusName = (s: MessageStatus) => MessageStatus[s] ?? 'UNSPECIFIED';
/** RFC 3339, as the proto3 JSON mapping writes a Timestamp; undefined (left out) when unset. */
const rfc3339 = (ts: Timestamp | undefined) => {
  const ms = millisFromTimestamp(ts);
  return ms ? new Date(ms).toISOString() : undefined;
};

export const sendResponseJson = (r: SendResponse) => ({ id: r.id, status: statusName(r.status), encoding: encodingName(r.encoding), segments: r.segments, acceptedAt: rfc3339(r.acceptedAt), duplicate: r.duplicate });

export const sendResultJson = (r: SendResult) => (r.accepted ? { accepted: sendResponseJson(r.accepted) } : { error: r.error });

export const messageJson = (m: Message) => ({
  id: m.id,
  status: statusName(m.status),
  to: m.to,
  from: m.from,
  clientReference: m.clientReference,
  encoding: encodingName(m.encoding),
  segments: m.segments,
  segmentsDelivered: m.segmentsDelivered,
  carrier: m.carrier,
  reasonCode: m.reasonCode,
  reason: m.reason,
  acceptedAt: rfc3339(m.acceptedAt),
  submittedAt: rfc3339(m.submittedAt),
  completedAt: rfc3339(m.completedAt),
  updatedAt: rfc3339(m.updatedAt),
  metadata: m.metadata,
});

export const statusUpdateJson = (u: StatusUpdate) => ({ id: u.id, status: statusName(u.status), reasonCode: u.reasonCode, reason: u.reason, clientReference: u.clientReference, updatedAt: rfc3339(u.updatedAt) });

export const cancelJson = (c: CancelMessageResponse) => ({ canceled: c.canceled, status: statusName(c.status) });

export const usageJson = (u: Usage) => ({ accountId: u.accountId, fromDay: u.fromDay, toDay: u.toDay, rows: u.rows.map((r) => ({ day: r.day, status: statusName(r.status), messages: r.messages, segments: r.segments })), spend: u.spend });

export const callerAccountJson = (a: CallerAccount, usageToday: Usage) => ({ accountId: a.accountId, accountName: a.accountName, keyId: a.keyId, policy: a.policy, usageToday: usageJson(usageToday) });
