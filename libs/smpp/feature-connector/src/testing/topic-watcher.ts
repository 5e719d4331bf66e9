// Test helper: reads what is published to shared topics from now on (offsets taken before the
// test produces anything), decoded, so a test can wait for its own events by message id.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { ensureTopics, type Topic } from '@smsgw/shared/data-access-kafka';

export interface Seen<T> {
  key: string;
  value: T;
}

export class TopicWatcher {
  private readonly seen = new Map<string, Seen<unknown>[]>();
  /** topic/partition/offset of every record kept: a consumer restart that reads records again adds nothing. */
  private readonly offsets = new Set<string>();
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, topics: Topic<unknown>[], partitions = 4): Promise<TopicWatcher> {
    await ensureTopics(kafka, topics.map((t) => ({ name: t.name, partitions, replicationFactor: 1 })));
    const admin = kafka.admin();
    await admin.connect();
    // Freshly created topics may not have a leader in the metadata yet: ask again for a while.
    const endsOf = async (t: Topic<unknown>) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return { topic: t, offsets: await admin.fetchTopicOffsets(t.name) };
        } catch (err) {
          if (attempt >= 30) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    const ends = await Promise.all(topics.map(endsOf));
    await admin.disconnect();
    const consumer = kafka.consumer({ groupId: `watcher-${randomUUID()}`, maxWaitTimeInMs: 50 });
    const watcher = new TopicWatcher(consumer);
    const codecs = new Map(topics.map((t) => [t.name, t.codec]));
    for (const t of topics) watcher.seen.set(t.name, []);
    await consumer.connect();
    await consumer.subscribe({ topics: topics.map((t) => t.name), fromBeginning: false });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const codec = codecs.get(batch.topic);
        const list = watcher.seen.get(batch.topic);
        if (!codec || !list) return;
        for (const m of batch.messages) {
          const at = `${batch.topic}/${batch.partition}/${m.offset}`;
          if (!m.value || watcher.offsets.has(at)) continue;
          watcher.offsets.add(at);
          list.push({ key: m.key?.toString() ?? '', value: codec.decode(m.value) });
        }
        for (const l of watcher.listeners) l();
      },
    });
    for (const { topic, offsets } of ends) for (const p of offsets) consumer.seek({ topic: topic.name, partition: p.partition, offset: p.high });
    await joined;
    return watcher;
  }

  all<T>(topic: Topic<T>): Seen<T>[] {
    return (this.seen.get(topic.name) ?? []) as Seen<T>[];
  }

  /** Waits until `done` holds for the events seen on `topic` that `filter` keeps; returns them. */
  waitFor<T>(topic: Topic<T>, filter: (e: Seen<T>) => boolean, done: (events: Seen<T>[]) => boolean, timeoutMs = 20_000): Promise<Seen<T>[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const events = this.all(topic).filter(filter);
        if (done(events)) {
          cleanup();
          resolve(events);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting on ${topic.name}: ${this.all(topic).filter(filter).length} matching events seen`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}
