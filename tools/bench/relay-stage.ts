// One hop of the bare relay benchmark (tools/bench/relay.ts starts five of these): consumes
// relay.s<i> with the library's startFetchConsumer (--consumer partition: startBatchConsumer) and
// forwards every fetch (or batch) unchanged (same key, same value bytes) to relay.s<i+1> with
// EventProducer.sendMany; the library commits once the produce is acknowledged (acks=all).
// --client platformatic runs the hop on @platformatic/kafka instead (relay-platformatic.ts), the A/B.
//   node -r ./tools/ts-run.cjs tools/bench/relay-stage.ts --stage I --prefix P [--consumer fetch|partition] [--concurrency 2] [--client kafkajs|platformatic]
// Talks to the driver over stdio: prints {"ready":true} once its group is joined, answers a
// "stats" line on stdin with its Kafka request counts, and stops when stdin closes.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Kafka } from 'kafkajs';
import { EventProducer, createKafka, prefixed, setTopicPrefix, startBatchConsumer, startFetchConsumer, type Codec, type FetchedBatch, type Topic } from '@smsgw/shared/data-access-kafka';
import { createLogger } from '@smsgw/shared/util-logging';
import { startPlatformaticStage } from './relay-platformatic';

/** The relay moves bytes: no protobuf, so the bench measures the Kafka path only. */
const bytes: Codec<Uint8Array> = { encode: (b) => ({ finish: () => b }), decode: (b) => b };

/** relay.s<i> under this process's topic prefix (set it first). */
export function relayTopic(i: number): Topic<Uint8Array> {
  return { name: prefixed(`relay.s${i}`), codec: bytes };
}

export type RequestCounts = Record<string, number>;

/**
 * Counts the Kafka requests (by API: Produce, Fetch, OffsetCommit, Heartbeat…) of every producer,
 * consumer and admin client made from `kafka` from now on, through kafkajs's REQUEST events. The
 * library builds its clients inside EventProducer/startBatchConsumer, so the factories are wrapped.
 */
export function countRequests(kafka: Kafka): RequestCounts {
  const counts: RequestCounts = {};
  const count = ({ payload }: { payload: { apiName: string } }) => void (counts[payload.apiName] = (counts[payload.apiName] ?? 0) + 1);
  const producer = kafka.producer.bind(kafka);
  const consumer = kafka.consumer.bind(kafka);
  const admin = kafka.admin.bind(kafka);
  kafka.producer = (config) => {
    const p = producer(config);
    p.on(p.events.REQUEST, count);
    return p;
  };
  kafka.consumer = (config) => {
    const c = consumer(config);
    c.on(c.events.REQUEST, count);
    return c;
  };
  kafka.admin = (config) => {
    const a = admin(config);
    a.on(a.events.REQUEST, count);
    return a;
  };
  return counts;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      stage: { type: 'string' },
      prefix: { type: 'string', default: '' },
      concurrency: { type: 'string', default: '2' },
      consumer: { type: 'string', default: 'fetch' },
      client: { type: 'string', default: 'kafkajs' },
    },
  });
  const stage = Number(args.stage);
  if (!Number.isInteger(stage) || stage < 0) throw new Error('--stage must be the hop number (0…)');
  setTopicPrefix(args.prefix ?? '');
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
  // stdout carries the protocol with the driver; logs go to stderr.
  const logger = createLogger({ app: `relay-stage-${stage}`, level: process.env['LOG_LEVEL'] ?? 'warn', destination: pino.destination(2) });
  if (args.client === 'platformatic') return runPlatformatic(stage, brokers);
  const kafka = createKafka({ brokers, clientId: `relay-stage-${stage}`, logger });
  const requests = countRequests(kafka);
  const from = relayTopic(stage);
  const to = relayTopic(stage + 1);

  const producer = new EventProducer(kafka);
  await producer.connect();
  const forward = (batches: FetchedBatch[]) =>
    producer.sendMany(batches.flatMap(({ messages }) => messages.map((m) => ({ topic: to, key: m.key?.toString() ?? '', value: m.value ?? Buffer.alloc(0) }))));
  const common = { groupId: `relay-stage-${stage}`, topics: [from], logger };
  const consumer =
    args.consumer === 'partition'
      ? await startBatchConsumer(kafka, { ...common, concurrency: Number(args.concurrency), handle: (batch) => forward([batch]) })
      : await startFetchConsumer(kafka, { ...common, handle: (fetch) => forward(fetch.batches) });
  serveDriver(stage, requests, async () => {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  });
}

async function runPlatformatic(stage: number, brokers: string[]): Promise<void> {
  const hop = await startPlatformaticStage({
    brokers,
    clientId: `relay-stage-${stage}`,
    groupId: prefixed(`relay-stage-${stage}`),
    from: relayTopic(stage).name,
    to: relayTopic(stage + 1).name,
    onError: (err) => {
      console.error(`relay-stage ${stage}: ${err.stack ?? err}`);
      process.exit(1);
    },
  });
  // Request counts come from kafkajs's instrumentation; this client is not counted.
  serveDriver(stage, {}, () => hop.stop().catch(() => undefined));
}

/** The stdio protocol with the driver: "ready", stats on request, stop when stdin closes. */
function serveDriver(stage: number, requests: RequestCounts, close: () => Promise<void>): void {
  const say = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');
  say({ ready: true, stage, pid: process.pid });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await close();
      process.exit(0);
    })());
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      if (line.trim() === 'stats') say({ requests, cpu: process.cpuUsage() });
    })
    .on('close', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`relay-stage: ${err.stack ?? err}`);
    process.exit(1);
  });
}
