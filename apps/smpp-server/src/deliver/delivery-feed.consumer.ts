import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { TOPICS, decodeBatch, ensureTopics, startFetchConsumer, topicSpecs, type ConsumedFetch } from '@smsgw/shared/data-access-kafka';
import { CONFIG, HealthRegistry, KAFKA, LOGGER, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { MessageStatus } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { SmppServerEnv } from '../env';
import { SmppServerMetrics } from '../smpp-server.metrics';
import { receiptStat } from './deliver-sm';
import { queueInbound, receiptsForFinalStatuses, type FinalStatus, type InboundDelivery } from './delivery.store';
import { DeliveryDispatcher } from './delivery.dispatcher';

/**
 * What ESMEs are sent: final statuses of SMPP submissions (sms.status.v1) become receipts, routed
 * MO of accounts with SMPP credentials (sms.inbound.routed.v1) become MO deliver_sm, both queued
 * in PostgreSQL in one statement per fetch before the offsets are committed (nothing is lost
 * between Kafka and the ESME). One consumer group for all replicas: any replica's binds deliver.
 */
@Injectable()
export class DeliveryFeedConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: SmppServerEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly metrics: SmppServerMetrics,
    health: HealthRegistry,
  ) {
    health.add('kafka-consumer', () => this.consumer !== undefined || 'status and inbound consumer not started');
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureTopics(this.kafka, topicSpecs([TOPICS.status, TOPICS.inboundRouted], this.config));
    this.consumer = await startFetchConsumer(this.kafka, { groupId: 'smsgw-smpp-server', topics: [TOPICS.status, TOPICS.inboundRouted], logger: this.logger, handle: (fetch) => this.handle(fetch) });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async handle(fetch: ConsumedFetch): Promise<void> {
    const finals: FinalStatus[] = [];
    const inbound: InboundDelivery[] = [];
    for (const batch of fetch.batches) {
      if (batch.topic === TOPICS.status.name) {
        for (const { value: e } of decodeBatch(TOPICS.status, batch.messages).events) {
          if (receiptStat(e.status) !== undefined) finals.push({ messageId: e.messageId, status: e.status, reasonCode: e.reasonCode, doneAtMs: Number(e.occurredAtMs) || Date.now(), failure: e.status !== MessageStatus.DELIVERED });
        }
      } else {
        for (const { value: m } of decodeBatch(TOPICS.inboundRouted, batch.messages).events) {
          if (m.accountId) inbound.push({ accountId: m.accountId, messageId: m.id, from: m.from, to: m.to, text: m.text, receivedAtMs: Number(m.receivedAtMs) || Date.now() });
        }
      }
    }
    const [receiptAccounts, moAccounts] = await Promise.all([receiptsForFinalStatuses(this.pool, finals), queueInbound(this.pool, inbound)]);
    this.metrics.receiptsQueued.inc({ kind: 'receipt' }, receiptAccounts.count);
    this.metrics.receiptsQueued.inc({ kind: 'mo' }, moAccounts.count);
    for (const accountId of new Set([...receiptAccounts.accounts, ...moAccounts.accounts])) this.dispatcher.kick(accountId);
  }
}
