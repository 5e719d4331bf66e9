import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
}

/** Creates the topics that are missing; existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({ topic: s.name, numPartitions: s.partitions, replicationFactor: s.replicationFactor })),
    });
    return missing.map((s) => s.name);
  } catch (err) {
    // Another replica may have created the same topics a moment earlier.
    if ((err as { type?: string }).type === 'TOPIC_ALREADY_EXISTS') return [];
    throw err;
  } finally {
    await admin.disconnect();
  }
}
