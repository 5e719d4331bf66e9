import { Inject, Injectable } from '@nestjs/common';
import { METRICS } from '@smsgw/shared/feature-ops';
import { counter, histogram, type Registry } from '@smsgw/shared/util-metrics';

@Injectable()
export class IngestMetrics {
  readonly accepted;
  readonly rejected;
  readonly acceptSeconds;
  readonly duplicates;
  readonly keysSwept;
  readonly policyRefused;
  readonly optOuts;

  constructor(@Inject(METRICS) registry: Registry) {
    this.accepted = counter(registry, 'smsgw_messages_accepted_total', 'Messages durably accepted (on sms.accepted.v1), by channel.', ['channel']);
    this.rejected = counter(registry, 'smsgw_messages_rejected_total', 'Send requests refused, by channel and reason code.', ['channel', 'reason']);
    this.duplicates = counter(registry, 'smsgw_idempotent_duplicates_total', 'Send requests and sms.submit.v1 events whose idempotency key was seen before: answered with the first message, not sent again, by channel.', ['channel']);
    this.keysSwept = counter(registry, 'smsgw_idempotency_keys_swept_total', 'Idempotency keys deleted after INGEST_IDEMPOTENCY_RETENTION_SECONDS.');
    this.policyRefused = counter(registry, 'smsgw_policy_refused_total', "Messages refused by their account's policy, by code (POLICY.SENDER_NOT_ALLOWED, POLICY.COUNTRY_NOT_ALLOWED…).", ['code']);
    this.optOuts = counter(registry, 'smsgw_optouts_total', 'Suppression list changes: opt_out (STOP… or an operator) and opt_in (START… or an operator).', ['action']);
    this.acceptSeconds = histogram(registry, 'smsgw_accept_duration_seconds', 'Time from a Send request to the broker acknowledging the message, by method.', ['method']);
  }
}
