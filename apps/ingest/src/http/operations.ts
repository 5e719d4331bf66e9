import * as S from './schemas';
import type { JsonSchema } from './schemas';

/** One operation of the HTTP API: what Fastify registers (url, schema) and what OpenAPI documents (path, texts). */
export interface ApiOperation {
  operationId: 'sendMessage' | 'sendBatch' | 'getMessage' | 'cancelMessage' | 'watchStatus' | 'watchMessage' | 'getAccount' | 'getUsage' | 'listInbound' | 'watchInbound' | 'openApi';
  method: 'GET' | 'POST';
  /** OpenAPI path template. */
  path: string;
  /** Fastify route (find-my-way: "::" is a literal ":"). */
  url: string;
  summary: string;
  description: string;
  /** false: no API key needed. */
  auth: boolean;
  bodyLimit?: number;
  schema: { body?: JsonSchema; params?: JsonSchema; querystring?: JsonSchema; headers?: JsonSchema };
  /** Success: status → [description, content type, schema]. */
  ok: Record<number, [string, string, JsonSchema]>;
  /** Error statuses this operation may answer with a Problem, beyond the common ones. */
  problems: number[];
}

/** One message and its JSON escapes fit easily; a batch of INGEST_MAX_BATCH large messages too (gRPC's limit). */
export const MESSAGE_BODY_LIMIT = 1 << 20;
export const BATCH_BODY_LIMIT = 16 << 20;

const SSE = 'text/event-stream';
const JSON_TYPE = 'application/json';
const eventStream: JsonSchema = {
  type: 'string',
  description:
    'Server-Sent Events. Each change: "event: status" with data a StatusUpdate (JSON, see components); once every message is final: "event: end"; a refusal mid-stream (key revoked): "event: error" with data a Problem. A comment line every 15 s keeps proxies from closing an idle stream. A reconnecting client starts again from each message\'s current status.',
};

const inboundStream: JsonSchema = {
  type: 'string',
  description:
    'Server-Sent Events. Each message: "event: inbound", its id as the event id, data an InboundSms (JSON, see components); a refusal mid-stream (key revoked): "event: error" with data a Problem. A comment line every 15 s keeps proxies from closing an idle stream. Reconnect with afterId set to the last id seen.',
};

export const API_OPERATIONS: ApiOperation[] = [
  {
    operationId: 'sendMessage',
    method: 'POST',
    path: '/v1/messages',
    url: '/v1/messages',
    summary: 'Send one SMS',
    description: 'Answers 202 once the message is durably accepted (on Kafka, acks=all), with the same fields as gRPC Send. A repeat with the same Idempotency-Key answers the first message (duplicate: true).',
    auth: true,
    bodyLimit: MESSAGE_BODY_LIMIT,
    schema: { body: S.SendRequestSchema, headers: S.IdempotencyHeaders },
    ok: { 202: ['Accepted (or SCHEDULED when sendAtMs is ahead).', JSON_TYPE, S.SendResponseSchema] },
    problems: [400, 403, 413, 415, 429],
  },
  {
    operationId: 'sendBatch',
    method: 'POST',
    path: '/v1/messages:batch',
    url: '/v1/messages::batch',
    summary: 'Send up to 1000 SMS in one call',
    description: 'Each message is validated and answered on its own (results[i] answers messages[i]); the valid ones are published in one produce request. Over the rate limit every valid message gets RATE.LIMITED.',
    auth: true,
    bodyLimit: BATCH_BODY_LIMIT,
    schema: { body: S.SendBatchRequestSchema },
    ok: { 200: ['One result per message, in request order.', JSON_TYPE, S.SendBatchResponseSchema] },
    problems: [400, 413, 415],
  },
  {
    operationId: 'watchStatus',
    method: 'GET',
    path: '/v1/messages/events',
    url: '/v1/messages/events',
    summary: 'Stream status changes of several messages',
    description: 'The same stream as gRPC WatchStatus, as Server-Sent Events; ends when every message is final. Ids of other accounts never appear.',
    auth: true,
    schema: { querystring: S.WatchQuery },
    ok: { 200: ['The event stream.', SSE, eventStream] },
    problems: [400],
  },
  {
    operationId: 'getMessage',
    method: 'GET',
    path: '/v1/messages/{id}',
    url: '/v1/messages/:id',
    summary: 'Read one message',
    description: 'The current state of one of your messages; another account\'s id answers 404, as if it did not exist.',
    auth: true,
    schema: { params: S.MessageIdParams },
    ok: { 200: ['The message.', JSON_TYPE, S.MessageSchema] },
    problems: [404],
  },
  {
    operationId: 'watchMessage',
    method: 'GET',
    path: '/v1/messages/{id}/events',
    url: '/v1/messages/:id/events',
    summary: 'Stream status changes of one message',
    description: 'As GET /v1/messages/events?ids={id}.',
    auth: true,
    schema: { params: S.MessageIdParams },
    ok: { 200: ['The event stream.', SSE, eventStream] },
    problems: [],
  },
  {
    operationId: 'cancelMessage',
    method: 'POST',
    path: '/v1/messages/{id}:cancel',
    url: '/v1/messages/:id(^[^:/]+)::cancel',
    summary: 'Cancel a scheduled message',
    description: 'Cancels a SCHEDULED message before its send time (canceled: true, status CANCELED); any other message is on its way and is left as it is (canceled: false and its status). No body is needed.',
    auth: true,
    schema: { params: S.MessageIdParams },
    ok: { 200: ['The outcome.', JSON_TYPE, S.CancelResponseSchema] },
    problems: [404],
  },
  {
    operationId: 'getAccount',
    method: 'GET',
    path: '/v1/account',
    url: '/v1/account',
    summary: 'Who am I: the key\'s account, its policy and today\'s usage',
    description: 'The account the API key belongs to (as gRPC GetCallerAccount), with its usage today (UTC). A quick way to check a key: 200 for a good one, 401/403 with the reason otherwise.',
    auth: true,
    schema: {},
    ok: { 200: ['The account.', JSON_TYPE, S.CallerAccountSchema] },
    problems: [403],
  },
  {
    operationId: 'getUsage',
    method: 'GET',
    path: '/v1/usage',
    url: '/v1/usage',
    summary: 'Messages and segments by day and status, and spend by day',
    description: 'The account\'s messages by day of acceptance (UTC) and current status, and a prepaid account\'s spend by day and currency (reserved, settled, refunded), as gRPC GetUsage; by default the last 30 days.',
    auth: true,
    schema: { querystring: S.UsageQuery },
    ok: { 200: ['The usage.', JSON_TYPE, S.UsageSchema] },
    problems: [400, 403],
  },
  {
    operationId: 'listInbound',
    method: 'GET',
    path: '/v1/inbound',
    url: '/v1/inbound',
    summary: 'List inbound (mobile-originated) messages',
    description: 'Replies and keywords handsets sent to the account\'s numbers, newest first, a page at a time (nextCursor); filter by handset (from), number (to) and time (since). A reply carries relatedMessageId, the message it answers.',
    auth: true,
    schema: { querystring: S.InboundQuery },
    ok: { 200: ['A page of inbound messages.', JSON_TYPE, S.InboundPageSchema] },
    problems: [400, 403],
  },
  {
    operationId: 'watchInbound',
    method: 'GET',
    path: '/v1/inbound/events',
    url: '/v1/inbound/events',
    summary: 'Stream new inbound messages',
    description: 'The same stream as gRPC WatchInbound, as Server-Sent Events: each inbound message routed to the account after afterId (or from now on), oldest first, until the caller disconnects.',
    auth: true,
    schema: { querystring: S.InboundEventsQuery },
    ok: { 200: ['The event stream.', SSE, inboundStream] },
    problems: [400, 403],
  },
  {
    operationId: 'openApi',
    method: 'GET',
    path: '/v1/openapi.json',
    url: '/v1/openapi.json',
    summary: 'This document',
    description: 'The OpenAPI 3.1 document of the HTTP API, built from the schemas that validate the requests.',
    auth: false,
    schema: {},
    ok: { 200: ['OpenAPI 3.1.', JSON_TYPE, { type: 'object' }] },
    problems: [],
  },
];
