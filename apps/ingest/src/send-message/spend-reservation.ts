import { Inject, Injectable } from '@nestjs/common';
import { closeReservations, reserveSpend, type ReservationRequest } from '@smsgw/accounts/data-access-store';
import { BillingError } from '@smsgw/accounts/domain';
import { LOGGER, METRICS, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, type Registry } from '@smsgw/shared/util-metrics';
import type { Pool } from 'pg';
import { RoutingView } from '../explain-route/routing-view.service';
import type { MessageAccepted } from '@smsgw/shared/util-proto';

/** One prepaid message to reserve for. */
export interface Billable {
  accepted: MessageAccepted;
  /** "gsm7", "ucs2", "latin1": what the encoder is expected to choose. */
  encoding: string;
  segments: number;
}

/**
 * The spend check of the send use case: each prepaid message's worst-case price (pure, from the
 * route rules and rate cards ingest holds for ExplainRoute), reserved for the whole batch in one
 * statement. Accounts without a balance never get here (AccountPolicy.prepaid).
 */
@Injectable()
export class SpendReservation {
  private readonly reservations;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) registry: Registry,
    private readonly routing: RoutingView,
  ) {
    this.reservations = counter(
      registry,
      'smsgw_billing_reservations_total',
      "Prepaid messages at accept, by result: reserved (their worst-case price taken from the balance), insufficient (BILLING.INSUFFICIENT_BALANCE), currency_mismatch, unpriced (route rules not loaded), cancelled (reserved, then not published: refunded at once).",
      ['result'],
    );
  }

  /** Per message: undefined (reserved; the request to undo it with, should the message not be published) or the refusal. */
  async reserve(billables: readonly Billable[]): Promise<({ reserved: ReservationRequest; refused?: undefined } | { refused: BillingError; reserved?: undefined })[]> {
    const requests: (ReservationRequest | BillingError)[] = billables.map((b) => {
      const price = this.routing.worstCase(b.accepted, b.encoding, b.segments);
      if (!price) return new BillingError('BILLING.UNPRICED', 'prepaid accounts cannot be priced: ingest has no route rules loaded (ROUTES_FILE); try again once they are fixed');
      return { accountId: b.accepted.clientId, messageId: b.accepted.id, amountMicros: price.totalMicros, currency: price.currency };
    });
    const priced = requests.flatMap((r, i) => (r instanceof BillingError ? [] : [{ r, i }]));
    const verdicts = await reserveSpend(
      this.pool,
      priced.map((p) => p.r),
    );
    const out = requests.map((r) => (r instanceof BillingError ? { refused: r } : { reserved: r }));
    priced.forEach(({ i }, k) => {
      const v = verdicts[k];
      if (!v) return;
      out[i] = { refused: v.reason === 'insufficient' ? BillingError.insufficient(v.availableMicros, v.amountMicros, v.currency) : BillingError.currencyMismatch(v.accountCurrency, v.currency) };
    });
    for (const o of out) this.reservations.inc({ result: o.reserved ? 'reserved' : RESULT[o.refused.code] });
    return out;
  }

  /** Gives back what was reserved for messages that were not published after all (a racing duplicate, a failed produce). */
  async cancel(reserved: readonly ReservationRequest[]): Promise<void> {
    if (reserved.length === 0) return;
    this.reservations.inc({ result: 'cancelled' }, reserved.length);
    await closeReservations(
      this.pool,
      reserved.map((r) => ({ kind: 'refund', reservation: { accountId: r.accountId, messageId: r.messageId, reservedMicros: r.amountMicros, currency: r.currency }, releaseMicros: r.amountMicros })),
    ).catch((err: Error) => this.logger.error({ err, messages: reserved.length }, 'reservations of unpublished messages not refunded; they stay reserved (smsgw accounts balance shows them)'));
  }
}

const RESULT: Record<BillingError['code'], string> = {
  'BILLING.INSUFFICIENT_BALANCE': 'insufficient',
  'BILLING.CURRENCY_MISMATCH': 'currency_mismatch',
  'BILLING.UNPRICED': 'unpriced',
};
