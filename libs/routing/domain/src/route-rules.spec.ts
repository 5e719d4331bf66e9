import { RoutingConfigError, compileRules, type RouteRequest } from './index';
import { request } from './route-request.fixture';


const action = { type: 'least-cost', carriers: ['a'] };
const matches = (match: unknown, req: RouteRequest) => compileRules({ rules: [{ id: 'r', match, action }] }).rules[0].filters.every((f) => f.test(req));

describe('compileRules', () => {
  it('compiles filters of every kind', () => {
    const req = request();
    expect(matches({ country: ['GB', 'GG'], network: ['23410'], prefix: ['+4477'], account: 'acc-1', sender: ['ACME*'], class: ['transactional'], encoding: 'gsm7' }, req)).toBe(true);
    expect(matches({ country: 'FR' }, req)).toBe(false);
    expect(matches({ network: '234-15' }, req)).toBe(false);
    expect(matches({ prefix: '447700-447709' }, req)).toBe(false);
    expect(matches({ sender: ['ACME'] }, request({ sender: 'ACMEBANK' }))).toBe(false);
    expect(matches({ sender: ['ACME*'] }, request({ sender: 'ACMEBANK' }))).toBe(true);
    expect(matches({ class: 'otp' }, req)).toBe(false);
    expect(matches({ encoding: 'ucs2' }, req)).toBe(false);
  });

  it('time of day and week in a zone, windows across midnight too', () => {
    const at = (iso: string) => request({ nowMs: Date.parse(iso) });
    const office = { days: ['mon-fri'], from: '09:00', to: '17:00', zone: 'Europe/London' };
    expect(matches({ time: office }, at('2026-12-01T12:00:00Z'))).toBe(true); // Tuesday noon
    expect(matches({ time: office }, at('2026-12-05T12:00:00Z'))).toBe(false); // Saturday
    expect(matches({ time: office }, at('2026-07-01T16:30:00Z'))).toBe(false); // 17:30 BST
    expect(matches({ time: { ...office, zone: 'America/New_York' } }, at('2026-12-01T12:00:00Z'))).toBe(false); // 07:00 there
    const night = { from: '22:00', to: '06:00', zone: 'UTC', days: ['fri'] };
    expect(matches({ time: night }, at('2026-12-04T23:00:00Z'))).toBe(true); // Friday 23:00
    expect(matches({ time: night }, at('2026-12-05T05:00:00Z'))).toBe(true); // Saturday 05:00, Friday's night
    expect(matches({ time: night }, at('2026-12-05T23:00:00Z'))).toBe(false);
  });

  it('reads the older routes: list as rules (longest prefix, cheapest, shorter prefixes as failover)', () => {
    const rules = compileRules({ routes: [{ id: 'w', prefix: '+', carrier: 'g', pricePerSegmentMicros: 9 }, { id: 'uk', prefix: '+44', carrier: 'a', pricePerSegmentMicros: 4 }, { id: 'uk2', prefix: '+44', carrier: 'b', pricePerSegmentMicros: 3 }] });
    expect(rules.rules.map((r) => [r.id, r.action.carriers, r.action.failover])).toEqual([
      ['routes:+44', ['b', 'a'], ['g']],
      ['routes:+', ['g'], []],
    ]);
    expect(rules.rules[0].action.prices.get('a')).toBe(4);
    expect(rules.carriers).toEqual(['a', 'b', 'g']);
  });

  it.each([
    [{}, 'expected a "rules:" list'],
    [{ rules: [{ action }] }, 'rule 1: id is required'],
    [{ rules: [{ id: 'x', action }, { id: 'x', action }] }, 'rule 2 (x): id "x" is used twice'],
    [{ rules: [{ id: 'x', match: { colour: 'red' }, action }] }, 'unknown filter "colour"'],
    [{ rules: [{ id: 'x', match: { country: [] }, action }] }, 'match.country: needs at least one value'],
    [{ rules: [{ id: 'x', match: { country: 'GBR' }, action }] }, 'match.country: "GBR"'],
    [{ rules: [{ id: 'x', match: { class: 'promo' }, action }] }, 'match.class: "promo" must be one of otp, transactional, marketing'],
    [{ rules: [{ id: 'x', match: { time: { zone: 'Mars/Olympus' } }, action }] }, 'not an IANA time zone'],
    [{ rules: [{ id: 'x', match: { time: { from: '9am' } }, action }] }, 'match.time.from: "9am" must be HH:MM'],
    [{ rules: [{ id: 'x', match: { time: { days: ['someday'] } }, action }] }, '"someday" must be a day'],
    [{ rules: [{ id: 'x', action: { type: 'cheapest', carriers: ['a'] } }] }, 'action.type: "cheapest" must be one of'],
    [{ rules: [{ id: 'x', action: { type: 'fixed', carriers: [] } }] }, 'action.carriers: needs at least one carrier'],
    [{ rules: [{ id: 'x', action: { type: 'fixed', carriers: ['A B'] } }] }, 'carrier "A B"'],
    [{ rules: [{ id: 'x', action: { type: 'fixed', carriers: ['a'], failover: ['a'] } }] }, 'already in action.carriers'],
    [{ rules: [{ id: 'x', action: { type: 'weighted', carriers: ['a', 'b'], weights: [1] } }] }, 'one weight > 0 per carrier (2)'],
    [{ rules: [{ id: 'x', action: { type: 'fixed', carriers: ['a'], weights: [1] } }] }, 'only a weighted action takes weights'],
    [{ rules: [{ id: 'x', action: { type: 'fixed', carriers: ['a'], maxPriceMicros: 0.02 } }] }, 'maxPriceMicros: must be a whole number'],
    [{ rules: [{ id: 'x', action: { type: 'fixed', carriers: ['a'], prices: { b: 1 } } }] }, 'carrier "b" is not in carriers or failover'],
    [{ currency: 'eur', rules: [] }, 'currency "eur"'],
    [{ exchangeRates: { USD: -1 }, rules: [] }, 'exchangeRates.USD'],
    [{ rules: [], routes: [] }, 'keep one'],
    [{ routes: [{ id: 'a', prefix: '44', carrier: 'a' }] }, 'prefix "44"'],
  ])('refuses a bad file with the place and the fix (%#)', (doc, message) => {
    expect(() => compileRules(doc, 'routes.yaml')).toThrow(RoutingConfigError);
    expect(() => compileRules(doc, 'routes.yaml')).toThrow(message);
  });
});
