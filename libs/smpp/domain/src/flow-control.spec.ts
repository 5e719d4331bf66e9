import fc from 'fast-check';
import { SubmitWindow, ThrottleGovernor, TokenBucket, backoffDelay, replicaRate } from './index';

describe('SubmitWindow', () => {
  it('tracks requests by sequence with deadlines', () => {
    const w = new SubmitWindow<string>(2);
    w.add(1, 'a', 0, 100);
    w.add(2, 'b', 10, 100);
    expect(w.full).toBe(true);
    expect(() => w.add(3, 'c', 20, 100)).toThrow(/full/);
    expect(w.take(1)?.entry).toBe('a');
    expect(w.take(1)).toBeUndefined(); // a late duplicate response
    expect(w.free).toBe(1);
    expect(() => w.add(2, 'x', 20, 100)).toThrow(/already waiting/);
    w.add(3, 'c', 50, 100);
    expect(w.nextDeadline()).toBe(110);
    expect(w.expire(109)).toEqual([]);
    expect(w.expire(110).map((s) => s.entry)).toEqual(['b']);
    expect(w.drain().map((s) => s.entry)).toEqual(['c']);
    expect(w.size).toBe(0);
  });

  it('never holds more than its capacity (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.oneof(fc.constant('add'), fc.constant('take'), fc.constant('expire')), { maxLength: 200 }), (cap, ops) => {
        const w = new SubmitWindow<number>(cap);
        let seq = 0;
        let now = 0;
        for (const op of ops) {
          now += 7;
          if (op === 'add' && !w.full) w.add(++seq, seq, now, 50);
          else if (op === 'take') w.take(seq - Math.floor(cap / 2));
          else w.expire(now);
          if (w.size > cap || w.size + w.free !== cap) return false;
        }
        return true;
      }),
    );
  });
});

describe('TokenBucket', () => {
  it('admits the rate and a burst, then makes callers wait', () => {
    const b = new TokenBucket(10, 10, 0);
    for (let i = 0; i < 10; i++) expect(b.tryTake(0)).toBe(true);
    expect(b.tryTake(0)).toBe(false);
    expect(b.waitMs(0)).toBe(100);
    expect(b.tryTake(100)).toBe(true);
    expect(b.available(1000)).toBe(9);
    expect(b.available(10_000)).toBe(10); // never more than the burst
  });

  it('never stores more than a burst set apart from the rate', () => {
    const b = new TokenBucket(1000, 3, 0);
    expect(Array.from({ length: 10 }, () => b.tryTake(60_000)).filter(Boolean)).toHaveLength(3);
  });

  it('is unlimited at rate 0 and divides the carrier rate between replicas', () => {
    const b = new TokenBucket(0);
    expect(b.tryTake(0, 1e6)).toBe(true);
    expect(b.waitMs(0)).toBe(0);
    expect(replicaRate(100, 4)).toBe(25);
    expect(replicaRate(0, 4)).toBe(0);
    expect(replicaRate(100, 0)).toBe(100);
  });

  it('never admits more than rate × time + burst (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 300 }), (rate, gaps) => {
        const b = new TokenBucket(rate, rate, 0);
        let now = 0;
        let taken = 0;
        for (const gap of gaps) {
          now += gap;
          while (b.tryTake(now)) taken++;
        }
        return taken <= rate + (rate * now) / 1000 + 1;
      }),
    );
  });
});

describe('backoffDelay', () => {
  const policy = { initialMs: 1000, maxMs: 60_000, multiplier: 2, jitter: 0.2 };
  it('grows exponentially up to the cap, reduced by jitter', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffDelay(a, policy, () => 0))).toEqual([1000, 2000, 4000, 8000, 60_000]);
    expect(backoffDelay(1, policy, () => 1)).toBe(800);
  });

  it('stays within [ (1-jitter) × base, base ] (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const base = Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 1));
        const d = backoffDelay(attempt, policy, () => r);
        return d <= base && d >= Math.floor(base * 0.8);
      }),
    );
  });
});

describe('ThrottleGovernor', () => {
  const options = { backoff: { initialMs: 100, maxMs: 2000, multiplier: 2, jitter: 0 }, minRate: 1, decrease: 0.9, increase: 1.2, recoveryIntervalMs: 1000 };

  it('pauses on throttling, limits to a little under the accepted rate, and recovers', () => {
    const g = new ThrottleGovernor(options, () => 0);
    let t = 10_000;
    for (let i = 0; i < 200; i++) g.onAccepted(t + i * 5); // ~200/s accepted over the last second
    t += 1000;
    g.onThrottled(t);
    expect(g.isPaused(t + 50)).toBe(true);
    expect(g.isPaused(t + 100)).toBe(false);
    expect(g.currentLimit).toBeGreaterThan(150);
    expect(g.currentLimit).toBeLessThan(200);
    expect(g.throttledRecently(t + 500)).toBe(true);
    // A burst of throttled responses from the same window is one event.
    const limit = g.currentLimit;
    g.onThrottled(t + 10);
    expect(g.currentLimit).toBe(limit);
    // Throttled again after the pause: longer pause.
    g.onThrottled(t + 150);
    expect(g.pausedUntil()).toBe(t + 150 + 200);
    // Quiet intervals raise the limit.
    const before = g.currentLimit;
    for (let s = 1; s <= 3; s++) for (let i = 0; i < 100; i++) g.onAccepted(t + 150 + s * 1000 + i * 10);
    expect(g.currentLimit).toBeGreaterThan(before);
    expect(g.throttledRecently(t + 5000)).toBe(false);
  });

  it('drops the limit once traffic no longer presses on it', () => {
    const g = new ThrottleGovernor(options, () => 0);
    for (let i = 0; i < 100; i++) g.onAccepted(1000 + i * 10);
    g.onThrottled(2000);
    expect(g.currentLimit).toBeGreaterThan(0);
    g.tick(10_000);
    expect(g.currentLimit).toBe(0);
  });
});
