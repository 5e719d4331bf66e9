import fc from 'fast-check';
import { RateBook, chooseRoute, compileRules, explainRoute, type CarrierHealthView, type RateCard, type RouteRequest } from './index';
import { request } from './route-request.fixture';

const card = (carrier: string, priceMicros: number, currency = 'EUR', prefix = '+44'): RateCard => ({ carrier, version: 1, currency, effectiveAtMs: 0, entries: [{ prefix, country: '', network: '', priceMicros }] });
const down = (...carriers: string[]): CarrierHealthView => ({ isDown: (c) => carriers.includes(c) });

const rules = compileRules({
  currency: 'EUR',
  exchangeRates: { GBP: 1.2 },
  rules: [
    { id: 'pin-de', match: { country: 'DE' }, action: { type: 'fixed', carriers: ['b'], prices: { b: 30_000 } } },
    { id: 'otp', match: { class: 'otp' }, action: { type: 'quality-first', carriers: ['a', 'b', 'c'], maxPriceMicros: 15_000 } },
    { id: 'split', match: { sender: 'SPLIT' }, action: { type: 'weighted', carriers: ['a', 'b'], weights: [3, 1] } },
    { id: 'default', action: { type: 'least-cost', carriers: ['a', 'b', 'c'], failover: ['d'], prices: { d: 50_000 } } },
  ],
});
const book = new RateBook([card('a', 12_000), card('b', 9_000, 'GBP'), card('c', 11_000)]); // b: 10,800 EUR

describe('chooseRoute', () => {
  it('least-cost across currencies; the rest are the failover, then the failover list', () => {
    expect(chooseRoute(request(), rules, book)).toEqual({ routed: true, ruleId: 'default', carrier: 'b', pricePerSegmentMicros: 9_000, totalMicros: 9_000, currency: 'GBP', down: false, failover: ['c', 'a', 'd'] });
    expect(chooseRoute(request({ segments: 3 }), rules, book)).toMatchObject({ totalMicros: 27_000 });
  });

  it('leaves out carriers already tried, and down carriers while another qualifies', () => {
    expect(chooseRoute(request({ tried: ['b'] }), rules, book)).toMatchObject({ carrier: 'c', failover: ['a', 'd'] });
    expect(chooseRoute(request(), rules, book, down('b', 'c'))).toMatchObject({ carrier: 'a', failover: ['d', 'b', 'c'] });
    expect(chooseRoute(request(), rules, book, down('a', 'b', 'c', 'd'))).toMatchObject({ carrier: 'b', down: true });
    expect(chooseRoute(request({ tried: ['a', 'b', 'c', 'd'] }), rules, book)).toMatchObject({ routed: false, code: 'ROUTING.NO_CARRIER', ruleId: 'default' });
  });

  it('a rule pins a country to one carrier', () => {
    const de = request({ destination: { e164: '+4915112345678', country: 'DE', network: '262-01', networkName: '', numberType: 'MOBILE' } });
    expect(chooseRoute(de, rules, book)).toMatchObject({ ruleId: 'pin-de', carrier: 'b', pricePerSegmentMicros: 30_000, currency: 'EUR' });
  });

  it('caps the price; quality-first is least-cost until quality is known', () => {
    const capped = compileRules({ exchangeRates: { GBP: 1.2 }, rules: [{ id: 'otp', action: { type: 'quality-first', carriers: ['a', 'b', 'c'], maxPriceMicros: 11_500 } }] });
    expect(chooseRoute(request({ trafficClass: 'otp' }), capped, book)).toMatchObject({ carrier: 'b', failover: ['c'] });
    expect(chooseRoute(request({ tried: ['b', 'c'] }), capped, book)).toMatchObject({ routed: false, code: 'ROUTING.NO_CARRIER' });
  });

  it('a weighted split is stable per message and near its weights', () => {
    const split = (id: string) => chooseRoute(request({ messageId: id, sender: 'SPLIT' }), rules, book);
    expect(split('m-1')).toEqual(split('m-1'));
    const n = 4000;
    let toA = 0;
    for (let i = 0; i < n; i++) if ((split(`01J${i}`) as { carrier: string }).carrier === 'a') toA++;
    expect(toA / n).toBeGreaterThan(0.72);
    expect(toA / n).toBeLessThan(0.78);
  });

  it('NO_ROUTE when no rule matches', () => {
    const only = compileRules({ rules: [{ id: 'uk', match: { country: 'GB' }, action: { type: 'fixed', carriers: ['a'] } }] });
    expect(chooseRoute(request({ destination: { ...request().destination, country: 'FR', e164: '+33612345678' } }), only, book)).toMatchObject({ routed: false, code: 'NO_ROUTE', ruleId: '' });
  });

  describe('properties', () => {
    const carriers = ['a', 'b', 'c', 'd', 'e'];
    const arbitrary = fc.record({
      prices: fc.array(fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }), { minLength: 5, maxLength: 5 }),
      max: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
      downs: fc.subarray(carriers),
      tried: fc.subarray(carriers),
      type: fc.constantFrom('least-cost', 'quality-first', 'fixed', 'weighted'),
      id: fc.string({ minLength: 1, maxLength: 26 }),
      // Learned quality per carrier (few values, so ties happen); undefined: nothing learned.
      scores: fc.array(fc.option(fc.constantFrom(0, 0.5, 0.8, 0.9, 1), { nil: undefined }), { minLength: 5, maxLength: 5 }),
      priceWeight: fc.constantFrom(0, 0.5, 1),
    });
    type Case = { prices: (number | undefined)[]; max: number | undefined; downs: string[]; tried: string[]; type: string; id: string; scores: (number | undefined)[]; priceWeight: number };
    const learned = (x: Case): CarrierHealthView => ({
      isDown: (c) => x.downs.includes(c),
      quality: (c) => {
        const score = x.scores[carriers.indexOf(c)];
        return score === undefined ? undefined : { score, deliveryRatio: score, samples: 100, submitErrorRate: 0, throttledShare: 0, basis: 'carrier' };
      },
      priceWeight: x.priceWeight,
    });
    const setup = (x: Case) => {
      const priced = carriers.map((c, i) => [c, x.prices[i]] as const).filter(([, p]) => p !== undefined) as [string, number][];
      const b = new RateBook(priced.map(([c, p]) => card(c, p)));
      const r = compileRules({ rules: [{ id: 'r', action: { type: x.type, carriers: carriers.slice(0, 3), failover: carriers.slice(3), weights: x.type === 'weighted' ? [1, 2, 3] : undefined, maxPriceMicros: x.max } }] });
      const req: RouteRequest = request({ messageId: x.id, tried: x.tried });
      return { b, r, req, health: learned(x), price: new Map(priced) };
    };

    it('never a carrier over the maximum price, unpriced, or already tried', () => {
      fc.assert(
        fc.property(arbitrary, (x) => {
          const { b, r, req, health, price } = setup(x);
          const d = chooseRoute(req, r, b, health);
          if (!d.routed) return;
          expect(x.tried).not.toContain(d.carrier);
          expect(price.has(d.carrier)).toBe(true);
          if (x.max !== undefined) expect(price.get(d.carrier)).toBeLessThanOrEqual(x.max);
          for (const f of d.failover) expect(x.tried).not.toContain(f);
        }),
      );
    });

    it('never a down carrier while a healthy one qualifies; routes whenever one qualifies', () => {
      fc.assert(
        fc.property(arbitrary, (x) => {
          const { b, r, req, health, price } = setup(x);
          const d = chooseRoute(req, r, b, health);
          const qualifies = carriers.filter((c) => price.has(c) && !x.tried.includes(c) && (x.max === undefined || (price.get(c) ?? 0) <= x.max));
          expect(d.routed).toBe(qualifies.length > 0);
          if (d.routed && qualifies.some((c) => !x.downs.includes(c))) expect(x.downs).not.toContain(d.carrier);
        }),
      );
    });

    it('least-cost takes the cheapest qualifying healthy primary, ties by rule order; the same input gives the same answer', () => {
      fc.assert(
        fc.property(arbitrary, (x) => {
          const { b, r, req, health, price } = setup({ ...x, type: 'least-cost' });
          const d = chooseRoute(req, r, b, health);
          expect(chooseRoute(req, r, b, health)).toEqual(d);
          const healthyPrimaries = ['a', 'b', 'c'].filter((c) => price.has(c) && !x.tried.includes(c) && !x.downs.includes(c) && (x.max === undefined || (price.get(c) ?? 0) <= x.max));
          if (healthyPrimaries.length === 0) return;
          const best = healthyPrimaries.reduce((m, c) => ((price.get(c) ?? 0) < (price.get(m) ?? 0) ? c : m));
          expect(d).toMatchObject({ routed: true, carrier: best });
        }),
      );
    });

    it('quality-first takes the best score (quality × (cheapest / price)^w), ties to the cheaper, then the rule order', () => {
      fc.assert(
        fc.property(arbitrary, (x) => {
          const { b, r, req, health, price } = setup({ ...x, type: 'quality-first' });
          const d = chooseRoute(req, r, b, health);
          expect(chooseRoute(req, r, b, health)).toEqual(d);
          const usable = ['a', 'b', 'c'].filter((c) => price.has(c) && !x.tried.includes(c) && (x.max === undefined || (price.get(c) ?? 0) <= x.max));
          const healthy = usable.filter((c) => !x.downs.includes(c));
          if (healthy.length === 0 || usable.every((c) => x.scores[carriers.indexOf(c)] === undefined)) return;
          const cheapest = Math.min(...usable.map((c) => price.get(c) ?? 0));
          const score = (c: string) => (x.scores[carriers.indexOf(c)] ?? 0.95) * (x.priceWeight === 0 ? 1 : Math.pow(Math.max(1, cheapest) / Math.max(1, price.get(c) ?? 0), x.priceWeight));
          const best = healthy.reduce((m, c) => (score(c) > score(m) || (score(c) === score(m) && (price.get(c) ?? 0) < (price.get(m) ?? 0)) ? c : m));
          expect(d).toMatchObject({ routed: true, carrier: best });
        }),
      );
    });

    it('explainRoute agrees with chooseRoute and gives every candidate but the chosen a reason', () => {
      fc.assert(
        fc.property(arbitrary, (x) => {
          const { b, r, req, health } = setup(x);
          const e = explainRoute(req, r, b, health);
          expect(e.decision).toEqual(chooseRoute(req, r, b, health));
          expect(e.candidates).toHaveLength(5);
          for (const c of e.candidates) expect(c.chosen).toBe(c.passedOver === undefined);
          expect(e.candidates.filter((c) => c.chosen).length).toBe(e.decision.routed ? 1 : 0);
        }),
      );
    });
  });
});

describe('explainRoute', () => {
  it('says which rules did not match and why each candidate lost', () => {
    const capped = compileRules({
      rules: [
        { id: 'otp', match: { class: 'otp' }, action: { type: 'fixed', carriers: ['a'] } },
        { id: 'uk', match: { country: 'GB' }, action: { type: 'least-cost', carriers: ['a', 'b', 'c', 'z'], maxPriceMicros: 11_000 } },
      ],
    });
    const e = explainRoute(request({ tried: ['c'] }), capped, book);
    expect(e.rules).toEqual([
      { id: 'otp', matched: false, why: 'class is transactional, the rule wants otp' },
      { id: 'uk', matched: true },
    ]);
    expect(e.decision).toMatchObject({ routed: false, code: 'ROUTING.NO_CARRIER' });
    const why = Object.fromEntries(e.candidates.map((c) => [c.carrier, c.passedOver?.code]));
    expect(why).toEqual({ a: 'OVER_MAX_PRICE', b: 'NO_EXCHANGE_RATE', c: 'TRIED', z: 'NO_RATE' });
    expect(e.candidates.find((c) => c.carrier === 'a')).toMatchObject({ priceMicros: 12_000, currency: 'EUR', priceBasis: 'rate card v1, prefix +44' });
    expect(e.candidates[0].quality).toBeUndefined();
  });

  it('PRICIER for the losers of a least-cost rule', () => {
    const e = explainRoute(request(), rules, book);
    expect(e.candidates.map((c) => [c.carrier, c.chosen, c.passedOver?.code])).toEqual([
      ['b', true, undefined],
      ['c', false, 'PRICIER'],
      ['a', false, 'PRICIER'],
      ['d', false, 'LATER_IN_ORDER'],
    ]);
    expect(e.candidates[1].passedOver?.reason).toBe('0.011 EUR ≥ 0.0108 EUR of b');
  });
});
