import { MessageStatus } from '@smsgw/shared/util-proto';
import { usageLines, usageView } from './usage.command';

const usage = {
  accountId: 'acc_1',
  fromDay: '2026-12-01',
  toDay: '2026-12-02',
  rows: [
    { day: '2026-12-01', status: MessageStatus.DELIVERED, messages: 3, segments: 4 },
    { day: '2026-12-02', status: MessageStatus.FAILED, messages: 1, segments: 1 },
  ],
  spend: [
    { day: '2026-12-01', currency: 'EUR', reservedMicros: 60_000, settledMicros: 37_500, refundedMicros: 0, creditedMicros: 10_000_000 },
    { day: '2026-12-02', currency: 'EUR', reservedMicros: 20_000, settledMicros: 0, refundedMicros: 20_000, creditedMicros: 0 },
  ],
};

describe('smsgw usage', () => {
  it('totals messages, segments and each currency of spend', () => {
    expect(usageView(usage).total).toEqual({ messages: 4, segments: 5, spend: [{ currency: 'EUR', reservedMicros: 80_000, settledMicros: 37_500, refundedMicros: 20_000, creditedMicros: 10_000_000 }] });
  });

  it('prints spend by day in the currency below the messages, and no spend table for an unlimited account', () => {
    const lines = usageLines(usage);
    expect(lines).toContain(['2026-12-01', '0.06 EUR', '0.0375 EUR', '0 EUR', '10 EUR'].map((c, i) => (i === 0 ? c.padEnd(10) : c.padStart(16))).join('  '));
    expect(lines.at(-1)).toMatch(/^total\s+0\.08 EUR\s+0\.0375 EUR\s+0\.02 EUR\s+10 EUR$/);
    const unlimited = usageLines({ ...usage, spend: [] });
    expect(unlimited.at(-1)).toMatch(/^total\s+4\s+5$/);
    expect(unlimited.join('\n')).not.toContain('reserved');
  });
});
