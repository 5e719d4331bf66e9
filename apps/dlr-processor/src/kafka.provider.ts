import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventProducer, TOPICS, createKafka, ensureTopics, topicSpecs } from '@smsgw/shared/data-access-kafka';
import { CONFIG, HealthRegistry, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Kafka } from 'kafkajs';
import type { DlrEnv } from './env';

export const KAFKA = Symbol('KAFKA');

/** Publishes sms.status.v1 (and the inbound router's events); a batch commits only after its events are acknowledged. */
@Injectable()
export class StatusProducer extends EventProducer implements OnModuleInit, OnApplicationShutdown {
  private connected = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: DlrEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    health: HealthRegistry,
  ) {
    super(kafka);
    health.add('kafka-producer', () => this.connected || 'Kafka producer not connected');
  }

  async onModuleInit(): Promise<void> {
    const created = await ensureTopics(
      this.kafka,
      topicSpecs([TOPICS.accepted, TOPICS.submitted, TOPICS.dlrRaw, TOPICS.status, TOPICS.webhookFailed, TOPICS.inbound, TOPICS.inboundRouted, TOPICS.inboundWebhookFailed], this.config),
    );
    if (created.length) this.logger.info({ topics: created }, 'created topics');
    await this.connect();
    this.connected = true;
  }

  async onApplicationShutdown(): Promise<void> {
    this.connected = false;
    await this.disconnect();
  }
}

export const kafkaProviders = [
  {
    provide: KAFKA,
    inject: [CONFIG, LOGGER],
    useFactory: (config: DlrEnv, logger: Logger) => createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-dlr-processor`, logger, security: config }),
  },
  StatusProducer,
];
