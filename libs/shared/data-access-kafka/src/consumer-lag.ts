import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '@smsgw/shared/util-logging';
import { forgetConsumerLag, reportConsumerLag } from '@smsgw/shared/util-metrics';

export interface ConsumerLagWatch {
  stop(): Promise<void>;
}

/**
 * Polls a consumer group's committed offsets and its topics' end offsets, and reports the
 * difference per partition to the process's smsgw_kafka_consumer_lag_messages gauge. Asking the
 * broker (rather than counting in the consumer) keeps the number true while a consumer is stuck
 * or rebalancing, which is when it matters.
 */
export function watchConsumerLag(kafka: Kafka, options: { groupId: string; topics: string[]; logger: Logger; intervalMs?: number }): ConsumerLagWatch {
  const { groupId, topics, logger } = options;
  let admin: Admin | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let warned = false;

  const poll = async (): Promise<void> => {
    try {
      if (!admin) {
        admin = kafka.admin();
        await admin.connect();
      }
      for (const topic of topics) {
        const [committed, ends] = await Promise.all([admin.fetchOffsets({ groupId, topics: [topic] }), admin.fetchTopicOffsets(topic)]);
        const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        for (const end of ends) {
          const high = Number(end.high);
          const from = done.get(end.partition) ?? -1;
          // No commit yet: everything from the start of the partition is still to read.
          reportConsumerLag(groupId, topic, end.partition, high - (from >= 0 ? from : Number(end.low)));
        }
      }
      warned = false;
    } catch (err) {
      if (!warned) logger.warn({ err, groupId }, 'consumer lag not measured (will retry)');
      warned = true;
    }
  };

  const timer = setInterval(() => {
    if (!stopped) running = running.then(poll);
  }, options.intervalMs ?? 5_000);
  timer.unref();
  running = poll();

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        stopped = true;
        clearInterval(timer);
        await running.catch(() => undefined);
        forgetConsumerLag(groupId);
        await admin?.disconnect().catch(() => undefined);
      })();
      return stopping;
    },
  };
}
