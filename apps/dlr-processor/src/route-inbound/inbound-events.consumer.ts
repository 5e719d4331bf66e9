import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { TOPICS, startFetchConsumer } from '@smsgw/shared/data-access-kafka';
import { CONFIG, HealthRegistry, LOGGER, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { sweepInbound } from '@smsgw/twoway/data-access-store';
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { DlrEnv } from '../env';
import { KAFKA } from '@smsgw/shared/feature-ops';
import { InboundRouter } from './inbound-router.service';

const SWEEP_INTERVAL_MS = 3_600_000;

/** The inbound router's consumer group on sms.inbound.v1, and the hourly retention sweep of stored inbound messages. */
@Injectable()
export class InboundEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: DlrEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly router: InboundRouter,
    health: HealthRegistry,
  ) {
    health.add('inbound-consumer', () => this.consumer !== undefined || 'sms.inbound.v1 consumer not started');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startFetchConsumer(this.kafka, { groupId: 'smsgw-inbound', topics: [TOPICS.inbound], logger: this.logger, handle: (fetch) => this.router.handle(fetch) });
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async sweep(): Promise<void> {
    try {
      const deleted = await sweepInbound(this.pool, this.config.INBOUND_RETENTION_SECONDS, 10_000);
      if (deleted) this.logger.info({ deleted }, 'stored inbound messages past INBOUND_RETENTION_SECONDS deleted');
    } catch (err) {
      this.logger.warn({ err }, 'inbound retention sweep failed; retrying in an hour');
    }
  }
}
