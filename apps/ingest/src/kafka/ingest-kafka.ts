import { TOPICS } from '@smsgw/shared/data-access-kafka';
import type { AppKafkaOptions } from '@smsgw/shared/feature-ops';
import type { IngestEnv } from '../env';
import { grpcHealth } from '../grpc/grpc-options';

/** Ingest's Kafka client and producer (Send answers only after its ack); gRPC health follows the producer. */
export const INGEST_KAFKA: AppKafkaOptions<IngestEnv> = {
  name: 'ingest',
  topics: [TOPICS.submit, TOPICS.submitRejected, TOPICS.accepted, TOPICS.submitted],
  lingerMs: (config) => config.INGEST_PRODUCER_LINGER_MS,
  onConnected: () => {
    grpcHealth.setStatus('', 'SERVING');
    grpcHealth.setStatus('sms.v1.SmsService', 'SERVING');
  },
  onDisconnecting: () => {
    grpcHealth.setStatus('', 'NOT_SERVING');
    grpcHealth.setStatus('sms.v1.SmsService', 'NOT_SERVING');
  },
};
