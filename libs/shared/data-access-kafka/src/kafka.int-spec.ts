import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { createLogger } from '@smsgw/shared/util-logging';
import { MessageAccepted, Priority } from '@smsgw/shared/util-proto';
import { consumerLagTotals, kafkaRequestCounts } from '@smsgw/shared/util-metrics';
import { EventProducer, createKafka, decodeBatch, ensureTopics, prefixed, startBatchConsumer, startFetchConsumer, type ConsumedFetch, type Topic } from './index';

// Against the real broker that `npm test` starts (KAFKA_BROKERS overrides).
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const logger = createLogger({ app: 'kafka-int-spec', level: 'warn' });

/** The group's committed offsets summed over the topic's partitions, polled (up to 5 s) until they reach `expected`. */
async function committedOffsets(admin: Admin, groupId: string, topic: string, expected: number): Promise<number> {
  let committed = 0;
  for (let i = 0; i < 50 && committed !== expected; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const offsets = await admin.fetchOffsets({ groupId: prefixed(groupId), topics: [topic] });
    committed = offsets[0].partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  }
  return committed;
}

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
    const committed = await committedOffsets(admin, groupId, topic.name, sent.length);
    // Stopped before its topic goes, or it would retry metadata for a topic that is no more.
    await consumer?.disconnect();
    consumer = undefined;
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

  it('hands every partition of a fetch to one handler call, commits it in one request, and hands a failed fetch over again', async () => {
    const spread: Topic<MessageAccepted> = { name: `test.fetch.${randomUUID()}`, codec: MessageAccepted };
    await ensureTopics(kafka, [{ name: spread.name, partitions: 4, replicationFactor: 1 }]);
    const own = new EventProducer(kafka);
    await own.connect();
    await own.sendMany(Array.from({ length: 40 }, (_, i) => ({ topic: spread, key: `f${i}`, value: MessageAccepted.create({ id: `f${i}` }) })));
    await own.disconnect();
    const groupId = `kafka-int-spec-fetch-${randomUUID()}`;
    const fetches: ConsumedFetch[] = [];
    const commitsBefore = kafkaRequestCounts().find((c) => c.role === 'consumer' && c.api === 'OffsetCommit')?.count ?? 0;
    const admin = kafka.admin();
    await admin.connect();
    // A produce retried by kafkajs may have written some events twice: count what the topic holds.
    const total = (await admin.fetchTopicOffsets(spread.name)).reduce((n, p) => n + Number(p.high), 0);
    let fetchConsumer: Consumer | undefined;
    let handled = 0;
    let committed = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        startFetchConsumer(kafka, {
          groupId,
          topics: [spread],
          logger,
          lagIntervalMs: 0,
          // The broker waits for 16 KiB or 1 s: the events (already there) come in one fetch.
          maxWaitTimeInMs: 1_000,
          handle: async (fetch) => {
            fetches.push(fetch);
            if (fetches.length === 1) throw new Error('first attempt fails');
            handled += fetch.batches.reduce((n, b) => n + b.messages.length, 0);
            if (handled >= total) resolve();
          },
        }).then((c) => (fetchConsumer = c), reject);
      });
      committed = await committedOffsets(admin, groupId, spread.name, total);
    } finally {
      await fetchConsumer?.disconnect();
      await admin.deleteTopics({ topics: [spread.name] });
      await admin.disconnect();
    }
    expect(total).toBeGreaterThanOrEqual(40);
    expect(committed).toBe(total);
    // The first fetch: all four partitions in one call; it failed, so the same events came again.
    expect(fetches[0].batches.map((b) => b.partition).sort()).toEqual([0, 1, 2, 3]);
    expect(fetches[0].batches.reduce((n, b) => n + b.messages.length, 0)).toBe(total);
    expect(fetches[1].batches.reduce((n, b) => n + b.messages.length, 0)).toBe(total);
    expect(fetches).toHaveLength(2);
    // One OffsetCommit request for the successful fetch of four partitions (other tests of this
    // file have stopped their consumers by now).
    const commits = (kafkaRequestCounts().find((c) => c.role === 'consumer' && c.api === 'OffsetCommit')?.count ?? 0) - commitsBefore;
    expect(commits).toBe(1);
  }, 60_000);

  it('commits the partitions whose batches finish together in one request (per-partition consumer)', async () => {
    const spread: Topic<MessageAccepted> = { name: `test.commits.${randomUUID()}`, codec: MessageAccepted };
    await ensureTopics(kafka, [{ name: spread.name, partitions: 4, replicationFactor: 1 }]);
    const own = new EventProducer(kafka);
    await own.connect();
    await own.sendMany(Array.from({ length: 40 }, (_, i) => ({ topic: spread, key: `c${i}`, value: MessageAccepted.create({ id: `c${i}` }) })));
    await own.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const total = (await admin.fetchTopicOffsets(spread.name)).reduce((n, p) => n + Number(p.high), 0);
    const groupId = `kafka-int-spec-commits-${randomUUID()}`;
    const commits = () => kafkaRequestCounts().find((c) => c.role === 'consumer' && c.api === 'OffsetCommit')?.count ?? 0;
    let perPartition: Consumer | undefined;
    let before = 0;
    let committed = 0;
    try {
      // Four batches (one per partition) released together: their commits should share a request.
      let release!: () => void;
      const together = new Promise<void>((resolve) => (release = resolve));
      let arrived = 0;
      let handled = 0;
      await new Promise<void>((resolve, reject) => {
        startBatchConsumer(kafka, {
          groupId,
          topics: [spread],
          logger,
          concurrency: 4,
          lagIntervalMs: 0,
          maxWaitTimeInMs: 1_000,
          handle: async (batch) => {
            if (++arrived === 4) {
              before = commits();
              release();
            }
            await together;
            handled += batch.messages.length;
            if (handled >= total) setTimeout(resolve, 500);
          },
        }).then((c) => (perPartition = c), reject);
      });
      committed = await committedOffsets(admin, groupId, spread.name, total);
    } finally {
      await perPartition?.disconnect();
      await admin.deleteTopics({ topics: [spread.name] });
      await admin.disconnect();
    }
    expect(committed).toBe(total);
    expect(commits() - before).toBe(1);
  }, 60_000);

  it('keeps watching the lag after kafkajs restarts a crashed consumer, and stops on a real disconnect', async () => {
    const crashing: Topic<MessageAccepted> = { name: `test.crash.${randomUUID()}`, codec: MessageAccepted };
    await ensureTopics(kafka, [{ name: crashing.name, partitions: 1, replicationFactor: 1 }]);
    const own = new EventProducer(kafka);
    await own.connect();
    await own.sendMany([{ topic: crashing, key: 'c0', value: MessageAccepted.create({ id: 'c0' }) }]);
    await own.disconnect();
    const name = `kafka-int-spec-crash-${randomUUID()}`;
    const groupId = prefixed(name);
    const lagOf = () => consumerLagTotals().find((l) => l.group === groupId)?.lag;
    const waitFor = async (what: string, ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 100));
      if (!ok()) throw new Error(`timed out waiting for ${what}`);
    };
    let restarted = false;
    let release = () => undefined as void;
    const held = new Promise<void>((r) => (release = r));
    // kafkajs's real restart path, with a back-off short enough to give up retrying in about 2 s.
    const quick = new Kafka({ clientId: 'kafka-int-spec-crash', brokers, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, maxRetryTime: 200, retries: 10 } });
    let crashConsumer: Consumer | undefined;
    try {
      crashConsumer = await startBatchConsumer(quick, {
        groupId: name,
        topics: [crashing],
        logger: createLogger({ app: 'kafka-int-spec', level: 'fatal' }), // the crash is expected
        lagIntervalMs: 100,
        handle: async () => {
          // Fails until kafkajs gives up retrying and restarts the consumer; then holds the event
          // uncommitted, so the lag stays 1.
          if (!restarted) throw new Error('still failing');
          await held;
        },
      });
      crashConsumer.on(crashConsumer.events.CRASH, ({ payload }) => {
        expect(payload.restart).toBe(true);
        restarted = true;
      });
      await waitFor('the crash', () => restarted);
      // The watcher of before the crash would have forgotten the group by now.
      await new Promise((r) => setTimeout(r, 1_000));
      await waitFor('the lag after the restart', () => lagOf() === 1);
    } finally {
      release();
      await crashConsumer?.disconnect();
    }
    expect(lagOf()).toBeUndefined();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [crashing.name] });
    await admin.disconnect();
  }, 60_000);
});
