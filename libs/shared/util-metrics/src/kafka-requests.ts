import { Counter, type Registry } from 'prom-client';

// Requests this process sent to Kafka, by client role and API (Produce, Fetch, OffsetCommit,
// Heartbeat, …). Counted per process, outside any registry, like the consumer lag, so the Kafka
// library needs no registry handed to it. Requests per message is the figure that shows whether
// a stage batches: at a trickle, every produce, commit and fetch is paid by a handful of events.

const counts = new Map<string, { role: string; api: string; count: number }>();

/** Counts one request (role: producer, consumer or admin; api: the Kafka API's name). */
export function countKafkaRequest(role: string, api: string): void {
  const key = `${role}\u0000${api}`;
  const entry = counts.get(key);
  if (entry) entry.count++;
  else counts.set(key, { role, api, count: 1 });
}

export function kafkaRequestCounts(): { role: string; api: string; count: number }[] {
  return [...counts.values()].map((e) => ({ ...e }));
}

export const KAFKA_REQUESTS_METRIC = 'smsgw_kafka_requests_total';

/** Registers the counter on a registry; its value is read at scrape time. */
export function registerKafkaRequests(registry: Registry): void {
  new Counter({
    name: KAFKA_REQUESTS_METRIC,
    help: 'Requests sent to Kafka brokers by this process, by client role (producer, consumer) and Kafka API.',
    labelNames: ['role', 'api'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { role, api, count } of counts.values()) this.inc({ role, api }, count);
    },
  });
}
