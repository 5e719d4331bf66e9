import { CompressionTypes, Partitioners, type ICustomPartitioner, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { countKafkaRequest } from '@smsgw/shared/util-metrics';
import { encodeValue, type Topic } from './topics';

export interface OutgoingEvent<T = unknown> {
  topic: Topic<T>;
  key: string;
  value: T;
  headers?: Record<string, string>;
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

  private flush(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.queued = 0;
    const request = this.producer
      .sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages: groupByTopic(batch.flatMap((p) => p.items)) })
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

function toMessage<T>(event: OutgoingEvent<T>): Message {
  return { key: event.key, value: encodeValue(event.topic, event.value), headers: event.headers };
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
