import type { Admin, Kafka } from 'kafkajs';
import { TOPICS, type Topic } from './topics';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Topic settings given at creation, e.g. cleanup.policy=compact. */
  configEntries?: { name: string; value: string }[];
}

/** Partition count and replication of the topics an app creates (KAFKA_TOPIC_PARTITIONS, KAFKA_REPLICATION_FACTOR). */
export interface TopicLayout {
  KAFKA_TOPIC_PARTITIONS: number;
  KAFKA_REPLICATION_FACTOR: number;
}

/** Specs for ensureTopics from topics (or names) and the app's Kafka settings. */
export function topicSpecs(topics: (Topic<unknown> | string)[], layout: TopicLayout): TopicSpec[] {
  return topics.map((t) => ({ name: typeof t === 'string' ? t : t.name, partitions: layout.KAFKA_TOPIC_PARTITIONS, replicationFactor: layout.KAFKA_REPLICATION_FACTOR }));
}

/**
 * sms.routing-config.v1: one partition, so every replica sees the versions in the order they were
 * published; compacted, so the newest record per configuration name is kept for ever and a
 * starting router reads a handful of records, not the history (that is in PostgreSQL).
 */
export function routingConfigTopicSpec(layout: TopicLayout): TopicSpec {
  return {
    name: TOPICS.routingConfig.name,
    partitions: 1,
    replicationFactor: layout.KAFKA_REPLICATION_FACTOR,
    configEntries: [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'min.compaction.lag.ms', value: '0' },
    ],
  };
}

const TOPIC_READY_TIMEOUT_MS = 30_000;

/**
 * Creates the topics that are missing and waits until every partition of each has a leader;
 * existing ones are left as they are.
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length > 0) {
      try {
        // kafkajs's own waitForLeaders gives up when a just-created topic is briefly unknown to
        // the metadata (common on a fresh KRaft broker), so we wait ourselves below.
        await admin.createTopics({
          waitForLeaders: false,
          topics: missing.map((s) => ({ topic: s.name, numPartitions: s.partitions, replicationFactor: s.replicationFactor, configEntries: s.configEntries })),
        });
      } catch (err) {
        // Another replica may have created the same topics a moment earlier.
        if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
      }
    }
    await waitForLeaders(admin, specs.map((s) => s.name));
    await waitUntilLeadersServe(admin, missing.map((s) => s.name));
    return missing.map((s) => s.name);
  } finally {
    await admin.disconnect();
  }
}

/**
 * A new partition's leader is in the metadata a moment before it serves: until then a produce
 * fails with NOT_LEADER_FOR_PARTITION, and kafkajs retries the whole request, so a batch's other
 * partitions are written twice. Ready means every partition answers ListOffsets.
 */
async function waitUntilLeadersServe(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + TOPIC_READY_TIMEOUT_MS;
  for (const topic of topics) {
    for (;;) {
      try {
        await admin.fetchTopicOffsets(topic);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`Kafka topic ${topic} has leaders that do not serve after ${TOPIC_READY_TIMEOUT_MS / 1000} s (${(err as Error).message}); check the broker's log`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + TOPIC_READY_TIMEOUT_MS;
  let last = '';
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const notReady = metadata.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
      if (notReady.length === 0) return;
      last = `no leader yet for ${notReady.join(', ')}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`Kafka topics not ready after ${TOPIC_READY_TIMEOUT_MS / 1000} s (${last}); check the broker's log`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
