import { RouteTable, RouteTableError, type Route } from './index';

const r = (id: string, prefix: string, carrier: string, price = 0): Route => ({ id, prefix, carrier, pricePerSegmentMicros: price });

describe('RouteTable', () => {
  const table = new RouteTable([r('world', '+', 'global', 9000), r('uk', '+44', 'uk-a', 4000), r('uk-b', '+44', 'uk-b', 3500), r('uk-mobile-x', '+4479', 'uk-x', 5000)]);

  it('picks the longest prefix first', () => {
    expect(table.choose('+447911123456')?.route.id).toBe('uk-mobile-x');
  });

  it('picks the cheapest carrier among routes of the same prefix', () => {
    expect(table.choose('+447711123456')?.route.id).toBe('uk-b');
  });

  it('falls back to other carriers, then to shorter prefixes, on failover', () => {
    expect(table.choose('+447911123456', ['uk-x'])?.route.id).toBe('uk-b');
    expect(table.choose('+447911123456', ['uk-x', 'uk-b', 'uk-a'])?.route.id).toBe('world');
    expect(table.choose('+447911123456', ['uk-x', 'uk-b', 'uk-a', 'global'])).toBeUndefined();
  });

  it('lists alternatives cheapest-first within the longest prefix', () => {
    expect(table.choose('+447911123456')?.alternatives.map((a) => a.id)).toEqual(['uk-b', 'uk', 'world']);
  });

  it('has no route where no prefix matches', () => {
    expect(new RouteTable([r('uk', '+44', 'uk-a')]).choose('+15551234567')).toBeUndefined();
  });

  it.each([
    [[r('', '+44', 'a')], 'id is required'],
    [[r('a', '+44', 'a'), r('a', '+45', 'b')], 'used twice'],
    [[r('a', '44', 'a')], 'prefix "44"'],
    [[r('a', '+44', 'Bad Carrier')], 'carrier "Bad Carrier"'],
    [[r('a', '+44', 'a', -1)], 'pricePerSegmentMicros'],
  ])('refuses a bad table (%#)', (routes, message) => {
    expect(() => new RouteTable(routes)).toThrow(RouteTableError);
    expect(() => new RouteTable(routes)).toThrow(message);
  });
});
