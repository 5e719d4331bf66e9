import { randomUUID } from 'node:crypto';
import { createLogger } from '@smsgw/shared/util-logging';
import { MessageAccepted } from '@smsgw/shared/util-proto';
import { EventProducer, MAX_REQUEST_BYTES, chunksOf, createKafka, ensureTopics, type Topic } from './index';

// Against the real broker that `npm test` starts (KAFKA_BROKERS overrides).
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const logger = createLogger({ app: 'producer-int-spec', level: 'warn' });

describe('EventProducer and the broker size limit (real broker)', () => {
  const kafka = createKafka({ brokers, clientId: 'producer-int-spec', logger });
  const producer = new EventProducer(kafka);
  const topic: Topic<MessageAccepted> = { name: `test.large.${randomUUID()}`, codec: MessageAccepted };
  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic.name] }).catch(() => undefined);
    await admin.disconnect();
    await producer.disconnect();
  });

  it('publishes 3 MiB for one partition (above message.max.bytes) in requests the broker takes, in order', async () => {
    await ensureTopics(kafka, [{ name: topic.name, partitions: 1, replicationFactor: 1 }]);
    await producer.connect();
    // A stage forwarding a whole 1 MiB fetch grows it; one request of all of it would be MESSAGE_TOO_LARGE.
    const events = Array.from({ length: 30 }, (_, i) => ({ topic, key: 'one-key', value: MessageAccepted.create({ id: `big-${i}`, text: 'x'.repeat(100_000) }) }));
    await producer.sendMany(events);
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets(topic.name);
    await admin.disconnect();
    expect(Number(offsets.high)).toBe(30);
  }, 60_000);
});

describe('chunksOf', () => {
  const item = (bytes: number) => ({ message: { key: null, value: Buffer.alloc(bytes) } });
  it('keeps each run under the limit, in order, and a too-large item alone', () => {
    const items = [item(400_000), item(100_000), item(300_000), item(2_000_000), item(10)];
    const chunks = chunksOf(items, MAX_REQUEST_BYTES);
    expect(chunks.map((c) => c.map((i) => i.message.value.length))).toEqual([[400_000, 100_000], [300_000], [2_000_000], [10]]);
  });
});
