import fc from 'fast-check';
import { RateBook, chooseRoute, compileRules, worstCasePrice, type RateCard } from './index';
import { request } from './route-request.fixture';

const card = (carrier: string, priceMicros: number, currency = 'EUR', prefix = '+44'): RateCard => ({ carrier, version: 1, currency, effectiveAtMs: 0, entries: [{ prefix, country: '', network: '', priceMicros }] });

describe('worstCasePrice', () => {
  const rules = compileRules({
    currency: 'EUR',
    exchangeRates: { GBP: 1.2 },
    rules: [
      { id: 'de', match: { country: 'DE' }, action: { type: 'fixed', carriers: ['b'], prices: { b: 90_000 } } },
      { id: 'default', action: { type: 'least-cost', carriers: ['a', 'b'], failover: ['d'], prices: { d: 20_000 } } },
    ],
  });
  const book = new RateBook([card('a', 12_000), card('b', 15_000, 'GBP'), card('x', 99_000)]);

  it('is the priciest carrier of the matching rules, failover included, in the rules currency × segments', () => {
    // b: 15,000 GBP = 18,000 EUR; d: its rule price 20,000; x is in no rule.
    expect(worstCasePrice(request(), rules, book)).toEqual({ perSegmentMicros: 20_000, totalMicros: 20_000, currency: 'EUR' });
    expect(worstCasePrice(request({ segments: 3 }), rules, book).totalMicros).toBe(60_000);
  });

  it('counts every matching rule, not only the first, and leaves out rules that do not match', () => {
    const de = request({ destination: { e164: '+4915112345678', country: 'DE', network: '', networkName: '', numberType: 'MOBILE' } });
    // b has no rate card price for +49: its rule price 90,000 in "de"; "default" matches too (d 20,000).
    expect(worstCasePrice(de, rules, book).perSegmentMicros).toBe(90_000);
  });

  it("leaves out carriers over the rule's maximum price", () => {
    const capped = compileRules({ currency: 'EUR', exchangeRates: { GBP: 1.2 }, rules: [{ id: 'cap', action: { type: 'least-cost', carriers: ['a', 'b'], maxPriceMicros: 15_000 } }] });
    expect(worstCasePrice(request(), capped, book).perSegmentMicros).toBe(12_000);
  });

  it('0 when nothing prices the destination; prices without an exchange rate are left out', () => {
    const only = compileRules({ rules: [{ id: 'fr', match: { country: 'FR' }, action: { type: 'fixed', carriers: ['a'] } }] });
    expect(worstCasePrice(request(), only, book).totalMicros).toBe(0);
    const noFx = compileRules({ currency: 'EUR', rules: [{ id: 'all', action: { type: 'least-cost', carriers: ['a', 'b'] } }] });
    expect(worstCasePrice(request(), noFx, book).perSegmentMicros).toBe(12_000);
  });

  it('is never below what the router then charges (converted), whatever the prices and carriers tried', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 3, maxLength: 3 }), fc.subarray(['a', 'b', 'c']), fc.integer({ min: 1, max: 10 }), (prices, tried, segments) => {
        const cards = new RateBook([card('a', prices[0]), card('b', prices[1], 'GBP'), card('c', prices[2])]);
        const all = compileRules({ currency: 'EUR', exchangeRates: { GBP: 1.2 }, rules: [{ id: 'all', action: { type: 'least-cost', carriers: ['a', 'b'], failover: ['c'] } }] });
        const req = request({ segments, tried });
        const d = chooseRoute(req, all, cards);
        if (!d.routed) return;
        const charged = Math.ceil(d.totalMicros * (d.currency === 'GBP' ? 1.2 : 1));
        expect(worstCasePrice(req, all, cards).totalMicros).toBeGreaterThanOrEqual(charged);
      }),
    );
  });
});
