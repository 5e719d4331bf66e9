import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { createLogger } from '@smsgw/shared/util-logging';
import { MessageAccepted } from '@smsgw/shared/util-proto';
import { CONSUMER_STALE_MS, consumerLiveness, createKafka, ensureTopics, startFetchConsumer, type Topic } from './index';

// Against the real broker: an idle consumer stays alive through its empty fetches; one that has
// neither fetched nor heartbeated for CONSUMER_STALE_MS (a clock moved on here) says so; the next
// fetch makes it alive again. The broker restart itself is the chaos suite's (npm run chaos).
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const logger = createLogger({ app: 'liveness-int-spec', level: 'warn' });

describe('consumerLiveness (real broker)', () => {
  const kafka = createKafka({ brokers, clientId: 'liveness-int-spec', logger });
  const topic: Topic<MessageAccepted> = { name: `test.liveness.${randomUUID()}`, codec: MessageAccepted };
  let consumer: Consumer | undefined;
  afterAll(() => consumer?.disconnect());

  it('is true while an idle consumer fetches, names the silence once it is stale, and recovers with the next fetch', async () => {
    await ensureTopics(kafka, [{ name: topic.name, partitions: 1, replicationFactor: 1 }]);
    let skewMs = 0;
    consumer = await startFetchConsumer(kafka, { groupId: `liveness-${randomUUID()}`, topics: [topic], logger, handle: async () => undefined });
    const fetched = new Promise((resolve) => consumer?.on(consumer.events.FETCH, resolve));
    const alive = consumerLiveness(consumer, CONSUMER_STALE_MS, () => Date.now() + skewMs);
    await fetched;
    expect(alive()).toBe(true);
    await new Promise((r) => setTimeout(r, 3 * 25 + 500)); // a few empty fetches of an idle topic
    expect(alive()).toBe(true);
    consumer.pause([{ topic: topic.name }]);
    await new Promise((r) => setTimeout(r, 200));
    skewMs = CONSUMER_STALE_MS + 5_000; // as if nothing had come for longer than that
    expect(alive()).toMatch(/^no fetch or heartbeat for \d+ s: Kafka unreachable\?$/);
    consumer.resume([{ topic: topic.name }]);
    const deadline = Date.now() + 15_000;
    while (alive() !== true && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(true);
  }, 60_000);
});
