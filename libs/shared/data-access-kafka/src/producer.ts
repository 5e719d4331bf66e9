import { CompressionTypes, Partitioners, type ICustomPartitioner, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { countKafkaRequest } from '@smsgw/shared/util-metrics';
import { encodeValue, type Codec, type Topic } from './topics';

export interface OutgoingEvent<T = unknown> {
  topic: Topic<T>;
  key: string;
  value: T;
  headers?: Record<string, string>;
  /** An explicit partition (instead of the key's): the connector's journal mirrors its outbound partitions. */
  partition?: number;
}

/** Whether the event's value is a `codec` message (its topic's payload), narrowing it without a cast. */
export function carries<T>(event: OutgoingEvent, codec: Codec<T>): event is OutgoingEvent<T> {
  return event.topic.codec === codec;
}

export interface EventProducerOptions {
  /** How long a single send waits for others to share its request (ms). */
  lingerMs?: number;
  /** Flush at once when this many events are waiting. */
  maxBatch?: number;
  /** Replaces kafkajs's DefaultPartitioner; it must choose the same partitions (same key → same partition as every other producer). */
  createPartitioner?: ICustomPartitioner;
}

/** One caller's events waiting for the next request (one for send, many for sendMany). */
interface Pending {
  items: { topic: string; message: Message }[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Publishes protobuf events with acks=all. Single sends are coalesced: while no request is in
 * flight, the sends of one turn of the event loop leave at once in one request (an idle gateway
 * adds no delay); while one is in flight, later sends wait for its acknowledgement or lingerMs,
 * whichever comes first, and leave together. So the batch grows with the rate and a thousand
 * concurrent gRPC Sends cost a few round trips, not a thousand. sendMany leaves in the current
 * turn, with whatever else is queued. Each caller's promise resolves only when the broker has
 * acknowledged its events; a request that fails fails every caller in it.
 */
export class EventProducer {
  private readonly producer: Producer;
  private readonly lingerMs: number;
  private readonly maxBatch: number;
  private queue: Pending[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private inFlight = new Set<Promise<void>>();

  constructor(kafka: Kafka, options: EventProducerOptions = {}) {
    this.producer = kafka.producer({ createPartitioner: options.createPartitioner ?? Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, maxInFlightRequests: 5, retry: { retries: 10 } });
    this.producer.on(this.producer.events.REQUEST, ({ payload }) => countKafkaRequest('producer', payload.apiName));
    this.lingerMs = options.lingerMs ?? 2;
    this.maxBatch = options.maxBatch ?? 1000;
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /** Waits for queued and in-flight sends, then disconnects. */
  async disconnect(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
    await this.producer.disconnect();
  }

  /** Queues one event; resolves when the broker acknowledged it. */
  send<T>(event: OutgoingEvent<T>): Promise<void> {
    return this.enqueue([event], false);
  }

  /**
   * Publishes many events (consumers forwarding a whole fetch) in the next request, which leaves in
   * this turn of the event loop; other sendMany/send calls of the same turn share it (the
   * connector's partitions finishing together). Resolves when the broker acknowledged them.
   */
  sendMany(events: OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.enqueue(events, true);
  }

  private enqueue(events: OutgoingEvent[], now: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items: events.map((e) => ({ topic: e.topic.name, message: toMessage(e) })), resolve, reject });
      this.queued += events.length;
      if (this.queued >= this.maxBatch) this.flush();
      else if (now || this.inFlight.size === 0) this.immediate ??= setImmediate(() => this.flush());
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private async sendInRequests(items: { topic: string; message: Message }[]): Promise<void> {
    for (const chunk of chunksOf(items, MAX_REQUEST_BYTES)) {
      await this.producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages: groupByTopic(chunk) });
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.queued = 0;
    const request = this.sendInRequests(batch.flatMap((p) => p.items))
      .then(
        () => batch.forEach((p) => p.resolve()),
        (err: Error) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        this.inFlight.delete(request);
        // What queued behind this request goes now rather than at the end of its linger.
        if (this.queue.length && this.inFlight.size === 0) this.flush();
      });
    this.inFlight.add(request);
  }
}

/**
 * The broker refuses a record batch over its message.max.bytes (1 MiB by default) with
 * MESSAGE_TOO_LARGE, and a stage forwarding a large fetch (1 MiB per partition) would retry that
 * forever. So a flush goes in requests of at most MAX_REQUEST_BYTES, one after the other (the
 * order of each key's events is kept).
 */
export const MAX_REQUEST_BYTES = 512 * 1024;

function toMessage<T>(event: OutgoingEvent<T>): Message {
  return { key: event.key, value: encodeValue(event.topic, event.value), headers: event.headers, partition: event.partition };
}

function groupByTopic(items: { topic: string; message: Message }[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, message } of items) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(message);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** Consecutive runs of items whose keys and values add up to at most maxBytes (an item larger than that goes alone). */
export function chunksOf<T extends { message: Message }>(items: T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item.message);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function sizeOf(message: Message): number {
  const length = (v: Message['value'] | Message['key']) => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);
  let size = 64 + length(message.key) + length(message.value); // 64: a record's own overhead, roughly
  for (const [k, v] of Object.entries(message.headers ?? {})) size += k.length + (typeof v === 'string' ? Buffer.byteLength(v) : Buffer.isBuffer(v) ? v.length : 16);
  return size;
}
