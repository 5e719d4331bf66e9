import { Inject, Injectable } from '@nestjs/common';
import { METRICS } from '@smsgw/shared/feature-ops';
import { counter, gauge, histogram, type Registry } from '@smsgw/shared/util-metrics';

@Injectable()
export class EmailMetrics {
  readonly messages;
  readonly recipients;
  readonly refusals;
  readonly connections;
  readonly submitSeconds;
  readonly reports;
  readonly reportsPending;

  constructor(@Inject(METRICS) registry: Registry) {
    this.messages = counter(registry, 'smsgw_email_messages_total', 'Mails at the end of DATA by outcome: accepted, partial (some recipients refused after others were accepted), refused, deferred (4xx, to be sent again), too_large, unreadable.', ['outcome']);
    this.recipients = counter(registry, 'smsgw_email_recipients_total', 'Recipients (SMS) of mails after DATA by outcome: accepted, duplicate (sent before, idempotency key), refused, deferred.', ['outcome']);
    this.refusals = counter(registry, 'smsgw_email_refusals_total', 'SMTP refusals by stage (auth, mail_from, rcpt_to, data) and stable code (AUTH.INVALID_KEY, VALIDATION.INVALID_DESTINATION, RATE.LIMITED…).', ['stage', 'code']);
    this.connections = gauge(registry, 'smsgw_email_connections', 'SMTP connections open now.');
    this.reports = counter(registry, 'smsgw_email_reports_total', 'Delivery reports by email by result: sent, failed (the relay refused or was unreachable), skipped (no relay configured, too many pending, or the intake stopped first).', ['result']);
    this.reportsPending = gauge(registry, 'smsgw_email_reports_pending', 'Delivery reports waiting for their SMS to be final.');
    this.submitSeconds = histogram(registry, 'smsgw_email_submit_duration_seconds', "Time from the end of a mail's DATA to ingest's answer for all its recipients.");
  }
}
