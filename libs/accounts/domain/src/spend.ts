import { formatMicros } from '@smsgw/routing/domain';

/**
 * Spend: an account with a balance reserves each message's worst-case price at accept; the
 * reservation is settled at the routed price (the difference released) or refunded when the
 * message fails before any carrier. Amounts are integer micro-units (0.0125 EUR = 12500).
 */

export type BillingCode = 'BILLING.INSUFFICIENT_BALANCE' | 'BILLING.CURRENCY_MISMATCH' | 'BILLING.UNPRICED';

/** 12500 → "0.0125 EUR" (no floating point). */
export const formatMoney = (micros: number, currency: string): string => `${formatMicros(micros)} ${currency}`;

/** A message its account cannot pay for. FAILED_PRECONDITION: the request is fine, the account needs credit. */
export class BillingError extends Error {
  readonly field = '';
  constructor(
    readonly code: BillingCode,
    message: string,
  ) {
    super(message);
    this.name = 'BillingError';
  }

  static insufficient(availableMicros: number, priceMicros: number, currency: string): BillingError {
    return new BillingError(
      'BILLING.INSUFFICIENT_BALANCE',
      `the account's balance (${formatMoney(availableMicros, currency)} available, credit limit included) does not cover this message's price (up to ${formatMoney(priceMicros, currency)}); an admin can add credit: smsgw accounts credit <account> <amount>`,
    );
  }

  static currencyMismatch(accountCurrency: string, priceCurrency: string): BillingError {
    return new BillingError('BILLING.CURRENCY_MISMATCH', `the account's balance is in ${accountCurrency} but routes are priced in ${priceCurrency} (routes.yaml currency); an admin has to keep the balance in ${priceCurrency}`);
  }
}

/** What a settle or refund closes. */
export interface OpenReservation {
  accountId: string;
  messageId: string;
  reservedMicros: number;
  currency: string;
}

/** What the status store knows of the message when one of its status changes is seen. */
export interface MessageCharge {
  /** The routing decision's price × segments, and its currency ('' when never routed). */
  chargedMicros: number;
  chargeCurrency: string;
  /** The message has reached a final status. */
  final: boolean;
}

export type Closing =
  | { kind: 'settle'; reservation: OpenReservation; chargedMicros: number; /** Given back to the balance: reserved − charged. */ releaseMicros: number }
  | { kind: 'refund'; reservation: OpenReservation; releaseMicros: number };

/**
 * How a reservation closes: routed → settled at the routed price (a price in another currency
 * than the balance cannot be converted here, so the reserved worst case is kept); final without a
 * route → refunded whole; otherwise still open.
 */
export function closeReservation(reservation: OpenReservation, message: MessageCharge): Closing | undefined {
  if (message.chargeCurrency) {
    const chargedMicros = message.chargeCurrency === reservation.currency ? message.chargedMicros : reservation.reservedMicros;
    return { kind: 'settle', reservation, chargedMicros, releaseMicros: reservation.reservedMicros - chargedMicros };
  }
  if (message.final) return { kind: 'refund', reservation, releaseMicros: reservation.reservedMicros };
  return undefined;
}
