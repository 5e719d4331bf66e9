// JSON Schemas of the HTTP API: Fastify validates requests (ajv) and serialises responses
// (fast-json-stringify) with these objects, and the OpenAPI document is built from the same ones,
// so what is documented is what is enforced. Field names are the protos' JSON names (proto3 JSON
// mapping: lowerCamelCase, Timestamp as RFC 3339); enum values are the short names the webhooks
// and the CLI use ("DELIVERED", "gsm7"). Only keywords that mean the same in JSON Schema draft-07
// (ajv's default) and 2020-12 (OpenAPI 3.1) are used.
import { ENCODING_NAMES } from '@smsgw/shared/util-proto';

export type JsonSchema = Record<string, unknown>;

export const MESSAGE_STATUSES = ['SCHEDULED', 'HELD', 'ACCEPTED', 'ROUTED', 'SUBMITTED', 'DELIVERED', 'UNDELIVERED', 'EXPIRED', 'REJECTED', 'FAILED', 'CANCELED'];
export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH'];

const timestamp = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description });
const status: JsonSchema = { type: 'string', enum: MESSAGE_STATUSES, description: 'Where the message is in its life; statuses only move forward.' };
const encoding: JsonSchema = { type: 'string', enum: [...ENCODING_NAMES], description: 'Character set on the air interface.' };

export const SendRequestSchema: JsonSchema = {
  type: 'object',
  description: 'One SMS to send (sms.v1.SendRequest). Unknown fields are refused (VALIDATION.UNKNOWN_FIELD), so a misspelt field never goes unnoticed.',
  additionalProperties: false,
  properties: {
    to: { type: 'string', description: 'Destination: E.164 ("+447911123456") or national in the gateway\'s default region. Required.' },
    from: { type: 'string', description: 'Sender id: alphanumeric (1-11 of [A-Za-z0-9 ]) or numeric (up to 15 digits). Required.' },
    text: { type: 'string', description: 'Message body (Unicode); the gateway picks the encoding and segments. Required.' },
    clientReference: { type: 'string', description: 'Your reference, returned with every status (at most 64 characters).' },
    idempotencyKey: { type: 'string', description: 'Makes retries safe: a repeat with the same key returns the first message. The Idempotency-Key header sets it too.' },
    sendAtMs: { type: ['integer', 'string'], pattern: '^-?[0-9]{1,19}$', description: 'When to send, Unix epoch milliseconds (proto3 JSON int64: a number or a decimal string); 0 or the past means now.' },
    validitySeconds: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'How long the carrier keeps trying; 0 is the carrier\'s default.' },
    priority: { type: 'string', enum: PRIORITIES, description: 'Delivery priority; HIGH for one-time passwords.' },
    callbackUrl: { type: 'string', description: 'URL that receives a POST for each status change.' },
    metadata: { type: 'object', additionalProperties: { type: 'string' }, description: 'Free-form string pairs carried with the message (16 entries, 2048 characters).' },
    smartEncoding: { type: 'boolean', description: 'Replace look-alike characters by GSM ones when that avoids UCS-2.' },
  },
};

export const SendResponseSchema: JsonSchema = {
  type: 'object',
  description: 'An accepted message (sms.v1.SendResponse).',
  required: ['id', 'status', 'encoding', 'segments', 'acceptedAt', 'duplicate'],
  properties: {
    id: { type: 'string', description: 'The gateway\'s id: a ULID, sortable by acceptance time.' },
    status: { type: 'string', enum: ['ACCEPTED', 'SCHEDULED', 'HELD'], description: 'ACCEPTED; SCHEDULED when sendAtMs is in the future; HELD when SMS-pumping protection (policy "hold") keeps it for an operator to release or reject.' },
    encoding,
    segments: { type: 'integer', description: 'SMS parts the message takes with that encoding.' },
    acceptedAt: timestamp('When the gateway accepted the message.'),
    duplicate: { type: 'boolean', description: 'True when the idempotency key matched an earlier request and this is its message.' },
  },
};

export const SendErrorSchema: JsonSchema = {
  type: 'object',
  description: 'Why one message of a batch was refused (sms.v1.SendError).',
  required: ['code', 'field', 'message'],
  properties: {
    code: { type: 'string', description: 'Stable code, e.g. VALIDATION.INVALID_DESTINATION.' },
    field: { type: 'string', description: 'The request field at fault (proto name), e.g. "to"; empty when none.' },
    message: { type: 'string', description: 'What was wrong and what to do.' },
  },
};

export const SendBatchRequestSchema: JsonSchema = {
  type: 'object',
  description: 'Many messages in one call (sms.v1.SendBatchRequest); each is answered on its own.',
  additionalProperties: false,
  required: ['messages'],
  properties: { messages: { type: 'array', items: SendRequestSchema, description: '1 to INGEST_MAX_BATCH (1000) messages.' } },
};

export const SendBatchResponseSchema: JsonSchema = {
  type: 'object',
  description: 'results[i] answers messages[i]: accepted or error.',
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      items: { type: 'object', properties: { accepted: SendResponseSchema, error: SendErrorSchema } },
    },
  },
};

export const MessageSchema: JsonSchema = {
  type: 'object',
  description: 'A message as the gateway knows it now (sms.v1.Message). Timestamps not reached yet are left out.',
  required: ['id', 'status', 'to', 'from', 'clientReference', 'encoding', 'segments', 'segmentsDelivered', 'carrier', 'reasonCode', 'reason', 'metadata'],
  properties: {
    id: { type: 'string' },
    status,
    to: { type: 'string', description: 'Destination, E.164.' },
    from: { type: 'string' },
    clientReference: { type: 'string' },
    encoding: { type: 'string', enum: [...ENCODING_NAMES, ''], description: 'Encoding used; empty before the encoder ran.' },
    segments: { type: 'integer' },
    segmentsDelivered: { type: 'integer', description: 'Segments the handset received, by receipt.' },
    carrier: { type: 'string', description: 'The carrier it was sent through; empty before routing.' },
    reasonCode: { type: 'string', description: 'Why a final status is not DELIVERED, e.g. NO_ROUTE or SMPP.ESME_RINVDSTADR.' },
    reason: { type: 'string' },
    acceptedAt: timestamp('When the gateway accepted the message.'),
    submittedAt: timestamp('When the carrier accepted the last segment.'),
    completedAt: timestamp('When the message reached its final status.'),
    updatedAt: timestamp('When the status last changed.'),
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

export const StatusUpdateSchema: JsonSchema = {
  type: 'object',
  description: 'One status change (sms.v1.StatusUpdate): the data of each "status" event of an event stream.',
  required: ['id', 'status', 'reasonCode', 'reason', 'clientReference'],
  properties: {
    id: { type: 'string' },
    status,
    reasonCode: { type: 'string' },
    reason: { type: 'string' },
    clientReference: { type: 'string' },
    updatedAt: timestamp('When the change happened.'),
  },
};

export const CancelResponseSchema: JsonSchema = {
  type: 'object',
  description: 'The outcome of a cancel (sms.v1.CancelMessageResponse).',
  required: ['canceled', 'status'],
  properties: {
    canceled: { type: 'boolean', description: 'True when the message is now CANCELED (only a SCHEDULED or HELD message can be).' },
    status,
  },
};

export const ProblemSchema: JsonSchema = {
  type: 'object',
  description: 'An error (RFC 9457 problem details, application/problem+json) with the stable code gRPC uses.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: 'urn:smsgw:problem:<code>.' },
    title: { type: 'string', description: 'A short summary of the code.' },
    status: { type: 'integer', description: 'The HTTP status.' },
    detail: { type: 'string', description: 'What was wrong and what to do.' },
    code: { type: 'string', description: 'Stable code, e.g. VALIDATION.INVALID_DESTINATION, AUTH.MISSING_KEY, RATE.LIMITED.' },
    field: { type: 'string', description: 'The request field at fault (JSON name or pointer), when there is one.' },
    retryAfterMs: { type: 'integer', description: 'RATE.LIMITED: when to retry, in ms (the Retry-After header has it in seconds).' },
  },
};

export const MessageIdParams: JsonSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64, description: 'The id returned by POST /v1/messages.' } },
};

export const IdempotencyHeaders: JsonSchema = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', description: 'Sets idempotencyKey (at most 128 characters); a body with another key is refused.' } },
};

export const WatchQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ids'],
  properties: { ids: { type: 'string', description: 'Comma-separated message ids, 1 to 1000.' } },
};

const strings = (description: string): JsonSchema => ({ type: 'array', items: { type: 'string' }, description });

export const AccountPolicySchema: JsonSchema = {
  type: 'object',
  description: 'What the account may send (sms.v1.AccountPolicy): the rules every send is checked against.',
  required: ['senders', 'countries', 'allowedNumberTypes', 'callbackHttp', 'callbackPrivate', 'ratePerSecond', 'rateBurst', 'pumpingMode', 'pumpingMinPerMinute', 'pumpingFactor', 'defaultSender', 'emailSenders', 'emailReports'],
  properties: {
    senders: strings('Sender ids allowed: exact values, or a prefix ending in "*"; empty: any.'),
    countries: strings('ISO 3166 alpha-2 destination countries allowed; empty: any.'),
    allowedNumberTypes: strings('Number types blocked by default that this account may send to (PREMIUM_RATE, …).'),
    callbackHttp: { type: 'boolean', description: 'callbackUrl may be http (otherwise https only).' },
    callbackPrivate: { type: 'boolean', description: 'callbackUrl may name a private or loopback address.' },
    ratePerSecond: { type: 'integer', description: 'Messages per second on average, across every ingest replica.' },
    rateBurst: { type: 'integer', description: 'The most messages at once.' },
    pumpingMode: { type: 'string', enum: ['off', 'monitor', 'refuse', 'hold'], description: 'SMS-pumping protection per destination country: hold accepts messages above the limit as HELD, for an operator to release or reject.' },
    pumpingMinPerMinute: { type: 'integer', description: 'Messages per minute to one country always allowed.' },
    pumpingFactor: { type: 'number', description: 'Above that floor, a minute may hold this many times the usual rate to the country.' },
    defaultSender: { type: 'string', description: 'The sender id channels use when a message names none; empty: none.' },
    emailSenders: strings('Envelope senders allowed for email-to-SMS; empty: any.'),
    emailReports: { type: 'boolean', description: 'Email-to-SMS: mail a delivery report once every SMS of a mail is final.' },
  },
};

export const UsageRowSchema: JsonSchema = {
  type: 'object',
  description: 'Messages accepted on one day that have one status now (sms.v1.UsageRow).',
  required: ['day', 'status', 'messages', 'segments'],
  properties: {
    day: { type: 'string', description: '"YYYY-MM-DD" (UTC) of acceptance.' },
    status,
    messages: { type: 'integer', description: 'How many messages.' },
    segments: { type: 'integer', description: 'The segments they take.' },
  },
};

const micros = (description: string): JsonSchema => ({ type: 'integer', description: `${description} In micro-units of currency (0.0125 EUR = 12500).` });

export const SpendRowSchema: JsonSchema = {
  type: 'object',
  description: "A prepaid account's money movements of one day (UTC, of the ledger entry) in one currency (sms.v1.SpendRow).",
  required: ['day', 'currency', 'reservedMicros', 'settledMicros', 'refundedMicros', 'creditedMicros'],
  properties: {
    day: { type: 'string', description: '"YYYY-MM-DD" (UTC).' },
    currency: { type: 'string', description: 'ISO 4217, e.g. "EUR".' },
    reservedMicros: micros('Worst-case prices reserved at accept.'),
    settledMicros: micros('What routed messages cost (routed price × segments); the rest of their reservation went back to the balance.'),
    refundedMicros: micros('Reservations given back in full (messages that failed before any carrier).'),
    creditedMicros: micros('Credits added by an admin.'),
  },
};

export const UsageSchema: JsonSchema = {
  type: 'object',
  description: 'An account\'s usage by day and status, from the status store (sms.v1.Usage); days and statuses without messages are left out.',
  required: ['accountId', 'fromDay', 'toDay', 'rows', 'spend'],
  properties: {
    accountId: { type: 'string' },
    fromDay: { type: 'string', description: 'The first day counted, "YYYY-MM-DD" (UTC).' },
    toDay: { type: 'string', description: 'The last day counted, included.' },
    rows: { type: 'array', items: UsageRowSchema, description: 'By day, then status.' },
    spend: { type: 'array', items: SpendRowSchema, description: "A prepaid account's spend by day, then currency; empty for an unlimited account." },
  },
};

export const CallerAccountSchema: JsonSchema = {
  type: 'object',
  description: 'Who the API key belongs to (sms.v1.CallerAccount), with today\'s usage.',
  required: ['accountId', 'accountName', 'keyId', 'policy', 'usageToday'],
  properties: {
    accountId: { type: 'string', description: 'The account id (what other calls name as the owner of messages).' },
    accountName: { type: 'string', description: 'The account\'s name.' },
    keyId: { type: 'string', description: 'The public id of the key used for this call.' },
    policy: AccountPolicySchema,
    usageToday: UsageSchema,
  },
};

export const InboundSmsSchema: JsonSchema = {
  type: 'object',
  description: 'A mobile-originated message for the account (sms.v1.InboundSms): a reply, or an opt-out, opt-in or help keyword.',
  required: ['id', 'from', 'to', 'text', 'receivedAtMs', 'relatedMessageId', 'action', 'keyword', 'autoReplyMessageId', 'carrier'],
  properties: {
    id: { type: 'string', description: 'The gateway\'s id for the inbound message (ULID).' },
    from: { type: 'string', description: 'The handset, E.164 when it is a number.' },
    to: { type: 'string', description: 'The account\'s number, short code or sender it was sent to.' },
    text: { type: 'string' },
    receivedAtMs: { type: 'integer', description: 'When the carrier delivered it, Unix epoch milliseconds.' },
    relatedMessageId: { type: 'string', description: 'The last message the account sent to this handset from this number (the one replied to), if any; GET /v1/messages/{id} reads it.' },
    action: { type: 'string', enum: ['message', 'opt_out', 'opt_in', 'help'], description: 'What the gateway made of it.' },
    keyword: { type: 'string', description: 'The keyword matched (upper case), if any.' },
    autoReplyMessageId: { type: 'string', description: 'The automatic reply sent for a keyword, if any (a message id).' },
    carrier: { type: 'string', description: 'The carrier it came from.' },
  },
};

export const InboundPageSchema: JsonSchema = {
  type: 'object',
  description: 'One page of inbound messages, newest first.',
  required: ['messages', 'nextCursor'],
  properties: {
    messages: { type: 'array', items: InboundSmsSchema },
    nextCursor: { type: 'string', description: 'Pass as cursor for the next (older) page; empty when this is the last.' },
  },
};

export const InboundQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cursor: { type: 'string', maxLength: 20, description: 'The nextCursor of the previous page; none for the newest messages.' },
    limit: { type: 'string', maxLength: 4, description: 'Messages a page, 1 to 200 (default 50).' },
    since: { type: 'string', maxLength: 40, description: 'Only messages received at or after this RFC 3339 time, e.g. 2026-12-01T00:00:00Z.' },
    from: { type: 'string', maxLength: 20, description: 'Only messages from this handset (E.164, "+" optional).' },
    to: { type: 'string', maxLength: 20, description: 'Only messages to this number of the account (digits, "+" optional).' },
  },
};

export const InboundEventsQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { afterId: { type: 'string', maxLength: 64, description: 'Start after this inbound id (the last one seen: a reconnecting client misses nothing); none: only messages routed from now on.' } },
};

export const UsageQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    fromDay: { type: 'string', maxLength: 10, description: 'First day, YYYY-MM-DD (UTC); none: 29 days before toDay.' },
    toDay: { type: 'string', maxLength: 10, description: 'Last day, included; none: today (UTC). At most 366 days in all.' },
  },
};

/** Names for the OpenAPI document's components: these objects appear there once, as $ref elsewhere. */
export const NAMED_SCHEMAS: Record<string, JsonSchema> = {
  SendRequest: SendRequestSchema,
  SendResponse: SendResponseSchema,
  SendError: SendErrorSchema,
  SendBatchRequest: SendBatchRequestSchema,
  SendBatchResponse: SendBatchResponseSchema,
  Message: MessageSchema,
  StatusUpdate: StatusUpdateSchema,
  CancelMessageResponse: CancelResponseSchema,
  Problem: ProblemSchema,
  AccountPolicy: AccountPolicySchema,
  CallerAccount: CallerAccountSchema,
  Usage: UsageSchema,
  UsageRow: UsageRowSchema,
  SpendRow: SpendRowSchema,
  InboundSms: InboundSmsSchema,
  InboundPage: InboundPageSchema,
};
