import { TOPICS } from '@smsgw/shared/data-access-kafka';
import type { AppKafkaOptions } from '@smsgw/shared/feature-ops';
import type { IngestEnv } from '../env';
import { grpcHealth } from '../grpc/grpc-options';

/** gRPC health ('' and sms.v1.SmsService) follows the producer: no Send is answered without it. */
const servingAs = (status: 'SERVING' | 'NOT_SERVING') => {
  for (const service of ['', 'sms.v1.SmsService']) grpcHealth.setStatus(service, status);
};

/** Ingest's Kafka client and producer (Send answers only after its ack). */
export const INGEST_KAFKA: AppKafkaOptions<IngestEnv> = {
  name: 'ingest',
  topics: [TOPICS.submit, TOPICS.submitRejected, TOPICS.accepted, TOPICS.submitted],
  lingerMs: (config) => config.INGEST_PRODUCER_LINGER_MS,
  onConnected: () => servingAs('SERVING'),
  onDisconnecting: () => servingAs('NOT_SERVING'),
};
