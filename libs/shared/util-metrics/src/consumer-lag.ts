import { Gauge, type Registry } from 'prom-client';

// Kafka consumer lag, per consumer group and topic: what the process's consumers (reported by
// @smsgw/shared/data-access-kafka) still have to read. Kept per process, outside any registry, so
// the Kafka library needs no registry handed to it; createMetricsRegistry exports it.

const lagByGroupTopic = new Map<string, { group: string; topic: string; partitions: Map<number, number> }>();

/** Records the lag of one partition (messages between the group's committed offset and the end). */
export function reportConsumerLag(group: string, topic: string, partition: number, lag: number): void {
  const key = `${group}\u0000${topic}`;
  let entry = lagByGroupTopic.get(key);
  if (!entry) lagByGroupTopic.set(key, (entry = { group, topic, partitions: new Map() }));
  entry.partitions.set(partition, Math.max(0, lag));
}

/** Drops a group's lag (its consumer stopped), so a stopped consumer exports no stale value. */
export function forgetConsumerLag(group: string): void {
  for (const [key, entry] of lagByGroupTopic) if (entry.group === group) lagByGroupTopic.delete(key);
}

/** The recorded lag summed over partitions, per group and topic. */
export function consumerLagTotals(): { group: string; topic: string; lag: number }[] {
  return [...lagByGroupTopic.values()].map(({ group, topic, partitions }) => ({ group, topic, lag: [...partitions.values()].reduce((a, b) => a + b, 0) }));
}

export const CONSUMER_LAG_METRIC = 'smsgw_kafka_consumer_lag_messages';

/** Registers the lag gauge on a registry; its value is read at scrape time. */
export function registerConsumerLag(registry: Registry): void {
  new Gauge({
    name: CONSUMER_LAG_METRIC,
    help: 'Messages of a topic not yet consumed and committed by a consumer group (sum over partitions; every replica of the group reports the whole group).',
    labelNames: ['group', 'topic'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { group, topic, lag } of consumerLagTotals()) this.set({ group, topic }, lag);
    },
  });
}
