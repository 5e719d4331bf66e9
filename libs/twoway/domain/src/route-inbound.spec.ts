import { canonicalNumber, handsetE164, parseHandset, validateInboundNumber } from './inbound-address';
import { autoReplyText, DEFAULT_INBOUND_SETTINGS, isSuppressed, replyMessageId, suppressionSender, validateInboundSettings } from './opt-out';
import { routeInbound, type Conversation } from './route-inbound';

const conv = (accountId: string, messageId: string, sentAtMs: number): Conversation => ({ accountId, messageId, sentAtMs });

describe('routeInbound', () => {
  const talks = [conv('a', 'm-a1', 100), conv('b', 'm-b1', 300), conv('a', 'm-a2', 200)];

  it('gives a held number to its account, joined to that account\'s last message to the handset', () => {
    expect(routeInbound('Yes please', [{ accountId: 'a', keyword: '' }], talks)).toEqual({ accountId: 'a', match: 'number', keyword: '', relatedMessageId: 'm-a2' });
  });

  it('picks the account by keyword on a shared short code, before the whole-number holder', () => {
    const holders = [{ accountId: 'a', keyword: '' }, { accountId: 'b', keyword: 'PIZZA' }];
    expect(routeInbound('pizza large', holders, talks)).toEqual({ accountId: 'b', match: 'keyword', keyword: 'PIZZA', relatedMessageId: 'm-b1' });
    expect(routeInbound('burger', holders, talks)).toMatchObject({ accountId: 'a', match: 'number' });
  });

  it('without a holder, joins the last conversation of any account; among keyword holders, of theirs', () => {
    expect(routeInbound('ok', [], talks)).toEqual({ accountId: 'b', match: 'conversation', keyword: '', relatedMessageId: 'm-b1' });
    expect(routeInbound('STOP', [{ accountId: 'a', keyword: 'PIZZA' }], talks)).toEqual({ accountId: 'a', match: 'conversation', keyword: '', relatedMessageId: 'm-a2' });
    expect(routeInbound('ok', [], [])).toBeUndefined();
    expect(routeInbound('ok', [{ accountId: 'a', keyword: 'PIZZA' }], [conv('b', 'x', 1)])).toBeUndefined();
  });

  it('has an empty related id when the holder never wrote to the handset', () => {
    expect(routeInbound('hi', [{ accountId: 'c', keyword: '' }], talks)).toMatchObject({ accountId: 'c', relatedMessageId: '' });
  });
});

describe('addresses', () => {
  it('spells numbers one way', () => {
    expect(canonicalNumber('+44 7700 900100')).toBe('447700900100');
    expect(canonicalNumber('ACME ')).toBe('ACME');
    expect(handsetE164('447911123456')).toBe('+447911123456');
    expect(handsetE164('ACME')).toBe('');
    expect(validateInboundNumber('+447700900100')).toBe('447700900100');
    expect(validateInboundNumber('60123')).toBe('60123');
    expect(() => validateInboundNumber('12')).toThrow(expect.objectContaining({ code: 'INBOUND.INVALID_NUMBER' }));
    expect(parseHandset('07911 123456', 'GB')).toBe('+447911123456');
    expect(() => parseHandset('hello', 'GB')).toThrow(expect.objectContaining({ code: 'INBOUND.INVALID_NUMBER' }));
  });
});

describe('opt-out rules', () => {
  it('suppresses account-wide or per sender', () => {
    expect(suppressionSender('account', '447700900100')).toBe('');
    expect(suppressionSender('sender', '+447700900100')).toBe('447700900100');
    expect(isSuppressed([''], 'ANY')).toBe(true);
    expect(isSuppressed(['447700900100'], '+447700900100')).toBe(true);
    expect(isSuppressed(['447700900100'], 'ACME')).toBe(false);
    expect(isSuppressed([], 'ACME')).toBe(false);
  });

  it('replies with the account\'s text, else the default; "-" for none', () => {
    const defaults = { stop: 'You are unsubscribed.', start: 'Welcome back.', help: '' };
    expect(autoReplyText('opt_out', DEFAULT_INBOUND_SETTINGS, defaults)).toBe('You are unsubscribed.');
    expect(autoReplyText('opt_in', { ...DEFAULT_INBOUND_SETTINGS, startReply: 'Hi again' }, defaults)).toBe('Hi again');
    expect(autoReplyText('opt_out', { ...DEFAULT_INBOUND_SETTINGS, stopReply: '-' }, defaults)).toBeUndefined();
    expect(autoReplyText('help', DEFAULT_INBOUND_SETTINGS, defaults)).toBeUndefined();
  });

  it('validates settings', () => {
    expect(() => validateInboundSettings({ ...DEFAULT_INBOUND_SETTINGS, optoutScope: 'world' as never })).toThrow(expect.objectContaining({ code: 'INBOUND.INVALID_SETTINGS' }));
    expect(() => validateInboundSettings({ ...DEFAULT_INBOUND_SETTINGS, helpReply: 'x'.repeat(481) })).toThrow(/help_reply/);
  });

  it('gives the same reply id for the same inbound message, a ULID with its time', () => {
    const id = replyMessageId('01JDX7M9Q8ABCDEFGHJKMNPQRS');
    expect(id).toMatch(/^01JDX7M9Q8[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(replyMessageId('01JDX7M9Q8ABCDEFGHJKMNPQRS')).toBe(id);
    expect(replyMessageId('01JDX7M9Q8ABCDEFGHJKMNPQRT')).not.toBe(id);
  });
});
