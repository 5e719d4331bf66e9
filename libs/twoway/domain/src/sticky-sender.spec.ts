import fc from 'fast-check';
import { senderOfPoolNumber, stickySender } from './sticky-sender';

describe('stickySender', () => {
  const pool = ['447700900001', '447700900002', '447700900003'];

  it('keeps a handset on its number while that number is in the pool', () => {
    expect(stickySender(pool, '+447911123456', '447700900002')).toBe('447700900002');
  });

  it('picks again when the number left the pool, and none from an empty pool', () => {
    const picked = stickySender(pool, '+447911123456', '447700900009');
    expect(pool).toContain(picked);
    expect(stickySender([], '+447911123456')).toBeUndefined();
  });

  it('gives the same handset the same number, and spreads handsets over the pool', () => {
    fc.assert(fc.property(fc.stringMatching(/^\+[1-9]\d{7,13}$/), (msisdn) => stickySender(pool, msisdn) === stickySender(pool, msisdn) && pool.includes(stickySender(pool, msisdn) as string)));
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const n = stickySender(pool, `+4479111${String(i).padStart(5, '0')}`) as string;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    expect([...counts.values()].every((c) => c > 800 && c < 1200)).toBe(true);
  });

  it('sends from full numbers in E.164 and from short codes as they are', () => {
    expect(senderOfPoolNumber('447700900001')).toBe('+447700900001');
    expect(senderOfPoolNumber('60777')).toBe('60777');
  });
});
