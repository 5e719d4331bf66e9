import { createHmac } from 'node:crypto';
import { InboundAction, InboundMatch, MessageStatus, type InboundMessage, type StatusEvent, encodingName } from '@smsgw/shared/util-proto';

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
    encoding: encodingName(event.encoding),
    segments: event.segmentCount,
    segmentsDelivered: event.segmentsDelivered,
    occurredAt: iso(event.occurredAtMs),
    acceptedAt: iso(event.acceptedAtMs),
  };
  return signedRequest(event.callbackUrl, JSON.stringify(payload), `${event.messageId}.${payload.status}`, secret, nowMs);
}

/** The JSON an account's inbound webhook receives for one inbound message. */
export interface InboundWebhookBody {
  type: 'inbound';
  id: string;
  accountId: string;
  from: string;
  to: string;
  text: string;
  /** "message" (a reply), "opt_out", "opt_in" or "help". */
  action: string;
  keyword: string;
  /** The account's last message to the handset from this number, if any. */
  relatedMessageId: string;
  /** "keyword", "number" or "conversation". */
  match: string;
  autoReplyMessageId: string;
  carrier: string;
  receivedAt: string;
}

const ACTION_NAMES: Record<number, string> = { [InboundAction.OPT_OUT]: 'opt_out', [InboundAction.OPT_IN]: 'opt_in', [InboundAction.HELP]: 'help' };
const MATCH_NAMES: Record<number, string> = { [InboundMatch.KEYWORD]: 'keyword', [InboundMatch.NUMBER]: 'number', [InboundMatch.CONVERSATION]: 'conversation' };

/** The POST for one routed inbound message, signed like status callbacks; X-Smsgw-Event-Id is "inbound.<id>". */
export function inboundWebhookRequest(event: InboundMessage, secret: string, nowMs = Date.now()): WebhookRequest {
  const payload: InboundWebhookBody = {
    type: 'inbound',
    id: event.id,
    accountId: event.accountId,
    from: event.fromE164 || event.from,
    to: event.to,
    text: event.text,
    action: ACTION_NAMES[event.action] ?? 'message',
    keyword: event.keyword,
    relatedMessageId: event.relatedMessageId,
    match: MATCH_NAMES[event.match] ?? '',
    autoReplyMessageId: event.autoReplyMessageId,
    carrier: event.carrierId,
    receivedAt: iso(event.receivedAtMs),
  };
  return signedRequest(event.webhookUrl, JSON.stringify(payload), `inbound.${event.id}`, secret, nowMs);
}

function signedRequest(url: string, body: string, eventId: string, secret: string, nowMs: number): WebhookRequest {
  const timestamp = String(Math.floor(nowMs / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'smsgw-webhooks/1',
    'x-smsgw-event-id': eventId,
    'x-smsgw-timestamp': timestamp,
  };
  if (secret) headers['x-smsgw-signature'] = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return { url, body, headers };
}

/** What a response (or its absence) means: done, try again later, or never (the receiver refuses it). */
export type AttemptOutcome = 'delivered' | 'retry' | 'refused';

export function classifyResponse(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  // Timeouts, rate limits and server errors pass; other 4xx (bad URL, auth) will not.
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'refused';
}
