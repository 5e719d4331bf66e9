import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventProducer, createKafka, ensureTopics, topicSpecs, type KafkaSecurity, type Topic, type TopicLayout } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Kafka } from 'kafkajs';
import { CONFIG, HealthRegistry, LOGGER } from './ops.module';

/** The app's kafkajs client (one per process; consumers and the producer share it). */
export const KAFKA = Symbol('KAFKA');
const KAFKA_APP = Symbol('KAFKA_APP');

/** The Kafka settings every app has (KAFKA_SETTINGS). */
export interface AppKafkaSettings extends KafkaSecurity, TopicLayout {
  KAFKA_BROKERS: string[];
  KAFKA_CLIENT_ID: string;
}

export interface AppKafkaOptions<C extends AppKafkaSettings = AppKafkaSettings> {
  /** The app's name in the client id: `<KAFKA_CLIENT_ID>-<name>`. */
  name: string;
  /** Topics the producer creates at start where they are missing: what the app writes and reads. */
  topics?: readonly Topic<unknown>[];
  /** The producer's linger (EventProducer's default when absent). */
  lingerMs?(config: C): number;
  /** After the producer connected (e.g. gRPC health SERVING), and before it disconnects. */
  onConnected?(): void;
  onDisconnecting?(): void;
}

/**
 * The app's one producer, acks=all and coalescing (EventProducer): it creates the app's topics and
 * connects in onModuleInit, so consumers start in onApplicationBootstrap and stop in
 * beforeApplicationShutdown; it flushes and disconnects in onApplicationShutdown, after them.
 */
@Injectable()
export class AppProducer extends EventProducer implements OnModuleInit, OnApplicationShutdown {
  private connected = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: AppKafkaSettings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(KAFKA_APP) private readonly options: AppKafkaOptions,
    health: HealthRegistry,
  ) {
    super(kafka, { lingerMs: options.lingerMs?.(config) });
    health.add('kafka-producer', () => this.connected || 'Kafka producer not connected');
  }

  async onModuleInit(): Promise<void> {
    const created = await ensureTopics(this.kafka, topicSpecs([...(this.options.topics ?? [])], this.config));
    if (created.length) this.logger.info({ topics: created }, 'created topics');
    await this.connect();
    this.connected = true;
    this.options.onConnected?.();
  }

  async onApplicationShutdown(): Promise<void> {
    this.options.onDisconnecting?.();
    this.connected = false;
    await this.disconnect();
  }
}

/** The app's Kafka client (token KAFKA, with the KAFKA_SSL/SASL settings) and its AppProducer. */
export function kafkaProviders<C extends AppKafkaSettings>(options: AppKafkaOptions<C>) {
  return [{ provide: KAFKA_APP, useValue: options }, kafkaClientProvider(options.name), AppProducer];
}

/** Only the client, for an app whose producer lives in a library (the SMPP connector). */
export function kafkaClientProvider<C extends AppKafkaSettings>(name: string | ((config: C) => string)) {
  return {
    provide: KAFKA,
    inject: [CONFIG, LOGGER],
    useFactory: (config: C, logger: Logger): Kafka =>
      createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-${typeof name === 'string' ? name : name(config)}`, logger, security: config }),
  };
}
