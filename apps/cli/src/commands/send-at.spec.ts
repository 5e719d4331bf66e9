import { parseSendAt } from './send-at';

describe('parseSendAt', () => {
  const now = Date.UTC(2026, 10, 26, 8, 0, 0);

  it('reads delays from now', () => {
    expect(parseSendAt('+90s', now)).toBe(now + 90_000);
    expect(parseSendAt('+15m', now)).toBe(now + 15 * 60_000);
    expect(parseSendAt('+2h', now)).toBe(now + 2 * 3_600_000);
    expect(parseSendAt('+1d', now)).toBe(now + 86_400_000);
  });

  it('reads ISO 8601 times with a zone', () => {
    expect(parseSendAt('2026-12-01T09:00:00Z', now)).toBe(Date.UTC(2026, 11, 1, 9, 0, 0));
    expect(parseSendAt('2026-12-01T09:00:00+01:00', now)).toBe(Date.UTC(2026, 11, 1, 8, 0, 0));
  });

  it('refuses a time without a zone, and nonsense, saying what to give', () => {
    expect(() => parseSendAt('2026-12-01T09:00:00', now)).toThrow(/give a time zone/);
    expect(() => parseSendAt('tomorrow', now)).toThrow(/give a time zone/);
    expect(() => parseSendAt('2026-13-45T99:00:00Z', now)).toThrow(/not an ISO 8601 time/);
  });
});
