import { RoutingConfigError } from '@smsgw/routing/domain';
import { ImportRateCardRequest } from '@smsgw/shared/util-proto';
import { rateCardFromRequest } from './rate-card-request';

const req = (over: Partial<ImportRateCardRequest>) => ImportRateCardRequest.create({ carrier: 'acme', format: 'csv', content: 'prefix,country,network,price\n4477,GB,,0.012\n', currency: 'eur', ...over });

describe('rateCardFromRequest', () => {
  it('CSV with the currency and effective date of the request', () => {
    expect(rateCardFromRequest(req({ effectiveAtMs: 5 }), 1)).toEqual({ carrier: 'acme', currency: 'EUR', effectiveAtMs: 5, entries: [{ prefix: '+4477', country: 'GB', network: '', priceMicros: 12_000 }] });
    expect(rateCardFromRequest(req({}), 7).effectiveAtMs).toBe(7);
  });

  it("YAML with its own currency and date; the request's currency wins", () => {
    const content = 'currency: GBP\neffective: 2026-12-01T00:00:00Z\nrates:\n  - { country: GB, network: "234-15", price: 0.01 }\n';
    expect(rateCardFromRequest(req({ format: 'yaml', content, currency: '' }))).toMatchObject({ currency: 'GBP', effectiveAtMs: Date.parse('2026-12-01T00:00:00Z') });
    expect(rateCardFromRequest(req({ format: 'yaml', content, currency: 'USD' })).currency).toBe('USD');
  });

  it.each([
    [{ currency: '' }, 'currency is missing'],
    [{ format: 'xls' }, 'format "xls" must be csv or yaml'],
    [{ format: 'yaml', content: 'rates: [' }, 'not YAML'],
    [{ carrier: 'Bad Carrier' }, 'carrier "Bad Carrier"'],
    [{ content: '4477,GB,,cheap' }, 'line 1: price "cheap"'],
  ])('refuses %j with a reason', (over, message) => {
    expect(() => rateCardFromRequest(req(over))).toThrow(RoutingConfigError);
    expect(() => rateCardFromRequest(req(over))).toThrow(message);
  });
});
