import { BillingError, closeReservation, formatMoney, type OpenReservation } from './spend';

const open: OpenReservation = { accountId: 'acc', messageId: 'm1', reservedMicros: 30_000, currency: 'EUR' };

describe('spend', () => {
  it('settles a routed message at its price and releases the rest', () => {
    expect(closeReservation(open, { chargedMicros: 12_000, chargeCurrency: 'EUR', final: false })).toEqual({ kind: 'settle', reservation: open, chargedMicros: 12_000, releaseMicros: 18_000 });
    // A final status after routing still settles (a carrier took it): never a refund.
    expect(closeReservation(open, { chargedMicros: 12_000, chargeCurrency: 'EUR', final: true })).toMatchObject({ kind: 'settle', chargedMicros: 12_000 });
  });

  it('keeps the worst case when the routed price is in another currency', () => {
    expect(closeReservation(open, { chargedMicros: 9_000, chargeCurrency: 'GBP', final: false })).toMatchObject({ kind: 'settle', chargedMicros: 30_000, releaseMicros: 0 });
  });

  it('refunds a message final without a route, and leaves a pending one open', () => {
    expect(closeReservation(open, { chargedMicros: 0, chargeCurrency: '', final: true })).toEqual({ kind: 'refund', reservation: open, releaseMicros: 30_000 });
    expect(closeReservation(open, { chargedMicros: 0, chargeCurrency: '', final: false })).toBeUndefined();
  });

  it('says the balance and the price', () => {
    expect(formatMoney(12_500, 'EUR')).toBe('0.0125 EUR');
    expect(formatMoney(-2_000_000, 'EUR')).toBe('-2 EUR');
    const err = BillingError.insufficient(10_000, 25_000, 'EUR');
    expect(err.code).toBe('BILLING.INSUFFICIENT_BALANCE');
    expect(err.message).toContain('0.01 EUR available');
    expect(err.message).toContain('up to 0.025 EUR');
  });
});
