import fc from 'fast-check';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate', () => {
    const bucket = new TokenBucket(10, 5, 0);
    const at0 = Array.from({ length: 7 }, () => bucket.tryTake(0));
    expect(at0.filter(Boolean)).toHaveLength(5);
    expect(bucket.tryTake(99)).toBe(false); // 0.99 of a token
    expect(bucket.tryTake(100)).toBe(true); // one token after 100 ms at 10/s
    expect(bucket.tryTake(150)).toBe(false);
    expect(bucket.tryTake(200)).toBe(true);
  });

  it('never stores more than the burst', () => {
    const bucket = new TokenBucket(1000, 3, 0);
    expect(Array.from({ length: 10 }, () => bucket.tryTake(60_000)).filter(Boolean)).toHaveLength(3);
  });

  it('grants at most burst + rate × elapsed over any schedule', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 100 }), fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 500 }), (rate, burst, gaps) => {
        const bucket = new TokenBucket(rate, burst, 0);
        let now = 0;
        let granted = 0;
        for (const gap of gaps) {
          now += gap;
          if (bucket.tryTake(now)) granted++;
        }
        expect(granted).toBeLessThanOrEqual(burst + (rate * now) / 1000 + 1e-9);
      }),
    );
  });

  it('refuses a rate or burst that cannot work', () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0, 0)).toThrow(RangeError);
  });
});
