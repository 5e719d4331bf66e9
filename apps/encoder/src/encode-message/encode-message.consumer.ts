import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { consumerLiveness, EventProducer, TOPICS, createKafka, decodeBatch, ensureTopics, startFetchConsumer, topicSpecs, type ConsumedFetch, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { CONFIG, HealthRegistry, LOGGER, METRICS } from '@smsgw/shared/feature-ops';
import type { NationalLanguage } from '@smsgw/gsm/util-encoding';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, histogram, type Registry } from '@smsgw/shared/util-metrics';
import { heldForSchedule, pipelineStartMs, type MessageEncoded, type SubmitReport, encodingName } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import type { EncoderEnv } from '../env';
import { encodeMessage, type EncoderRules } from './encode-message';


/**
 * sms.accepted.v1 → sms.encoded.v1 (or a FAILED report on sms.submitted.v1), a batch at a time.
 * Scheduled messages pass twice; only their released copy is encoded.
 */
@Injectable()
export class EncodeMessageConsumer implements OnModuleInit, OnApplicationShutdown {
  private readonly kafka: Kafka;
  private readonly producer: EventProducer;
  private readonly rules: EncoderRules;
  private consumer: Consumer | undefined;
  private liveness: (() => true | string) | undefined;
  private readonly encoded;
  private readonly segments;
  private readonly failed;
  private readonly stageSeconds;

  constructor(
    @Inject(CONFIG) private readonly config: EncoderEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) registry: Registry,
    health: HealthRegistry,
  ) {
    this.kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-encoder`, logger, security: config });
    this.producer = new EventProducer(this.kafka);
    this.rules = { maxSegments: config.ENCODER_MAX_SEGMENTS, nationalLanguages: config.ENCODER_NATIONAL_LANGUAGES as NationalLanguage[] };
    this.encoded = counter(registry, 'smsgw_messages_encoded_total', 'Messages encoded, by encoding.', ['encoding']);
    this.segments = counter(registry, 'smsgw_segments_encoded_total', 'Segments the encoded messages take, by encoding.', ['encoding']);
    this.failed = counter(registry, 'smsgw_messages_encode_failed_total', 'Messages that could not be encoded, by reason.', ['reason']);
    this.stageSeconds = histogram(registry, 'smsgw_stage_latency_seconds', 'Time from acceptance to the end of each pipeline stage.', ['stage']);
    health.add('kafka-consumer', () => this.liveness?.() ?? 'sms.accepted.v1 consumer not started');
  }

  async onModuleInit(): Promise<void> {
    await ensureTopics(this.kafka, topicSpecs([TOPICS.accepted, TOPICS.encoded, TOPICS.submitted], this.config));
    await this.producer.connect();
    this.consumer = await startFetchConsumer(this.kafka, {
      groupId: 'smsgw-encoder',
      topics: [TOPICS.accepted],
      logger: this.logger,
      handle: (fetch) => this.handle(fetch),
    });
    this.liveness = consumerLiveness(this.consumer);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer.disconnect();
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
      if (event.topic === TOPICS.encoded) {
        const value = event.value as MessageEncoded;
        const encoding = encodingName(value.encoding);
        this.encoded.inc({ encoding });
        this.segments.inc({ encoding }, value.segmentCount);
        this.stageSeconds.observe({ stage: 'encoded' }, (now - (value.message ? pipelineStartMs(value.message) : now)) / 1000);
      } else {
        this.failed.inc({ reason: (event.value as SubmitReport).reasonCode });
      }
    }
  }
}
