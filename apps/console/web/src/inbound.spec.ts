import { actionLabel, formatMicros, mergeInbound, usageByDay, utcDay, type InboundSms } from './inbound';

const sms = (id: string, receivedAtMs: number, extra: Partial<InboundSms> = {}): InboundSms => ({ id, from: '+447911123456', to: '447700900123', text: id, receivedAtMs, relatedMessageId: '', action: 'message', keyword: '', autoReplyMessageId: '', carrier: 'demo', ...extra });

describe('mergeInbound', () => {
  it('puts new messages first, newest first, each id once; the same array when nothing is new', () => {
    const list = mergeInbound([], [sms('a', 1), sms('b', 3)]);
    expect(list.map((m) => m.id)).toEqual(['b', 'a']);
    const next = mergeInbound(list, [sms('c', 5), sms('b', 3), sms('c', 5)]);
    expect(next.map((m) => m.id)).toEqual(['c', 'b', 'a']);
    expect(mergeInbound(next, [sms('a', 1)])).toBe(next);
    // An older page appended by "Load older" goes below.
    expect(mergeInbound(next, [sms('z', 0)]).map((m) => m.id)).toEqual(['c', 'b', 'a', 'z']);
  });
});

describe('actionLabel', () => {
  it('says what the message was, with the keyword of a keyword', () => {
    expect(actionLabel({ action: 'message', keyword: '' })).toBe('Reply');
    expect(actionLabel({ action: 'opt_out', keyword: 'STOP' })).toBe('Opted out (STOP)');
  });
});

describe('usageByDay', () => {
  it('groups by day, newest first, with totals', () => {
    const days = usageByDay([
      { day: '2026-12-01', status: 'DELIVERED', messages: 3, segments: 4 },
      { day: '2026-12-01', status: 'FAILED', messages: 1, segments: 1 },
      { day: '2026-12-02', status: 'DELIVERED', messages: 2, segments: 2 },
    ]);
    expect(days.map((d) => [d.day, d.messages, d.segments, d.byStatus.length])).toEqual([
      ['2026-12-02', 2, 2, 1],
      ['2026-12-01', 4, 5, 2],
    ]);
  });

  it('counts UTC days', () => {
    expect([utcDay(Date.parse('2026-12-02T00:30:00Z')), utcDay(Date.parse('2026-12-02T00:30:00Z'), 1)]).toEqual(['2026-12-02', '2026-12-01']);
  });
});

describe('formatMicros', () => {
  it('writes micro-units as an amount in the currency, without trailing zeros', () => {
    expect(formatMicros(12_500, 'EUR')).toBe('0.0125 EUR');
    expect(formatMicros(10_000_000, 'EUR')).toBe('10 EUR');
    expect(formatMicros(-1_500_000, 'USD')).toBe('-1.5 USD');
    expect(formatMicros(0, 'GBP')).toBe('0 GBP');
  });
});
