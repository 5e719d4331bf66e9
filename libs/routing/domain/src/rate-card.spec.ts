import fc from 'fast-check';
import { RateBook, RoutingConfigError, activeRateCards, expandPrefix, formatMicros, parsePriceMicros, parseRateCardCsv, parseRateCardDocument, validateRateCard, type Destination } from './index';

const dest = (e164: string, country = '', network = ''): Destination => ({ e164, country, network, networkName: '', numberType: 'MOBILE' });

describe('rate card import', () => {
  it('reads a carrier CSV: header, quotes, empty fields, comments, prefix ranges', () => {
    const csv = ['prefix,country,network,price', '# UK', '+4477,GB,,0.012', '"447700-447702",GB,"234-10",0.0105', ',GB,23415,0.011', ',FR,,0.03', ''].join('\r\n');
    expect(parseRateCardCsv(csv)).toEqual([
      { prefix: '+4477', country: 'GB', network: '', priceMicros: 12000 },
      { prefix: '+447700', country: 'GB', network: '234-10', priceMicros: 10500 },
      { prefix: '+447701', country: 'GB', network: '234-10', priceMicros: 10500 },
      { prefix: '+447702', country: 'GB', network: '234-10', priceMicros: 10500 },
      { prefix: '', country: 'GB', network: '234-15', priceMicros: 11000 },
      { prefix: '', country: 'FR', network: '', priceMicros: 30000 },
    ]);
  });

  it.each([
    ['4477,GB,,abc', 'line 1: price "abc"'],
    ['4477,GB,0.01', 'expected 4 fields'],
    [',,,0.01', 'needs a prefix, a country or a network'],
    ['4477,GBR,,0.01', 'country "GBR"'],
    ['4477,GB,Vodafone,0.01', 'network "Vodafone" must be MCC-MNC'],
    ['44x,GB,,0.01', 'prefix "44x"'],
    ['4479-4470,GB,,0.01', 'prefix "4479-4470"'],
    ['4477,GB,,0.01\n+4477,GB,,0.02', 'prefix +4477 is priced twice'],
    ['# nothing', 'has no prices'],
    ['4477,GB,,0.0000001', 'at most 6 decimals'],
  ])('refuses a bad CSV with the line and the fix (%s)', (csv, message) => {
    expect(() => parseRateCardCsv(csv, 'uk.csv')).toThrow(RoutingConfigError);
    expect(() => parseRateCardCsv(csv, 'uk.csv')).toThrow(message);
  });

  it('reads the YAML form with currency and effective date', () => {
    const doc = { currency: 'GBP', effective: '2026-12-01T00:00:00Z', rates: [{ prefix: '+4477', price: 0.01 }, { country: 'GB', network: '234-30', price: '0.009' }] };
    expect(parseRateCardDocument(doc)).toEqual({
      currency: 'GBP',
      effectiveAtMs: Date.parse('2026-12-01T00:00:00Z'),
      entries: [
        { prefix: '+4477', country: '', network: '', priceMicros: 10000 },
        { prefix: '', country: 'GB', network: '234-30', priceMicros: 9000 },
      ],
    });
    expect(() => parseRateCardDocument({ rates: [] })).toThrow('has no prices');
    expect(() => parseRateCardDocument({ effective: 'soon', rates: [{ country: 'GB', price: 1 }] })).toThrow('effective "soon" is not a date');
  });

  it('validates a whole card', () => {
    const card = { carrier: 'acme', version: 1, currency: 'EUR', effectiveAtMs: 0, entries: [{ prefix: '', country: 'GB', network: '', priceMicros: 1 }] };
    expect(validateRateCard(card)).toBe(card);
    expect(() => validateRateCard({ ...card, carrier: 'Acme' })).toThrow('carrier "Acme"');
    expect(() => validateRateCard({ ...card, currency: 'euro' })).toThrow('currency "euro"');
  });

  it('prices and formats micro-units exactly', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 999_999_999_999 }), (m) => parsePriceMicros(formatMicros(m)) === m));
    expect(parsePriceMicros('0.0125')).toBe(12_500);
    expect(expandPrefix('+4477')).toEqual(['+4477']);
    expect(expandPrefix('4470-4472')).toEqual(['+4470', '+4471', '+4472']);
  });
});

describe('RateBook', () => {
  const book = new RateBook([
    {
      carrier: 'a',
      version: 3,
      currency: 'EUR',
      effectiveAtMs: 0,
      entries: [
        { prefix: '+44', country: '', network: '', priceMicros: 20_000 },
        { prefix: '+4477', country: '', network: '', priceMicros: 12_000 },
        { prefix: '', country: 'GB', network: '234-15', priceMicros: 11_000 },
        { prefix: '', country: 'FR', network: '', priceMicros: 30_000 },
      ],
    },
  ]);

  it('takes the longest prefix, then the network, then the country', () => {
    expect(book.priceFor('a', dest('+447711123456', 'GB', '234-15'))).toEqual({ priceMicros: 12_000, currency: 'EUR', basis: 'prefix +4477', version: 3 });
    expect(book.priceFor('a', dest('+447511123456', 'GB', '234-15'))?.basis).toBe('prefix +44');
    expect(book.priceFor('a', dest('+33612345678', 'FR', '208-01'))?.basis).toBe('country FR');
    expect(book.priceFor('a', dest('+491511234567', 'DE'))).toBeUndefined();
    expect(book.priceFor('b', dest('+447711123456', 'GB'))).toBeUndefined();
  });

  it('a network price applies where no prefix does', () => {
    const only = new RateBook([{ carrier: 'a', version: 1, currency: 'EUR', effectiveAtMs: 0, entries: [{ prefix: '', country: 'GB', network: '234-15', priceMicros: 7 }, { prefix: '', country: 'GB', network: '', priceMicros: 9 }] }]);
    expect(only.priceFor('a', dest('+447511123456', 'GB', '234-15'))?.priceMicros).toBe(7);
    expect(only.priceFor('a', dest('+447511123456', 'GB', '234-10'))?.priceMicros).toBe(9);
  });
});

describe('activeRateCards', () => {
  it('per carrier, the newest version in effect', () => {
    const h = (carrier: string, version: number, effectiveAtMs: number) => ({ carrier, version, currency: 'EUR', effectiveAtMs });
    const cards = [h('a', 1, 0), h('a', 2, 100), h('a', 3, 1_000), h('b', 1, 2_000)];
    expect(activeRateCards(cards, 500).map((c) => `${c.carrier}${c.version}`)).toEqual(['a2']);
    expect(activeRateCards(cards, 5_000).map((c) => `${c.carrier}${c.version}`)).toEqual(['a3', 'b1']);
  });
});
