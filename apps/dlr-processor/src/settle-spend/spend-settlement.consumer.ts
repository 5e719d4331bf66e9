import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { closeReservations, findOpenReservations, type OpenReservationView } from '@smsgw/accounts/data-access-store';
import { closeReservation, type Closing } from '@smsgw/accounts/domain';
import { isFinal } from '@smsgw/dlr/domain';
import { TOPICS, decodeBatch, startFetchConsumer, type ConsumedFetch } from '@smsgw/shared/data-access-kafka';
import { HealthRegistry, LOGGER, METRICS, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, type Registry } from '@smsgw/shared/util-metrics';
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { KAFKA } from '@smsgw/shared/feature-ops';

/** What one fetch of sms.status.v1 says of a message. */
interface Seen {
  final: boolean;
  /** Some event named a carrier: the message got one, so it is never refunded. */
  carrier: boolean;
}

/** The status projector publishes before it commits: a routed price may be a moment from being readable. */
const PRICE_READ_ATTEMPTS = 3;
const PRICE_READ_PAUSE_MS = 200;

/**
 * Closes prepaid reservations from sms.status.v1 (its own consumer group, every fetch one read of
 * the open reservations of its messages and one closing statement): a message with a routed
 * price is settled at it, one final without ever getting a carrier (no route, expired or canceled
 * before submit) is refunded. Replays are harmless: a message closes once (the ledger's index).
 * A message that got a carrier but whose price cannot be read keeps its worst-case reservation
 * (counted in smsgw_billing_closings_total{kind="unpriced"}).
 */
@Injectable()
export class SpendSettlementConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | undefined;
  private readonly closings;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) registry: Registry,
    health: HealthRegistry,
  ) {
    this.closings = counter(registry, 'smsgw_billing_closings_total', 'Prepaid reservations closed, by kind: settle (at the routed price), refund (failed before any carrier), unpriced (routed, price not readable: the worst case stays charged).', ['kind']);
    health.add('billing-consumer', () => this.consumer !== undefined || 'billing consumer not started');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startFetchConsumer(this.kafka, { groupId: 'smsgw-billing', topics: [TOPICS.status], logger: this.logger, handle: (fetch) => this.handle(fetch) });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  async handle(fetch: ConsumedFetch): Promise<void> {
    const seen = new Map<string, Seen>();
    for (const batch of fetch.batches) {
      for (const { value: e } of decodeBatch(TOPICS.status, batch.messages).events) {
        const s = seen.get(e.messageId) ?? { final: false, carrier: false };
        s.final ||= isFinal(e.status);
        s.carrier ||= e.carrierId !== '';
        seen.set(e.messageId, s);
      }
    }
    let ids = [...seen.keys()];
    const closings: Closing[] = [];
    for (let attempt = 1; ids.length > 0; attempt++) {
      const waiting: string[] = [];
      for (const open of await findOpenReservations(this.pool, ids)) {
        const s = seen.get(open.reservation.messageId) as Seen;
        const closing = closingOf(open, s);
        if (closing) closings.push(closing);
        else if (s.final) waiting.push(open.reservation.messageId); // final with a carrier, its price not readable yet
      }
      if (waiting.length === 0 || attempt === PRICE_READ_ATTEMPTS) {
        if (waiting.length) this.closings.inc({ kind: 'unpriced' }, waiting.length);
        break;
      }
      ids = waiting;
      await new Promise((resolve) => setTimeout(resolve, PRICE_READ_PAUSE_MS));
    }
    const written = await closeReservations(this.pool, closings);
    for (const c of closings) this.closings.inc({ kind: c.kind });
    if (closings.length) this.logger.debug({ closings: closings.length, written }, 'prepaid reservations closed');
  }
}

/** A message with a carrier is never refunded: without its price it waits (the pure rule: closeReservation). */
function closingOf(open: OpenReservationView, seen: Seen): Closing | undefined {
  const carrier = seen.carrier || open.carrierId !== '';
  return closeReservation(open.reservation, { chargedMicros: open.chargedMicros, chargeCurrency: open.chargeCurrency, final: !carrier && (seen.final || open.completed) });
}
