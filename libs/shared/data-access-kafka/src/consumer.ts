import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '@smsgw/shared/util-logging';
import { prefixed } from './topic-prefix';
import type { Topic } from './topics';
import { watchConsumerLag } from './consumer-lag';

/** About 100 small events (see docs/performance.md). */
export const DEFAULT_MIN_BYTES = 16_384;
export const DEFAULT_MAX_WAIT_MS = 25;

export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** Call inside long work so the group does not consider this member dead. */
  heartbeat(): Promise<void>;
}

export interface BatchConsumerOptions {
  groupId: string;
  topics: Topic<unknown>[] | string[];
  /** Handles a whole batch; resolves only when every message's output is acknowledged. */
  handle(batch: ConsumedBatch): Promise<void>;
  logger: Logger;
  /** Partitions handled at the same time by this process. */
  concurrency?: number;
  fromBeginning?: boolean;
  maxBytesPerPartition?: number;
  /**
   * A fetch returns once this many bytes are ready or maxWaitTimeInMs passed. Above 1, a trickle of
   * messages is handed over in batches of a few ms instead of one by one: fewer produce requests,
   * transactions and commits per message, for at most maxWaitTimeInMs more latency per hop.
   */
  minBytes?: number;
  maxWaitTimeInMs?: number;
  /** How often the group's lag is measured for smsgw_kafka_consumer_lag_messages (0: never). */
  lagIntervalMs?: number;
}

export interface DecodedEvent<T> {
  key: string;
  value: T;
  offset: string;
  timestamp: number;
}

export interface DecodeResult<T> {
  events: DecodedEvent<T>[];
  undecodable: { message: KafkaMessage; error: Error }[];
}

/** Decodes a batch; bad bytes are returned apart so the caller can dead-letter them. */
export function decodeBatch<T>(topic: Topic<T>, messages: KafkaMessage[]): DecodeResult<T> {
  const result: DecodeResult<T> = { events: [], undecodable: [] };
  for (const message of messages) {
    try {
      if (!message.value) throw new Error('empty value');
      result.events.push({ key: message.key?.toString() ?? '', value: topic.codec.decode(message.value), offset: message.offset, timestamp: Number(message.timestamp) });
    } catch (error) {
      result.undecodable.push({ message, error: error as Error });
    }
  }
  return result;
}

/**
 * A consumer that hands whole batches to one handler and commits a batch's offsets only after the
 * handler resolved: at-least-once, never an offset ahead of the work. A handler that throws makes
 * kafkajs re-fetch from the last commit (after its retry back-off).
 */
export async function startBatchConsumer(kafka: Kafka, options: BatchConsumerOptions): Promise<Consumer> {
  const groupId = prefixed(options.groupId);
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 30_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    minBytes: options.minBytes ?? DEFAULT_MIN_BYTES,
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? DEFAULT_MAX_WAIT_MS,
    allowAutoTopicCreation: false,
    retry: { retries: 10 },
  });
  await consumer.connect();
  await consumer.subscribe({ topics: options.topics.map((t) => (typeof t === 'string' ? t : t.name)), fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: options.concurrency ?? 1,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      if (batch.messages.length === 0 || !isRunning() || isStale()) return;
      try {
        await options.handle({ topic: batch.topic, partition: batch.partition, messages: batch.messages, heartbeat });
      } catch (err) {
        options.logger.error({ err, topic: batch.topic, partition: batch.partition, firstOffset: batch.firstOffset() }, 'batch failed; it will be consumed again');
        throw err;
      }
      resolveOffset(batch.lastOffset());
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    },
  });
  if (options.lagIntervalMs !== 0) {
    const lag = watchConsumerLag(kafka, { groupId, topics: options.topics.map((t) => (typeof t === 'string' ? t : t.name)), logger: options.logger, intervalMs: options.lagIntervalMs });
    consumer.on(consumer.events.STOP, () => void lag.stop());
  }
  return consumer;
}
