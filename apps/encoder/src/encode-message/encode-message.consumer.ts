import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { carries, consumerLiveness, TOPICS, decodeBatch, startFetchConsumer, type ConsumedFetch, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { AppProducer, CONFIG, HealthRegistry, KAFKA, LOGGER, type AppKafkaOptions } from '@smsgw/shared/feature-ops';
import type { NationalLanguage } from '@smsgw/gsm/util-encoding';
import type { Logger } from '@smsgw/shared/util-logging';
import { MessageEncoded, SubmitEvent, encodingName, heldForSchedule, pipelineStartMs } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import type { EncoderEnv } from '../env';
import { EncoderMetrics } from '../encoder.metrics';
import { encodeMessage, type EncoderRules } from './encode-message';

/** The encoder's Kafka client and producer, and the topics it creates. */
export const ENCODER_KAFKA: AppKafkaOptions = { name: 'encoder', topics: [TOPICS.accepted, TOPICS.encoded, TOPICS.submitted] };

/**
 * sms.accepted.v1 → sms.encoded.v1 (or a FAILED whole-message event on sms.submitted.v2), a batch at a time.
 * Scheduled messages pass twice; only their released copy is encoded.
 */
@Injectable()
export class EncodeMessageConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly rules: EncoderRules;
  private consumer: Consumer | undefined;
  private liveness: (() => true | string) | undefined;

  constructor(
    @Inject(CONFIG) config: EncoderEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: EncoderMetrics,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly producer: AppProducer,
    health: HealthRegistry,
  ) {
    this.rules = { maxSegments: config.ENCODER_MAX_SEGMENTS, nationalLanguages: config.ENCODER_NATIONAL_LANGUAGES as NationalLanguage[] };
    health.add('kafka-consumer', () => this.liveness?.() ?? 'sms.accepted.v1 consumer not started');
  }

  // After every onModuleInit: the producer has created the topics and connected.
  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startFetchConsumer(this.kafka, {
      groupId: 'smsgw-encoder',
      topics: [TOPICS.accepted],
      logger: this.logger,
      handle: (fetch) => this.handle(fetch),
    });
    this.liveness = consumerLiveness(this.consumer);
  }

  // Before the producer flushes and disconnects (onApplicationShutdown).
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
  }

  /** Every partition of a fetch: one produce request for all of it. */
  private async handle(fetch: ConsumedFetch): Promise<void> {
    const now = Date.now();
    const out: OutgoingEvent[] = [];
    for (const batch of fetch.batches) {
      const { events, undecodable } = decodeBatch(TOPICS.accepted, batch.messages);
      for (const { message, error } of undecodable) {
        // sms.accepted.v1 is written only by ingest: bad bytes there are a bug, not user input.
        this.logger.error({ offset: message.offset, partition: batch.partition, err: error }, 'undecodable event on sms.accepted.v1 skipped');
      }
      // A scheduled message is encoded when ingest's scheduler publishes it again at its send time.
      for (const e of events) if (!heldForSchedule(e.value)) out.push(encodeMessage(e.value, this.rules, now));
    }
    await this.producer.sendMany(out);
    for (const event of out) {
      if (carries(event, MessageEncoded)) {
        const value = event.value;
        const encoding = encodingName(value.encoding);
        this.metrics.encoded.inc({ encoding });
        this.metrics.segments.inc({ encoding }, value.segmentCount);
        this.metrics.stageSeconds.observe({ stage: 'encoded' }, (now - (value.message ? pipelineStartMs(value.message) : now)) / 1000);
      } else if (carries(event, SubmitEvent)) {
        this.metrics.failed.inc({ reason: event.value.subject?.value.reasonCode ?? '' });
      }
    }
  }
}
