import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerConsumerLag } from './consumer-lag';
import { registerKafkaRequests } from './kafka-requests';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per process, with Node.js process metrics, Kafka consumer lag and Kafka requests. Names follow smsgw_<thing>_<unit>. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  registerConsumerLag(registry);
  registerKafkaRequests(registry);
  return registry;
}

// Latency buckets in seconds, from sub-millisecond Kafka acks to multi-second receipts.
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter<string> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []): Gauge<string> {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

export function histogram(registry: Registry, name: string, help: string, labelNames: string[] = [], buckets = LATENCY_BUCKETS): Histogram<string> {
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
