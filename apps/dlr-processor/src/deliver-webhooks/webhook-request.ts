import { createHmac } from 'node:crypto';
import { Encoding, MessageStatus, type StatusEvent } from '@smsgw/shared/util-proto';

/** The JSON a callback URL receives for one status change. */
export interface WebhookBody {
  id: string;
  status: string;
  previousStatus: string;
  clientReference: string;
  carrier: string;
  reasonCode: string;
  reason: string;
  encoding: string;
  segments: number;
  segmentsDelivered: number;
  occurredAt: string;
  acceptedAt: string;
}

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : '');
const name = (status: MessageStatus) => MessageStatus[status] ?? 'UNSPECIFIED';

/**
 * The POST for one status event. With a secret, `X-Smsgw-Signature: sha256=<hex>` is the
 * HMAC-SHA256 of `<X-Smsgw-Timestamp>.<body>`: receivers check it and reject old timestamps
 * (replays). `X-Smsgw-Event-Id` (message id + status) lets them drop a repeated delivery.
 */
export function webhookRequest(event: StatusEvent, secret: string, nowMs = Date.now()): WebhookRequest {
  const payload: WebhookBody = {
    id: event.messageId,
    status: name(event.status),
    previousStatus: name(event.previousStatus),
    clientReference: event.clientReference,
    carrier: event.carrierId,
    reasonCode: event.reasonCode,
    reason: event.reason,
    encoding: event.encoding ? (Encoding[event.encoding] ?? '').toLowerCase() : '',
    segments: event.segmentCount,
    segmentsDelivered: event.segmentsDelivered,
    occurredAt: iso(event.occurredAtMs),
    acceptedAt: iso(event.acceptedAtMs),
  };
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(nowMs / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'smsgw-webhooks/1',
    'x-smsgw-event-id': `${event.messageId}.${payload.status}`,
    'x-smsgw-timestamp': timestamp,
  };
  if (secret) headers['x-smsgw-signature'] = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return { url: event.callbackUrl, body, headers };
}

/** What a response (or its absence) means: done, try again later, or never (the receiver refuses it). */
export type AttemptOutcome = 'delivered' | 'retry' | 'refused';

export function classifyResponse(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  // Timeouts, rate limits and server errors pass; other 4xx (bad URL, auth) will not.
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'refused';
}
