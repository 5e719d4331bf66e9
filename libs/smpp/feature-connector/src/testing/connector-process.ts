// Runs one SmppConnector as its own process for crash tests (SIGKILL, restart). Settings come
// from the environment: CARRIER_JSON (carrier settings as in the carriers file), KAFKA_BROKERS,
// KAFKA_TOPIC_PREFIX (the test's own topics), FETCH_BYTES (bytes per partition fetch, i.e. batch size).
// Sent { metrics: true } over IPC, it answers with its /metrics text.
import { Registry } from 'prom-client';
import { readCarriersConfig } from '@smsgw/carriers/util-config';
import { createKafka, setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { createLogger } from '@smsgw/shared/util-logging';
import { SmppConnector, useNodeTextEncoding } from '../index';

async function main(): Promise<void> {
  useNodeTextEncoding();
  setTopicPrefix(process.env['KAFKA_TOPIC_PREFIX'] ?? '');
  const { id, ...settings } = JSON.parse(process.env['CARRIER_JSON'] ?? '{}') as { id: string } & Record<string, unknown>;
  const carrier = readCarriersConfig({ carriers: { [id]: settings } }).carriers.get(id);
  if (!carrier) throw new Error('no carrier');
  const logger = createLogger({ app: 'connector-process', level: process.env['LOG_LEVEL'] ?? 'warn' });
  const kafka = createKafka({ brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','), clientId: 'connector-process', logger });
  const registry = new Registry();
  const connector = new SmppConnector({
    carrier,
    kafka,
    logger,
    registry,
    instanceId: `crash-test:${process.pid}`,
    replicas: 1,
    topicPartitions: 4,
    replicationFactor: 1,
    consumerConcurrency: 4,
    maxBytesPerPartition: Number(process.env['FETCH_BYTES'] ?? 16_384),
    healthIntervalMs: 0,
    shutdownTimeoutMs: 3_000,
    moReassemblyTimeoutMs: 2_000,
  });
  await connector.start();
  process.send?.({ started: true });
  // The test asks for the metrics (unknown outcomes after a restart) over IPC.
  process.on('message', (m: { metrics?: boolean }) => {
    if (m.metrics) void registry.metrics().then((text) => process.send?.({ metrics: text }));
  });
  process.once('SIGTERM', () => void connector.stop().then(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
