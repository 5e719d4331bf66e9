import { createHmac } from 'node:crypto';
import { Encoding, InboundAction, InboundMatch, InboundMessage, MessageStatus, StatusEvent } from '@smsgw/shared/util-proto';
import { classifyResponse, inboundWebhookRequest, webhookRequest } from './webhook-request';

const event = StatusEvent.create({
  messageId: '01JD000000000000000000000A',
  status: MessageStatus.DELIVERED,
  previousStatus: MessageStatus.SUBMITTED,
  clientReference: 'order-42',
  carrierId: 'demo',
  encoding: Encoding.GSM7,
  segmentCount: 1,
  segmentsDelivered: 1,
  occurredAtMs: Date.UTC(2026, 10, 26, 9, 0, 1),
  acceptedAtMs: Date.UTC(2026, 10, 26, 9, 0, 0),
  callbackUrl: 'https://example.com/sms/status',
});

describe('webhookRequest', () => {
  it('posts the status change as JSON with names, not enum numbers', () => {
    const req = webhookRequest(event, '');
    expect(req.url).toBe('https://example.com/sms/status');
    expect(JSON.parse(req.body)).toEqual({
      id: '01JD000000000000000000000A',
      status: 'DELIVERED',
      previousStatus: 'SUBMITTED',
      clientReference: 'order-42',
      carrier: 'demo',
      reasonCode: '',
      reason: '',
      encoding: 'gsm7',
      segments: 1,
      segmentsDelivered: 1,
      occurredAt: '2026-11-26T09:00:01.000Z',
      acceptedAt: '2026-11-26T09:00:00.000Z',
    });
    expect(req.headers).toMatchObject({ 'content-type': 'application/json', 'x-smsgw-event-id': '01JD000000000000000000000A.DELIVERED' });
    expect(req.headers['x-smsgw-signature']).toBeUndefined();
  });

  it('signs timestamp and body with the secret', () => {
    const now = Date.UTC(2026, 10, 26, 9, 0, 2);
    const req = webhookRequest(event, 's3cret', now);
    expect(req.headers['x-smsgw-timestamp']).toBe(String(now / 1000));
    const expected = createHmac('sha256', 's3cret').update(`${now / 1000}.${req.body}`).digest('hex');
    expect(req.headers['x-smsgw-signature']).toBe(`sha256=${expected}`);
  });
});

describe('classifyResponse', () => {
  it('retries what may pass later, refuses what will not', () => {
    expect([200, 202, 204].map(classifyResponse)).toEqual(['delivered', 'delivered', 'delivered']);
    expect([408, 429, 500, 502, 503].map(classifyResponse)).toEqual(['retry', 'retry', 'retry', 'retry', 'retry']);
    expect([301, 400, 401, 404, 410].map(classifyResponse)).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
  });
});

describe('inboundWebhookRequest', () => {
  it('posts the routed message with names, the E.164 handset, and its own event id, signed', () => {
    const inbound = InboundMessage.create({
      id: '01JD000000000000000000000B',
      carrierId: 'demo',
      from: '447911123456',
      fromE164: '+447911123456',
      to: '447700900100',
      text: 'STOP',
      receivedAtMs: Date.UTC(2026, 10, 26, 9, 0, 0),
      accountId: 'acct-1',
      relatedMessageId: '01JD000000000000000000000A',
      match: InboundMatch.NUMBER,
      action: InboundAction.OPT_OUT,
      keyword: 'STOP',
      webhookUrl: 'https://example.com/sms/inbound',
      autoReplyMessageId: '01JD000000000000000000000C',
    });
    const req = inboundWebhookRequest(inbound, 'secret', Date.UTC(2026, 10, 26, 9, 0, 5));
    expect(req.url).toBe('https://example.com/sms/inbound');
    expect(JSON.parse(req.body)).toEqual({
      type: 'inbound',
      id: inbound.id,
      accountId: 'acct-1',
      from: '+447911123456',
      to: '447700900100',
      text: 'STOP',
      action: 'opt_out',
      keyword: 'STOP',
      relatedMessageId: '01JD000000000000000000000A',
      match: 'number',
      autoReplyMessageId: '01JD000000000000000000000C',
      carrier: 'demo',
      receivedAt: '2026-11-26T09:00:00.000Z',
    });
    expect(req.headers['x-smsgw-event-id']).toBe(`inbound.${inbound.id}`);
    expect(req.headers['x-smsgw-signature']).toBe(`sha256=${createHmac('sha256', 'secret').update(`${req.headers['x-smsgw-timestamp']}.${req.body}`).digest('hex')}`);
    expect(JSON.parse(inboundWebhookRequest({ ...inbound, action: InboundAction.UNSPECIFIED, match: InboundMatch.UNSPECIFIED }, '').body)).toMatchObject({ action: 'message', match: '' });
  });
});
