import fc from 'fast-check';
import { OfflineNumberLookup, RateBook, SimulationError, chooseRoute, compileRules, parseTrafficCsv, simulateTraffic, unitHash, type CarrierHealthView, type RateCard, type RoutingConfiguration, type TrafficRow } from './index';

const card = (carrier: string, entries: [string, number][], currency = 'EUR', version = 1): RateCard => ({ carrier, version, currency, effectiveAtMs: 0, entries: entries.map(([prefix, priceMicros]) => ({ prefix, country: '', network: '', priceMicros })) });
const rulesDoc = (over: Record<string, unknown> = {}) => ({
  currency: 'EUR',
  exchangeRates: { GBP: 1.2 },
  rules: [
    { id: 'otp-uk', match: { country: 'GB', class: 'otp' }, action: { type: 'least-cost', carriers: ['a', 'b'], maxPriceMicros: 15_000 } },
    { id: 'split', match: { sender: 'SPLIT' }, action: { type: 'weighted', carriers: ['a', 'b'], weights: [3, 1] } },
    { id: 'uk', match: { country: 'GB' }, action: { type: 'least-cost', carriers: ['a', 'b', 'c'] } },
    { id: 'de', match: { country: 'DE' }, action: { type: 'fixed', carriers: ['c'], prices: { c: 40_000 } } },
  ],
  ...over,
});
const current: RoutingConfiguration = { rules: compileRules(rulesDoc()), rates: new RateBook([card('a', [['+44', 12_000]]), card('b', [['+44', 10_000]], 'GBP'), card('c', [['+447', 11_000]])]) };
const lookup = new OfflineNumberLookup(undefined, false);
const T = Date.parse('2026-12-01T12:00:00Z');
const traffic = (csv: string, skipBad = false) => parseTrafficCsv(csv, { name: 'traffic.csv', nowMs: T, destinationOf: (n) => lookup.destinationOf(n), skipBad });

const DAY = traffic(
  [
    'to,count,segments,class,sender,max_price',
    '+447711123456,100,1,otp,,',
    '+447712123456,50,2,transactional,,0.0115',
    '+4915112345678,10,1,,,',
    '+33612345678,5,1,,,',
    '+447711123457,400,1,,SPLIT,',
  ].join('\n'),
).rows;

describe('simulateTraffic', () => {
  it('prices every row with chooseRoute: totals, per carrier and per country, in the rules currency', () => {
    const s = simulateTraffic(DAY, current, current);
    // otp-uk: c is not in the rule; b at 10,000 GBP = 12,000 EUR ties a at 12,000: the rule's order keeps a.
    // uk: c at 11,000 is the cheapest for +447…; 50 × 2 segments over max_price 11,500? no (11,000).
    expect(s.current.byCarrier.c).toEqual({ messages: 50 + 10, segments: 100 + 10, costMicros: 100 * 11_000 + 10 * 40_000 });
    expect(s.current.unroutable).toEqual({ NO_ROUTE: 5 });
    expect(s.current.totals).toMatchObject({ messages: 565, segments: 615, routedMessages: 560, unroutableMessages: 5 });
    expect(s.current.byCountry.DE).toEqual({ messages: 10, segments: 10, costMicros: 400_000 });
    // the weighted 3:1 split is sampled: about three quarters to a
    expect(s.current.byCarrier.a.messages - 100).toBeGreaterThan(200);
    expect(s.current.byCarrier.b.messages).toBeGreaterThan(40);
    expect(s.delta).toEqual({ costMicros: 0, percent: 0, routedMessages: 0 });
    expect(s.shifts).toEqual([]);
    expect(s.movers).toEqual([]);
  });

  it('a proposed rate card moves traffic and prices the delta; the movers and shifts say where', () => {
    const proposed = { ...current, rates: new RateBook([card('a', [['+44', 12_000]]), card('b', [['+44', 10_000]], 'GBP'), card('c', [['+447', 13_000]], 'EUR', 2)]) };
    const s = simulateTraffic(DAY, current, proposed);
    // the 50 transactional UK messages leave c (11,000) for a (12,000; b ties at 12,000 and comes later)
    expect(s.shifts).toEqual([{ from: 'c', to: 'a', messages: 50 }]);
    expect(s.delta.costMicros).toBe(50 * 2 * (12_000 - 11_000));
    expect(s.byCarrierDelta.c).toMatchObject({ currentMessages: 60, proposedMessages: 10, deltaMicros: -100 * 11_000 });
    expect(s.movers).toEqual([{ destination: 'GB 234-10', country: 'GB', network: '234-10', messages: 50, currentCostMicros: 1_100_000, proposedCostMicros: 1_200_000, deltaMicros: 100_000 }]);
    // and now over the row's max_price of 0.0115
    expect(s.newlyOverMaxPrice).toEqual({ messages: 50, rows: 1, examples: [expect.objectContaining({ line: 3, current: 'c', proposed: 'a', proposedPricePerSegmentMicros: 12_000, maxPriceMicros: 11_500 })] });
    expect(s.proposed.overMaxPriceMessages).toBe(50);
  });

  it('proposed rules that drop a destination report the rows that become unroutable', () => {
    const rules = compileRules(rulesDoc({ rules: rulesDoc().rules.filter((r) => r.id !== 'de') }));
    const s = simulateTraffic(DAY, current, { ...current, rules });
    expect(s.newlyUnroutable).toMatchObject({ messages: 10, rows: 1, examples: [{ line: 4, country: 'DE', current: 'c', proposed: 'NO_ROUTE' }] });
    expect(s.shifts).toContainEqual({ from: 'c', to: '', messages: 10 });
    expect(s.delta.costMicros).toBe(-400_000);
    expect(s.delta.routedMessages).toBe(-10);
  });

  it('a carrier down in the proposal is left out while another qualifies', () => {
    const down: CarrierHealthView = { isDown: (c) => c === 'c' };
    const s = simulateTraffic(DAY, current, { ...current, health: down });
    expect(s.proposed.byCarrier.c).toEqual({ messages: 10, segments: 10, costMicros: 400_000 }); // DE has no other carrier
    expect(s.proposed.downCarrierMessages).toBe(10);
  });

  it('a health view that shares by message id (half-open) spreads a row over sampled ids only when it says so', () => {
    const halfOpen: CarrierHealthView = { isDown: (c, id) => c === 'c' && unitHash(id) >= 0.5 };
    const uk = DAY.filter((r) => r.line === 3); // 50 messages, c the cheapest
    expect([0, 50]).toContain(simulateTraffic(uk, current, { ...current, health: halfOpen }).proposed.byCarrier.c?.messages ?? 0); // one decision for the row
    const spread = simulateTraffic(uk, current, { ...current, health: halfOpen, healthByMessageId: true }).proposed.byCarrier;
    expect(spread.c.messages).toBeGreaterThan(0);
    expect(spread.a.messages).toBeGreaterThan(0);
    expect(spread.a.messages + spread.c.messages).toBe(50);
  });

  it('refuses to compare configurations priced in different currencies', () => {
    expect(() => simulateTraffic(DAY, current, { ...current, rules: compileRules(rulesDoc({ currency: 'GBP', exchangeRates: {} })) })).toThrow(SimulationError);
  });

  // Random traffic over random prices for four carriers, under one random rule set.
  const carriers = ['a', 'b', 'c', 'd'];
  const arbConfig = fc.record({
    prices: fc.array(fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: undefined }), { minLength: 4, maxLength: 4 }),
    max: fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: undefined }),
    type: fc.constantFrom('least-cost', 'fixed', 'weighted', 'quality-first'),
  });
  const configOf = (c: { prices: (number | undefined)[]; max?: number; type: string }): RoutingConfiguration => ({
    rules: compileRules({
      rules: [
        { id: 'uk', match: { country: 'GB' }, action: { type: c.type, carriers, ...(c.type === 'weighted' && { weights: [1, 2, 3, 4] }), ...(c.max !== undefined && { maxPriceMicros: c.max }) } },
        { id: 'otp', match: { class: 'otp' }, action: { type: 'least-cost', carriers: ['a'], prices: { a: 9_000 } } },
      ],
    }),
    rates: new RateBook(c.prices.flatMap((p, i) => (p === undefined ? [] : [card(carriers[i], [['+44', p]])]))),
  });
  const arbRows = fc.array(
    fc.record({
      n: fc.integer({ min: 0, max: 9_999 }),
      country: fc.constantFrom('+44771', '+4915', '+33'),
      count: fc.integer({ min: 1, max: 50 }),
      segments: fc.integer({ min: 1, max: 4 }),
      otp: fc.boolean(),
    }),
    { maxLength: 30 },
  );
  const rowsOf = (rs: { n: number; country: string; count: number; segments: number; otp: boolean }[]): TrafficRow[] =>
    rs.map((r, i) => {
      const e164 = `${r.country}${String(r.n).padStart(7, '0')}`;
      return { line: i + 2, destination: lookup.destinationOf(e164), count: r.count, segments: r.segments, account: '', sender: '', trafficClass: r.otp ? 'otp' : 'transactional', encoding: 'gsm7', atMs: T };
    });

  it('property: the same configuration on both sides gives a delta of 0 and no movers', () => {
    fc.assert(
      fc.property(arbConfig, arbRows, (c, rs) => {
        const config = configOf(c);
        const s = simulateTraffic(rowsOf(rs), config, config);
        expect(s.delta.costMicros).toBe(0);
        expect(s.current).toEqual(s.proposed);
        expect(s.movers).toEqual([]);
        expect(s.shifts).toEqual([]);
        expect(s.newlyUnroutable.messages + s.newlyOverMaxPrice.messages).toBe(0);
      }),
    );
  });

  it('property: no routed message is priced over its rule maximum; every message is counted once; costs add up', () => {
    fc.assert(
      fc.property(arbConfig, arbConfig, arbRows, (c1, c2, rs) => {
        const rows = rowsOf(rs);
        const [x, y] = [configOf(c1), configOf(c2)];
        const s = simulateTraffic(rows, x, y);
        const messages = rows.reduce((n, r) => n + r.count, 0);
        for (const [o, c] of [
          [s.current, c1],
          [s.proposed, c2],
        ] as const) {
          expect(o.totals.routedMessages + o.totals.unroutableMessages).toBe(messages);
          expect(Object.values(o.byCarrier).reduce((n, l) => n + l.messages, 0)).toBe(o.totals.routedMessages);
          expect(Object.values(o.byCarrier).reduce((n, l) => n + l.costMicros, 0)).toBe(o.totals.costMicros);
          // UK traffic goes by the 'uk' rule: never dearer per segment than its maximum.
          const ukSegments = rows.filter((r) => r.destination.country === 'GB').reduce((n, r) => n + r.count * r.segments, 0);
          if (c.max !== undefined) expect(o.byCountry.GB?.costMicros ?? 0).toBeLessThanOrEqual(c.max * ukSegments);
        }
        expect(s.delta.costMicros).toBe(s.proposed.totals.costMicros - s.current.totals.costMicros);
        expect(Object.values(s.byCarrierDelta).reduce((n, d) => n + d.deltaMicros, 0)).toBe(s.delta.costMicros);
      }),
    );
  });

  it('property: a row of one message costs what chooseRoute says, converted into the rules currency', () => {
    fc.assert(
      fc.property(arbConfig, arbRows, (c, rs) => {
        const config = configOf(c);
        for (const row of rowsOf(rs).map((r) => ({ ...r, count: 1 }))) {
          const d = chooseRoute({ messageId: `sim-${row.line}`, destination: row.destination, account: '', sender: '', trafficClass: row.trafficClass, encoding: 'gsm7', segments: row.segments, nowMs: T }, config.rules, config.rates);
          const s = simulateTraffic([row], config, config);
          expect(s.current.totals.costMicros).toBe(d.routed ? d.totalMicros : 0);
          if (d.routed) expect(s.current.byCarrier[d.carrier]?.messages).toBe(1);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('parseTrafficCsv', () => {
  it('reads the columns by header name, in any order, with defaults', () => {
    const { rows } = traffic('# a day of traffic\ncount,to,account\n3,+447711123456,acme\n\n1,+4477*,\n');
    expect(rows).toEqual([
      expect.objectContaining({ line: 3, count: 3, segments: 1, account: 'acme', sender: '', trafficClass: 'transactional', encoding: 'gsm7', atMs: T, destination: expect.objectContaining({ e164: '+447711123456', country: 'GB', network: '234-10' }) }),
      expect.objectContaining({ line: 5, destination: expect.objectContaining({ e164: '+4477', country: 'GB' }) }),
    ]);
  });

  it('a quoted field may hold a comma or a quote; a semicolon is text', () => {
    expect(traffic('to,sender\r\n+447711123456,"AC,""ME"""\r\n+447711123456,A;B\r\n').rows.map((r) => r.sender)).toEqual(['AC,"ME"', 'A;B']);
  });

  it('a prefix takes the main country of its calling code; country and network columns override', () => {
    const { rows } = traffic('to,country,network,time\n+1*,,,2026-12-01T08:00:00Z\n+4477*,JE,23450,1764576000000\n');
    expect(rows[0]).toMatchObject({ destination: { country: 'US' }, atMs: Date.parse('2026-12-01T08:00:00Z') });
    expect(rows[1]).toMatchObject({ destination: { country: 'JE', network: '234-50' }, atMs: 1764576000000 });
  });

  it('names the line and the column of a bad row', () => {
    const bad: [string, string][] = [
      ['to,count\n+447711123456,0\n', 'traffic.csv line 2, column count: "0" must be a whole number from 1 to 1000000000'],
      ['to\n07711123456x\n', 'traffic.csv line 2, column to: "07711123456x" must be an E.164 number'],
      ['to,class\n+447711123456,promo\n', 'traffic.csv line 2, column class: "promo" must be one of otp, transactional, marketing'],
      ['to,encoding\n+447711123456,utf8\n', 'line 2, column encoding'],
      ['to,time\n+447711123456,yesterday\n', 'line 2, column time'],
      ['to,max_price\n+447711123456,-1\n', 'line 2, column max_price'],
      ['to,network\n+447711123456,Vodafone\n', 'line 2, column network'],
      ['to,segments\n\n+447711123456,300\n', 'traffic.csv line 3, column segments'],
      ['to,count\n+447711123456\n', 'traffic.csv line 2: expected 2 fields (to,count), found 1'],
      ['number,count\n', 'traffic.csv line 1: unknown column "number" in the header'],
      ['count\n1\n', 'the header needs a "to" column'],
      ['', 'traffic.csv: empty'],
    ];
    for (const [csv, message] of bad) expect(() => traffic(csv)).toThrow(message);
    try {
      traffic('to,count\n+447711123456,x\n');
    } catch (err) {
      expect(err).toMatchObject({ code: 'SIMULATION.INVALID_TRAFFIC', problem: { line: 2, column: 'count' } });
    }
  });

  it('skipBad leaves bad rows out and counts them', () => {
    const p = traffic('to,count\n+447711123456,2\nnope,1\n+447711123457,x\n+447711123458,1\n', true);
    expect(p.rows.map((r) => r.line)).toEqual([2, 5]);
    expect(p.skipped).toBe(2);
    expect(p.problems.map((x) => [x.line, x.column])).toEqual([
      [3, 'to'],
      [4, 'count'],
    ]);
  });
});
