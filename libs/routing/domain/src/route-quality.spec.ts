import fc from 'fast-check';
import { RateBook, chooseRoute, compileRules, explainRoute } from './index';
import { DEFAULT_QUALITY_SETTINGS, QualityBook, QualitySnapshot, WindowCounter, nextBreaker, type Breaker, type QualitySettings } from './route-quality';
import { request } from './route-request.fixture';

const S: QualitySettings = { ...DEFAULT_QUALITY_SETTINGS, shortWindowMs: 10_000, longWindowMs: 60_000, buckets: 10, breakerMinSamples: 10, breakerOpenMs: 5_000, breakerRampMs: 10_000, halfOpenShare: 0.1 };
const T0 = 1_000_000;
const uk = request().destination;

/** n final outcomes of a carrier toward 234-10 at atMs, `bad` of them UNDELIV. */
function results(book: QualityBook, carrier: string, atMs: number, n: number, bad: number, latencyMs = 1_500): void {
  for (let i = 0; i < n; i++) book.observe({ kind: 'final', carrier, destination: '234-10', atMs, delivered: i >= bad, latencyMs });
}

describe('WindowCounter', () => {
  it('slides: a bucket older than the window no longer counts, and a reused slot starts from 0', () => {
    const w = new WindowCounter(1_000, 5);
    const out = new Float64Array(17);
    w.add(T0, 0, 3);
    w.add(T0 + 2_000, 0, 1);
    expect(w.sum(T0 + 2_500, 0, out)[0]).toBe(4);
    expect(w.sum(T0 + 5_500, 0, out)[0]).toBe(1); // T0's bucket left the window
    w.add(T0 + 5_000, 0, 2); // same slot as T0
    expect(w.sum(T0 + 5_500, 0, out)[0]).toBe(3);
    w.add(T0, 0, 9); // too old for the ring now: ignored
    expect(w.sum(T0 + 5_500, 0, out)[0]).toBe(3);
    expect(w.sum(T0 + 5_500, T0 + 3_000, out)[0]).toBe(2); // only buckets from T0+3000 on
  });
});

describe('QualityBook', () => {
  it('learns delivery ratio and receipt latency per network, smoothed toward the carrier and the prior', () => {
    const book = new QualityBook(S);
    results(book, 'a', T0, 100, 30, 3_000);
    results(book, 'b', T0, 100, 0, 400);
    const snap = book.snapshot(T0 + 1_000);
    const a = snap.quality('a', uk)!;
    expect(a.basis).toBe('network 234-10');
    expect(a.deliveryRatio).toBeGreaterThan(0.7);
    expect(a.deliveryRatio).toBeLessThan(0.75);
    expect(a).toMatchObject({ samples: 100, receiptP50Ms: 4_000, receiptP90Ms: 4_000, submitErrorRate: 0 });
    expect(snap.quality('b', uk)!.score).toBeGreaterThan(a.score);
    // Another network of the same carrier: the carrier's figures.
    expect(snap.quality('a', { ...uk, network: '234-15' })).toMatchObject({ basis: 'carrier' });
    expect(snap.quality('z', uk)).toBeUndefined();
    // A few good results do not undo many bad ones at once (smoothing), but the window forgets.
    expect(book.snapshot(T0 + 61_000).quality('a', uk)!.deliveryRatio).toBeCloseTo(0.95, 5);
  });

  it('submit errors and throttling lower the figures; the breaker opens on a submit error spike', () => {
    const book = new QualityBook(S);
    for (let i = 0; i < 20; i++) book.observe({ kind: 'submit', carrier: 'a', destination: 'GB', atMs: T0, error: i < 12 });
    for (let i = 0; i < 4; i++) book.observeHealth({ carrier: 'a', instance: 'c1', atMs: T0, bindsUp: 1, bindsConfigured: 1, throttled: i === 0 });
    const snap = book.snapshot(T0 + 500);
    expect(snap.quality('a', { ...uk, network: '' })).toMatchObject({ basis: 'country GB', submitErrorRate: 0.6 });
    expect(snap.quality('a', { ...uk, network: '', country: '' })).toMatchObject({ basis: 'carrier', throttledShare: 0.25 });
    expect(snap.breaker('a')).toMatchObject({ state: 'open', reason: '60% submit errors over 10 s' });
  });

  it('breaker: open on UNDELIV, half-open after the cool-off with a growing share, closed after the ramp, open again on bad probes', () => {
    const book = new QualityBook(S);
    results(book, 'a', T0, 9, 9);
    expect(book.snapshot(T0 + 100).breaker('a').state).toBe('closed'); // below breakerMinSamples
    results(book, 'a', T0 + 100, 11, 2);
    let snap = book.snapshot(T0 + 200);
    expect(snap.breaker('a')).toMatchObject({ state: 'open', reason: '55% UNDELIV over 10 s' });
    expect(snap.isDown('a', 'm1')).toBe(true);
    expect(snap.whyDown('a')).toBe('breaker open: 55% UNDELIV over 10 s');
    expect(book.snapshot(T0 + 4_000).breaker('a').state).toBe('open');
    snap = book.snapshot(T0 + 5_300);
    expect(snap.breaker('a').state).toBe('half-open');
    const share = (s: QualitySnapshot) => Array.from({ length: 2000 }, (_, i) => `01J${i}`).filter((id) => !s.isDown('a', id)).length / 2000;
    expect(share(snap)).toBeGreaterThan(0.05);
    expect(share(snap)).toBeLessThan(0.16);
    const later = book.snapshot(T0 + 10_300);
    expect(later.breaker('a').state).toBe('half-open');
    expect(share(later)).toBeGreaterThan(0.5);
    expect(book.snapshot(T0 + 15_400).breaker('a').state).toBe('closed');
    // The old failures are still in the short window but came before the breaker's last move.
    expect(book.snapshot(T0 + 15_500).breaker('a').state).toBe('closed');
    // Fails again: open, then half-open, and bad probes re-open it.
    results(book, 'a', T0 + 16_000, 20, 10);
    expect(book.snapshot(T0 + 17_100).breaker('a').state).toBe('open');
    expect(book.snapshot(T0 + 22_200).breaker('a').state).toBe('half-open');
    results(book, 'a', T0 + 23_000, 20, 8);
    expect(book.snapshot(T0 + 24_100).breaker('a')).toMatchObject({ state: 'open', reason: '40% UNDELIV over 10 s' });
  });

  it('breaker: open while no bind is up on any connector with a fresh report, half-open only once binds are back', () => {
    const book = new QualityBook(S);
    book.observeHealth({ carrier: 'a', instance: 'c1', atMs: T0, bindsUp: 0, bindsConfigured: 2, throttled: false });
    book.observeHealth({ carrier: 'a', instance: 'c2', atMs: T0, bindsUp: 0, bindsConfigured: 2, throttled: false });
    expect(book.snapshot(T0 + 10).breaker('a')).toMatchObject({ state: 'open', reason: '0 of 4 binds up' });
    book.observeHealth({ carrier: 'a', instance: 'c1', atMs: T0 + 6_000, bindsUp: 0, bindsConfigured: 2, throttled: false });
    expect(book.snapshot(T0 + 6_000).breaker('a').state).toBe('open');
    book.observeHealth({ carrier: 'a', instance: 'c2', atMs: T0 + 7_000, bindsUp: 1, bindsConfigured: 2, throttled: false });
    expect(book.snapshot(T0 + 7_000).breaker('a').state).toBe('half-open');
  });

  it('nextBreaker never opens on evidence below the minimum, and always opens a closed breaker at or above the thresholds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 200 }), (finals, bad) => {
        const undelivered = Math.min(bad, finals);
        const b: Breaker = { state: 'closed', sinceMs: 0, reason: '' };
        const next = nextBreaker(b, { finals, undelivered, submits: 0, submitErrors: 0 }, T0, S);
        expect(next.state).toBe(finals >= S.breakerMinSamples && undelivered / finals >= S.breakerUndeliveredRatio ? 'open' : 'closed');
      }),
    );
  });
});

describe('routing with learned quality', () => {
  const rules = compileRules({
    rules: [
      { id: 'otp', match: { class: 'otp' }, action: { type: 'quality-first', carriers: ['cheap', 'good'] } },
      { id: 'uk', action: { type: 'least-cost', carriers: ['cheap', 'good'] } },
    ],
  });
  const book = new RateBook([
    { carrier: 'cheap', version: 1, currency: 'EUR', effectiveAtMs: 0, entries: [{ prefix: '+44', country: '', network: '', priceMicros: 10_000 }] },
    { carrier: 'good', version: 1, currency: 'EUR', effectiveAtMs: 0, entries: [{ prefix: '+44', country: '', network: '', priceMicros: 12_000 }] },
  ]);

  it('least-cost skips a carrier whose breaker is open and says why; quality-first ranks by score', () => {
    const q = new QualityBook(S);
    results(q, 'cheap', T0, 50, 17);
    results(q, 'good', T0, 50, 0);
    const snap = q.snapshot(T0 + 100);
    expect(chooseRoute(request(), rules, book, snap)).toMatchObject({ carrier: 'good', failover: ['cheap'] });
    const e = explainRoute(request(), rules, book, snap);
    expect(e.candidates[1]).toMatchObject({ carrier: 'cheap', passedOver: { code: 'DOWN', reason: 'breaker open: 34% UNDELIV over 10 s; kept for when no healthy carrier qualifies' } });
    expect(e.candidates[1].figures).toMatchObject({ samples: 50, basis: 'network 234-10' });

    // Quality-first with both healthy: a small quality edge does not beat a lower price (priceWeight 0.5) …
    const q2 = new QualityBook(S);
    results(q2, 'cheap', T0, 50, 3);
    results(q2, 'good', T0, 50, 0);
    const s2 = q2.snapshot(T0 + 100);
    expect(chooseRoute(request({ trafficClass: 'otp' }), rules, book, s2)).toMatchObject({ carrier: 'cheap' });
    // … a large one does.
    const q3 = new QualityBook({ ...S, breakerUndeliveredRatio: 1 });
    results(q3, 'cheap', T0, 50, 15);
    results(q3, 'good', T0, 50, 0);
    const s3 = q3.snapshot(T0 + 100);
    expect(chooseRoute(request({ trafficClass: 'otp' }), rules, book, s3)).toMatchObject({ carrier: 'good' });
    expect(chooseRoute(request(), rules, book, s3)).toMatchObject({ carrier: 'cheap' }); // least-cost: price, breaker closed
    const x = explainRoute(request({ trafficClass: 'otp' }), rules, book, s3);
    expect(x.candidates[1]).toMatchObject({ carrier: 'cheap', passedOver: { code: 'LOWER_SCORE' } });
    expect(x.candidates[1].passedOver!.reason).toMatch(/^score 0\.\d{3} ≤ 0\.\d{3} of good/);
  });
});
