import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CONFIG, HealthRegistry, LOGGER } from '@smsgw/shared/feature-ops';
import { EventProducer, TOPICS, createKafka, ensureTopics, topicSpecs } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Kafka } from 'kafkajs';
import type { IngestEnv } from '../env';
import { grpcHealth } from '../grpc/grpc-options';

export const KAFKA = Symbol('KAFKA');

/** The ingest's Kafka client and its one producer; Send answers only after this producer's ack. */
@Injectable()
export class IngestProducer extends EventProducer implements OnModuleInit, OnApplicationShutdown {
  private connected = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    health: HealthRegistry,
  ) {
    super(kafka, { lingerMs: config.INGEST_PRODUCER_LINGER_MS });
    health.add('kafka-producer', () => this.connected || 'Kafka producer not connected');
  }

  async onModuleInit(): Promise<void> {
    const created = await ensureTopics(
      this.kafka,
      topicSpecs([TOPICS.submit, TOPICS.submitRejected, TOPICS.accepted, TOPICS.submitted], this.config),
    );
    if (created.length) this.logger.info({ topics: created }, 'created topics');
    await this.connect();
    this.connected = true;
    grpcHealth.setStatus('', 'SERVING');
    grpcHealth.setStatus('sms.v1.SmsService', 'SERVING');
  }

  async onApplicationShutdown(): Promise<void> {
    grpcHealth.setStatus('', 'NOT_SERVING');
    grpcHealth.setStatus('sms.v1.SmsService', 'NOT_SERVING');
    this.connected = false;
    await this.disconnect();
  }
}

export const kafkaProviders = [
  {
    provide: KAFKA,
    inject: [CONFIG, LOGGER],
    useFactory: (config: IngestEnv, logger: Logger) => createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-ingest`, logger, security: config }),
  },
  IngestProducer,
];
