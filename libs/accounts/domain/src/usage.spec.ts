import { AccountError } from './errors';
import { usageRange } from './usage';

const NOW = Date.parse('2026-12-01T21:30:00Z');

describe('usageRange', () => {
  it('defaults to the 30 days up to today (UTC), and counts whole days, the last one included', () => {
    expect(usageRange('', '', NOW)).toEqual({ fromDay: '2026-11-02', toDay: '2026-12-01', fromMs: Date.parse('2026-11-02T00:00:00Z'), untilMs: Date.parse('2026-12-02T00:00:00Z') });
    expect(usageRange('2026-11-30', '2026-11-30', NOW)).toMatchObject({ fromMs: Date.parse('2026-11-30T00:00:00Z'), untilMs: Date.parse('2026-12-01T00:00:00Z') });
    expect(usageRange('', '2026-02-28', NOW).fromDay).toBe('2026-01-30');
  });

  it.each([
    ['2026-02-30', '', /from_day "2026-02-30" is not a day/],
    ['yesterday', '', /not a day/],
    ['2026-12-02', '2026-12-01', /after to_day/],
    ['2024-01-01', '2026-01-01', /at most 366/],
  ])('refuses %p..%p with ACCOUNT.INVALID_USAGE_RANGE', (from, to, message) => {
    expect(() => usageRange(from, to, NOW)).toThrow(AccountError);
    expect(() => usageRange(from, to, NOW)).toThrow(message);
  });
});
