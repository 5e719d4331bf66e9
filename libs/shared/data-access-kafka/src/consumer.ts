import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '@smsgw/shared/util-logging';
import { countKafkaRequest } from '@smsgw/shared/util-metrics';
import { prefixed } from './topic-prefix';
import type { Topic } from './topics';
import { watchConsumerLag } from './consumer-lag';
import { PartitionGate, type GatePass } from './partition-gate';

/** About 100 small events (see docs/performance.md). */
export const DEFAULT_MIN_BYTES = 16_384;
export const DEFAULT_MAX_WAIT_MS = 25;
const HEARTBEAT_INTERVAL_MS = 3_000;

/** One partition's share of a fetch. */
export interface FetchedBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}

export interface ConsumedBatch extends FetchedBatch {
  /**
   * Heartbeats are sent while the handler runs; this sends one now. It never throws: a group that
   * is rebalancing (or has dropped this member) aborts `signal` instead.
   */
  heartbeat(): Promise<void>;
  /**
   * Aborted when this member should let go of the partition soon: the group is rebalancing, the
   * member was dropped, or the consumer is stopping. A handler of long batches then stops taking
   * new work, finishes what it started, and returns how far it got (BatchProgress).
   */
  signal: AbortSignal;
  /**
   * Commits up to this offset (inclusive) while the batch is still in progress, so that a crash
   * repeats less of a long batch. Only for messages whose work is complete and acknowledged;
   * offsets at or below one already committed are ignored.
   */
  commit(offsetThrough: string): Promise<void>;
}

/** A handler that finished only part of its batch says where the commit stops. */
export interface BatchProgress {
  /** The last offset whose work is complete, every earlier one included; undefined: none. */
  handledThrough: string | undefined;
}

export interface BatchConsumerOptions {
  groupId: string;
  topics: Topic<unknown>[] | string[];
  /**
   * Handles a batch; resolves only when every message's output is acknowledged. Resolving with a
   * BatchProgress commits only that far; the rest is fetched again (by whoever owns the partition).
   */
  handle(batch: ConsumedBatch): Promise<void | BatchProgress>;
  logger: Logger;
  /** Partitions handled at the same time by this process. */
  concurrency?: number;
  fromBeginning?: boolean;
  maxBytesPerPartition?: number;
  /**
   * A fetch returns once this many bytes are ready or maxWaitTimeInMs passed. Above 1, a trickle of
   * messages is handed over in batches of a few ms instead of one by one: fewer produce requests,
   * transactions and commits per message, for at most maxWaitTimeInMs more latency per hop.
   */
  minBytes?: number;
  maxWaitTimeInMs?: number;
  /** How often the group's lag is measured for smsgw_kafka_consumer_lag_messages (0: never). */
  lagIntervalMs?: number;
}

export interface DecodedEvent<T> {
  key: string;
  value: T;
  offset: string;
  timestamp: number;
}

export interface DecodeResult<T> {
  events: DecodedEvent<T>[];
  undecodable: { message: KafkaMessage; error: Error }[];
}

/** Decodes a batch; bad bytes are returned apart so the caller can dead-letter them. */
export function decodeBatch<T>(topic: Topic<T>, messages: KafkaMessage[]): DecodeResult<T> {
  const result: DecodeResult<T> = { events: [], undecodable: [] };
  for (const message of messages) {
    try {
      if (!message.value) throw new Error('empty value');
      result.events.push({ key: message.key?.toString() ?? '', value: topic.codec.decode(message.value), offset: message.offset, timestamp: Number(message.timestamp) });
    } catch (error) {
      result.undecodable.push({ message, error: error as Error });
    }
  }
  return result;
}

/** Heartbeat errors that mean this member is about to lose (or has lost) its partitions. */
const LEAVING_GROUP = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

type ConsumerOptions = Omit<BatchConsumerOptions, 'handle' | 'concurrency'>;

async function connectConsumer(kafka: Kafka, options: ConsumerOptions): Promise<{ consumer: Consumer; groupId: string; topics: string[] }> {
  const groupId = prefixed(options.groupId);
  const topics = options.topics.map((t) => (typeof t === 'string' ? t : t.name));
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 30_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    minBytes: options.minBytes ?? DEFAULT_MIN_BYTES,
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? DEFAULT_MAX_WAIT_MS,
    allowAutoTopicCreation: false,
    // A handler that keeps failing (PostgreSQL down for minutes) exhausts the retries; the consumer
    // then restarts, rejoins and fetches the uncommitted batches again, however long the outage.
    retry: {
      retries: 10,
      restartOnFailure: async (err) => {
        options.logger.error({ err }, 'consumer gave up retrying; restarting it');
        return true;
      },
    },
  });
  consumer.on(consumer.events.REQUEST, ({ payload }) => countKafkaRequest('consumer', payload.apiName));
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: options.fromBeginning ?? true });
  return { consumer, groupId, topics };
}

/**
 * Watches the group's lag for the consumer's whole life. kafkajs stops and disconnects a crashed
 * consumer itself before it restarts it (STOP and DISCONNECT events on the way), so those events
 * do not mean the end, and the lag matters most then: the watch ends when the owner disconnects
 * the consumer, or on a crash that kafkajs does not restart.
 */
function watchLag(kafka: Kafka, consumer: Consumer, options: ConsumerOptions, groupId: string, topics: string[]): void {
  if (options.lagIntervalMs === 0) return;
  const lag = watchConsumerLag(kafka, { groupId, topics, logger: options.logger, intervalMs: options.lagIntervalMs });
  const disconnect = consumer.disconnect;
  consumer.disconnect = async () => {
    try {
      await disconnect();
    } finally {
      await lag.stop();
    }
  };
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) void lag.stop();
  });
}

/**
 * Heartbeats for work in progress, and the signal a rebalance aborts. kafkajs sends at most one
 * heartbeat per interval; asking more often keeps the gap short.
 */
function keepAlive(payload: EachBatchPayload, logger: Logger, where: object): { beat: () => Promise<void>; signal: AbortSignal; stop: () => void } {
  const { heartbeat, isRunning, isStale } = payload;
  const leaving = new AbortController();
  const beat = async () => {
    if (leaving.signal.aborted) return;
    if (!isRunning() || isStale()) return leaving.abort(new Error('the consumer is stopping or seeking'));
    try {
      await heartbeat();
    } catch (err) {
      const type = (err as { type?: string }).type ?? '';
      if (!LEAVING_GROUP.has(type)) return; // a broker hiccup: the next heartbeat will tell
      logger.warn({ ...where, reason: type }, 'group rebalancing while a batch is in progress: finishing what it started and committing that');
      leaving.abort(err);
    }
  };
  const timer = setInterval(() => void beat(), HEARTBEAT_INTERVAL_MS / 3);
  return { beat, signal: leaving.signal, stop: () => clearInterval(timer) };
}

/**
 * A consumer that hands whole batches to one handler and commits a batch's offsets only after the
 * handler resolved: at-least-once, never an offset ahead of the work. A handler that throws makes
 * kafkajs re-fetch from the last commit (after its retry back-off).
 *
 * kafkajs rejoins a rebalancing group only after the batches in progress return, and every other
 * member waits for that (up to rebalanceTimeout, after which this member is dropped and its
 * partitions' uncommitted work is done twice). So the batch's heartbeats run here, and a
 * rebalance aborts the batch's signal: long handlers return early with what they finished.
 * kafkajs may also deliver offsets again while an earlier batch of them still runs; the
 * PartitionGate makes the second wait and hands it only what the first did not finish.
 */
export async function startBatchConsumer(kafka: Kafka, options: BatchConsumerOptions): Promise<Consumer> {
  const { consumer, groupId, topics } = await connectConsumer(kafka, options);
  const commits = new CommitBatcher(consumer);
  await runGated(consumer, options.concurrency ?? 1, (payload, pass) => runBatch(commits, options, payload, pass));
  watchLag(kafka, consumer, options, groupId, topics);
  return consumer;
}

/** consumer.run with manual commits, each partition's batches let through a PartitionGate one at a time. */
function runGated(consumer: Consumer, workers: number, handle: (payload: EachBatchPayload, pass: GatePass) => Promise<void>): Promise<void> {
  const gate = new PartitionGate();
  return consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: workers,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      const { batch, isRunning, isStale } = payload;
      if (batch.messages.length === 0 || !isRunning() || isStale()) return;
      const pass = await gate.enter(batch.topic, batch.partition, batch.messages);
      try {
        await handle(payload, pass);
      } finally {
        pass.leave();
      }
    },
  });
}

/**
 * Offset commits issued in one turn of the event loop leave in one OffsetCommit request: the
 * partitions of one fetch finish at about the same time, and at a trickle each would otherwise pay
 * a commit of its own. A failed request fails every commit in it (their batches are consumed again).
 */
class CommitBatcher {
  private pending = new Map<string, { topic: string; partition: number; offset: string }>();
  private waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly consumer: Consumer) {}

  /** Commits `offset` (the next offset to read) for the partition; resolves when the broker has it. */
  commit(topic: string, partition: number, offset: string): Promise<void> {
    const key = `${topic}\u0000${partition}`;
    const earlier = this.pending.get(key);
    if (!earlier || BigInt(earlier.offset) < BigInt(offset)) this.pending.set(key, { topic, partition, offset });
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const offsets = [...this.pending.values()];
    const waiting = this.waiting;
    this.pending = new Map();
    this.waiting = [];
    this.consumer.commitOffsets(offsets).then(
      () => waiting.forEach((w) => w.resolve()),
      (err: unknown) => waiting.forEach((w) => w.reject(err)),
    );
  }
}

/** One batch: heartbeats while it runs, the handler, then the commit of what it finished. */
async function runBatch(commits: CommitBatcher, options: BatchConsumerOptions, payload: EachBatchPayload, pass: GatePass): Promise<void> {
  const { batch, resolveOffset } = payload;
  const { topic, partition } = batch;
  const lastOffset = batch.lastOffset();
  let committed = -1n;
  async function commitThrough(through: string): Promise<void> {
    const next = BigInt(through) + 1n;
    if (next <= committed) return;
    committed = next;
    pass.handled(through);
    resolveOffset(through);
    await commits.commit(topic, partition, next.toString());
  }
  if (pass.messages.length === 0) {
    // All handled by an earlier delivery of these offsets whose commit did not stick: commit again.
    return commitThrough(lastOffset);
  }
  const alive = keepAlive(payload, options.logger, { topic, partition });
  let progress: void | BatchProgress;
  try {
    progress = await options.handle({ topic, partition, messages: pass.messages, heartbeat: alive.beat, signal: alive.signal, commit: commitThrough });
  } catch (err) {
    options.logger.error({ err, topic, partition, firstOffset: pass.messages[0].offset }, 'batch failed; it will be consumed again');
    throw err;
  } finally {
    alive.stop();
  }
  const last = progress ? progress.handledThrough : lastOffset;
  if (last !== undefined) await commitThrough(last);
}

// ---------------------------------------------------------------------------------------------
// Whole fetches

/** Everything one fetch returned, across partitions (and topics). */
export interface ConsumedFetch {
  batches: FetchedBatch[];
  /** Sends a heartbeat now (they also run on their own while the handler works). */
  heartbeat(): Promise<void>;
  /** Aborted when the group rebalances or the consumer stops; the fetch is still committed only once all of it is handled. */
  signal: AbortSignal;
}

export interface FetchConsumerOptions extends ConsumerOptions {
  /** Handles a whole fetch; resolves only when every message's output is acknowledged. */
  handle(fetch: ConsumedFetch): Promise<void>;
}

/** kafkajs workers per consumer: more than the partitions one fetch can return, so none waits. */
const FETCH_WORKERS = 64;

/**
 * A consumer for stages whose work is a quick function of each event (encode, route, project):
 * every partition's batch of one fetch goes to ONE handler call, whose output is one produce
 * request (or one transaction), and whose offsets are committed in ONE request. At a trickle of
 * one or two events per partition per fetch this is what keeps the cost per message close to
 * bulk: the per-partition consumer pays a produce and a commit for each partition.
 *
 * kafkajs hands a fetch's batches to its workers all at once (one per partition, up to
 * FETCH_WORKERS) and fetches again only when all of them returned; the batches that arrive within
 * one turn of the event loop are gathered and handled together. Offsets are committed only after
 * the handler resolved, as in startBatchConsumer, and the PartitionGate keeps kafkajs's repeated
 * deliveries from being handled twice.
 */
export async function startFetchConsumer(kafka: Kafka, options: FetchConsumerOptions): Promise<Consumer> {
  const { consumer, groupId, topics } = await connectConsumer(kafka, options);
  const gather = new FetchGatherer((parts) => runFetch(consumer, options, parts));
  await runGated(consumer, FETCH_WORKERS, (payload, pass) => gather.add({ payload, pass }));
  watchLag(kafka, consumer, options, groupId, topics);
  return consumer;
}

interface FetchPart {
  payload: EachBatchPayload;
  pass: GatePass;
}

/** Collects the batches that arrive in one turn of the event loop and runs them as one. */
class FetchGatherer {
  private pending: { part: FetchPart; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly run: (parts: FetchPart[]) => Promise<void>) {}

  add(part: FetchPart): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ part, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const waiting = this.pending;
    this.pending = [];
    try {
      await this.run(waiting.map((w) => w.part));
      waiting.forEach((w) => w.resolve());
    } catch (err) {
      waiting.forEach((w) => w.reject(err));
    }
  }
}

/** One fetch: heartbeats while it runs, the handler over every partition, then one commit. */
async function runFetch(consumer: Consumer, options: FetchConsumerOptions, parts: FetchPart[]): Promise<void> {
  const work = parts.filter((p) => p.pass.messages.length > 0);
  if (work.length) {
    const alive = keepAlive(work[0].payload, options.logger, { topics: [...new Set(work.map((p) => p.payload.batch.topic))] });
    const batches = work.map(({ payload, pass }) => ({ topic: payload.batch.topic, partition: payload.batch.partition, messages: pass.messages }));
    try {
      await options.handle({ batches, heartbeat: alive.beat, signal: alive.signal });
    } catch (err) {
      const where = batches.map((b) => `${b.topic}[${b.partition}]@${b.messages[0].offset}`).join(' ');
      options.logger.error({ err, batches: where }, 'fetch failed; it will be consumed again');
      throw err;
    } finally {
      alive.stop();
    }
  }
  // Parts whose messages were all handled by an earlier delivery are committed again too.
  const offsets = parts.map(({ payload, pass }) => {
    const last = payload.batch.lastOffset();
    pass.handled(last);
    payload.resolveOffset(last);
    return { topic: payload.batch.topic, partition: payload.batch.partition, offset: (BigInt(last) + 1n).toString() };
  });
  await consumer.commitOffsets(offsets);
}
