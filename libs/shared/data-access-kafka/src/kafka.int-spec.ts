import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { createLogger } from '@smsgw/shared/util-logging';
import { MessageAccepted, Priority } from '@smsgw/shared/util-proto';
import { EventProducer, createKafka, decodeBatch, ensureTopics, prefixed, startBatchConsumer, type Topic } from './index';

// Against the real broker that `npm test` starts (KAFKA_BROKERS overrides).
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const logger = createLogger({ app: 'kafka-int-spec', level: 'warn' });

describe('Kafka round trip (real broker)', () => {
  const kafka = createKafka({ brokers, clientId: 'kafka-int-spec', logger });
  const topic: Topic<MessageAccepted> = { name: `test.accepted.${randomUUID()}`, codec: MessageAccepted };
  let consumer: Consumer | undefined;
  const producer = new EventProducer(kafka);

  afterAll(async () => {
    await consumer?.disconnect();
    await producer.disconnect();
  });

  it('produces protobuf events in a batch and consumes them decoded, committing after handling', async () => {
    expect(await ensureTopics(kafka, [{ name: topic.name, partitions: 2, replicationFactor: 1 }])).toEqual([topic.name]);
    expect(await ensureTopics(kafka, [{ name: topic.name, partitions: 2, replicationFactor: 1 }])).toEqual([]);
    await producer.connect();

    const sent = Array.from({ length: 50 }, (_, i) =>
      MessageAccepted.create({ id: `m${i}`, to: '+447700900123', text: `hello ${i}`, priority: Priority.HIGH, acceptedAtMs: Date.now() }),
    );
    await Promise.all(sent.map((value) => producer.send({ topic, key: value.id, value })));

    const received: MessageAccepted[] = [];
    const groupId = `kafka-int-spec-${randomUUID()}`;
    await new Promise<void>((resolve, reject) => {
      startBatchConsumer(kafka, {
        groupId,
        topics: [topic],
        logger,
        handle: async (batch) => {
          const { events, undecodable } = decodeBatch(topic, batch.messages);
          expect(undecodable).toHaveLength(0);
          received.push(...events.map((e) => e.value));
          if (received.length === sent.length) resolve();
        },
      }).then((c) => (consumer = c), reject);
    });

    expect(received.map((m) => m.id).sort()).toEqual(sent.map((m) => m.id).sort());
    expect(received.find((m) => m.id === 'm7')).toEqual(sent[7]);

    // Offsets are committed once the handler has resolved.
    const admin = kafka.admin();
    await admin.connect();
    let committed = 0;
    for (let i = 0; i < 50 && committed !== sent.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const offsets = await admin.fetchOffsets({ groupId: prefixed(groupId), topics: [topic.name] });
      committed = offsets[0].partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    }
    await admin.deleteTopics({ topics: [topic.name] });
    await admin.disconnect();
    expect(committed).toBe(sent.length);
  }, 60_000);

  it('commits only the finished part of a batch when the handler says so; the rest is delivered again', async () => {
    const partial: Topic<MessageAccepted> = { name: `test.partial.${randomUUID()}`, codec: MessageAccepted };
    await ensureTopics(kafka, [{ name: partial.name, partitions: 1, replicationFactor: 1 }]);
    // Its own producer: the shared one still has the first test's (deleted) topic in its metadata.
    const own = new EventProducer(kafka);
    await own.connect();
    await own.sendMany(Array.from({ length: 10 }, (_, i) => ({ topic: partial, key: `p${i}`, value: MessageAccepted.create({ id: `p${i}` }) })));
    await own.disconnect();
    const deliveries: string[][] = [];
    let partialConsumer: Consumer | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        startBatchConsumer(kafka, {
          groupId: `kafka-int-spec-partial-${randomUUID()}`,
          topics: [partial],
          logger,
          handle: async (batch) => {
            expect(batch.signal.aborted).toBe(false);
            deliveries.push(batch.messages.map((m) => m.key?.toString() ?? ''));
            if (deliveries.length === 1) return { handledThrough: batch.messages[3].offset }; // p0..p3 done
            if (deliveries.flat().includes('p9')) resolve();
          },
        }).then((c) => (partialConsumer = c), reject);
      });
    } finally {
      await partialConsumer?.disconnect();
    }
    expect(deliveries[0]).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9']);
    expect(deliveries[1][0]).toBe('p4');
  }, 60_000);
});
