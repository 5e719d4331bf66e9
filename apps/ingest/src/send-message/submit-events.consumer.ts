import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS, decodeBatch, startFetchConsumer, type ConsumedFetch, type FetchedBatch, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { HealthRegistry, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { Channel, SubmitRejected, type MessageAccepted } from '@smsgw/shared/util-proto';
import { ValidationError } from '@smsgw/messages/domain';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { IngestProducer, KAFKA } from '../kafka/kafka.provider';
import { IdempotencyStore, type FirstReply } from './idempotency.store';
import { SendMessageService, firstReply } from './send-message.service';

/** sms.submit.v1 carries no client identity: its idempotency keys share one namespace. */
const KAFKA_CLIENT = '';

/**
 * The Kafka way in: SendRequest events on sms.submit.v1. Each batch is validated; valid messages
 * go to sms.accepted.v1 and everything else to sms.submit.rejected.v1 with the original bytes, in
 * one produce request, before the batch commits — a bad event never blocks its partition.
 */
@Injectable()
export class SubmitEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: Consumer | undefined;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly producer: IngestProducer,
    private readonly sending: SendMessageService,
    private readonly idempotency: IdempotencyStore,
    health: HealthRegistry,
  ) {
    health.add('submit-consumer', () => this.consumer !== undefined || 'sms.submit.v1 consumer not started');
  }

  // After every onModuleInit (NestJS runs those of one module concurrently): the producer has
  // created the topics and connected before the first batch.
  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startFetchConsumer(this.kafka, { groupId: 'smsgw-ingest', topics: [TOPICS.submit], logger: this.logger, handle: (f) => this.handle(f) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
  }

  /**
   * Every partition of a fetch: one idempotency statement and one produce request for all of it.
   * An event whose key another record claimed first (a producer's retry) is not published again;
   * a record consumed again (after a failed produce or a crash) republishes its own message.
   */
  async handle(fetch: ConsumedFetch): Promise<void> {
    const out: OutgoingEvent[] = [];
    const keyed: { accepted: MessageAccepted; source: string; reply: FirstReply }[] = [];
    for (const batch of fetch.batches) this.prepareBatch(batch, out, keyed);
    const held = await this.idempotency.claimMany(
      KAFKA_CLIENT,
      keyed.map(({ accepted, source, reply }) => ({ key: accepted.idempotencyKey, messageId: accepted.id, reply, source })),
    );
    let duplicates = 0;
    const dropped = new Set<MessageAccepted>();
    for (const { accepted, source } of keyed) {
      const holder = held.get(accepted.idempotencyKey);
      if (!holder || holder.messageId === accepted.id) continue;
      if (holder.source === source) {
        // This very record again: the same message id and acceptance time as the first time.
        accepted.id = holder.messageId;
        if (holder.reply) accepted.acceptedAtMs = holder.reply.acceptedAtMs;
      } else {
        dropped.add(accepted);
        duplicates++;
      }
    }
    const send = out.filter((e) => !dropped.has(e.value as MessageAccepted)).map((e) => (e.topic === TOPICS.accepted ? { ...e, key: (e.value as MessageAccepted).id } : e));
    await this.producer.sendMany(send);
    const accepted = send.filter((e) => e.topic === TOPICS.accepted).length;
    if (accepted) this.sending.countAccepted(Channel.KAFKA, accepted);
    if (duplicates) {
      this.sending.countDuplicates(Channel.KAFKA, duplicates);
      this.logger.info({ duplicates }, 'sms.submit.v1 events with an idempotency key seen before: not sent again');
    }
    if (send.length > accepted) this.logger.warn({ rejected: send.length - accepted }, 'sms.submit.v1 events rejected to sms.submit.rejected.v1');
  }

  private prepareBatch(batch: FetchedBatch, out: OutgoingEvent[], keyed: { accepted: MessageAccepted; source: string; reply: FirstReply }[]): void {
    const { events, undecodable } = decodeBatch(TOPICS.submit, batch.messages);
    const reject = (message: KafkaMessage, code: string, field: string, reason: string) => {
      this.sending.countRejected(new ValidationError(code, field, reason), Channel.KAFKA);
      out.push({
        topic: TOPICS.submitRejected,
        key: message.key?.toString() ?? '',
        value: SubmitRejected.create({
          originalValue: message.value ?? Buffer.alloc(0),
          originalKey: message.key ?? Buffer.alloc(0),
          sourcePartition: batch.partition,
          sourceOffset: message.offset,
          code,
          field,
          reason,
          rejectedAtMs: Date.now(),
        }),
      });
    };
    for (const { message, error } of undecodable) {
      reject(message, 'SUBMIT.UNDECODABLE', '', `value is not a protobuf sms.v1.SendRequest: ${error.message}`);
    }
    const byOffset = new Map(batch.messages.map((m) => [m.offset, m]));
    for (const event of events) {
      try {
        const prepared = this.sending.prepare(event.value, Channel.KAFKA, KAFKA_CLIENT);
        out.push({ topic: TOPICS.accepted, key: prepared.accepted.id, value: prepared.accepted });
        if (prepared.accepted.idempotencyKey) keyed.push({ accepted: prepared.accepted, source: `${batch.topic}/${batch.partition}/${event.offset}`, reply: firstReply(prepared) });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reject(byOffset.get(event.offset) as KafkaMessage, err.code, err.field, err.message);
      }
    }
  }
}
