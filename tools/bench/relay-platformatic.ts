// One relay hop on @platformatic/kafka instead of kafkajs (relay-stage.ts --client platformatic):
// the A/B of issue 17. Same shape as the library's startFetchConsumer: the messages of one fetch
// (pushed by the stream in one turn of the event loop) are forwarded in ONE produce request with
// acks=all, and their offsets committed in ONE request after the acknowledgement. Fetch settings
// are the library's (16 KiB or 25 ms). Bench-only: the gateway itself runs on kafkajs.
import { Consumer, Producer, type Message } from '@platformatic/kafka';
import { DEFAULT_MAX_WAIT_MS, DEFAULT_MIN_BYTES } from '@smsgw/shared/data-access-kafka';

export interface PlatformaticStage {
  stop(): Promise<void>;
}

export async function startPlatformaticStage(options: { brokers: string[]; clientId: string; groupId: string; from: string; to: string; onError: (err: Error) => void }): Promise<PlatformaticStage> {
  const producer = new Producer({ clientId: `${options.clientId}-p`, bootstrapBrokers: options.brokers, acks: -1, idempotent: false, autocreateTopics: false });
  const consumer = new Consumer({ clientId: `${options.clientId}-c`, groupId: options.groupId, bootstrapBrokers: options.brokers, sessionTimeout: 30_000, rebalanceTimeout: 60_000, heartbeatInterval: 3_000 });
  const stream = await consumer.consume({ topics: [options.from], mode: 'committed', fallbackMode: 'earliest', autocommit: false, minBytes: DEFAULT_MIN_BYTES, maxWaitTime: DEFAULT_MAX_WAIT_MS });

  let pending: Message<Buffer, Buffer, Buffer, Buffer>[] = [];
  let scheduled = false;
  let chain: Promise<void> = Promise.resolve();
  const forward = async (messages: Message<Buffer, Buffer, Buffer, Buffer>[]) => {
    await producer.send({ messages: messages.map((m) => ({ topic: options.to, key: m.key, value: m.value })) });
    const last = new Map<number, bigint>();
    for (const m of messages) if ((last.get(m.partition) ?? -1n) < m.offset) last.set(m.partition, m.offset);
    // leaderEpoch -1: unknown (the stream does not hand it out); the broker accepts it.
    await consumer.commit({ offsets: [...last].map(([partition, offset]) => ({ topic: options.from, partition, offset: offset + 1n, leaderEpoch: -1 })) });
  };
  stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
    pending.push(message);
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const batch = pending;
      pending = [];
      // In order: a later fetch's commit never overtakes an earlier one's.
      chain = chain.then(() => forward(batch)).catch(options.onError);
    });
  });
  stream.on('error', options.onError);
  return {
    async stop() {
      await chain;
      await stream.close();
      await consumer.close();
      await producer.close();
    },
  };
}
