import { TOPICS } from '@smsgw/shared/data-access-kafka';
import type { AppKafkaOptions } from '@smsgw/shared/feature-ops';
import type { DlrEnv } from './env';

/** Publishes sms.status.v1 (and the inbound router's events); a batch commits only after its events are acknowledged. */
export const DLR_KAFKA: AppKafkaOptions<DlrEnv> = {
  name: 'dlr-processor',
  topics: [TOPICS.accepted, TOPICS.submitted, TOPICS.submittedV1, TOPICS.dlrRaw, TOPICS.status, TOPICS.webhookFailed, TOPICS.inbound, TOPICS.inboundRouted, TOPICS.inboundWebhookFailed],
};
