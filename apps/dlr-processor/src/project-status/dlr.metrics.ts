import { Inject, Injectable } from '@nestjs/common';
import { isFinal, statusName } from '@smsgw/dlr/domain';
import { METRICS } from '@smsgw/shared/feature-ops';
import { counter, gauge, histogram, type Registry } from '@smsgw/shared/util-metrics';
import { pipelineStartMs, type StatusEvent } from '@smsgw/shared/util-proto';

// Accept-to-final spans seconds (OTPs) to the 48 h default expiry.
const FINAL_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400, 172_800, 259_200];

@Injectable()
export class DlrMetrics {
  readonly receipts;
  readonly receiptsUnmatched;
  readonly unmatchedReceipts;
  readonly transitions;
  readonly acceptToFinal;
  readonly batchSeconds;
  readonly events;
  readonly undecodable;
  readonly submitUnknown;
  readonly lateMatches;
  readonly deadlockRetries;
  readonly correlationPruned;
  readonly idFormatDetected;
  readonly receiptsRematched;

  constructor(@Inject(METRICS) registry: Registry) {
    this.receipts = counter(registry, 'smsgw_receipts_total', 'Delivery receipts projected, by carrier and stat (INVALID: no id or no stat).', ['carrier', 'stat']);
    this.receiptsUnmatched = gauge(
      registry,
      'smsgw_receipts_unmatched_total',
      'Receipts of the last hour still without their submit report after DLR_UNMATCHED_AFTER_SECONDS, by carrier (a gauge, refreshed by the sweep).',
      ['carrier'],
    );
    this.unmatchedReceipts = counter(
      registry,
      'smsgw_dlr_unmatched_receipts_total',
      'Receipts that moved no message, by carrier and reason: DLR.NO_SUBMIT_REPORT (no submit report claimed the SMSC id within DLR_UNMATCHED_AFTER_SECONDS), DLR.UNKNOWN_STAT, DLR.NO_STAT, DLR.NO_MESSAGE_ID; listed by smsgw receipts unmatched.',
      ['carrier', 'reason'],
    );
    this.transitions = counter(registry, 'smsgw_status_transitions_total', 'Message status changes published on sms.status.v1, by new status.', ['status']);
    this.acceptToFinal = histogram(registry, 'smsgw_message_accept_to_final_seconds', 'Time from acceptance to a final status, by final status.', ['status'], FINAL_BUCKETS);
    this.batchSeconds = histogram(registry, 'smsgw_dlr_batch_seconds', 'Time to project one fetch (every topic and partition it returned: one transaction and one produce request).', []);
    this.events = counter(registry, 'smsgw_dlr_events_total', 'Events projected, by topic.', ['topic']);
    this.undecodable = counter(registry, 'smsgw_dlr_undecodable_total', 'Events skipped because their value is not the topic\'s protobuf message, by topic.', ['topic']);
    this.submitUnknown = counter(registry, 'smsgw_submit_unknown_total', 'Submit reports with outcome UNKNOWN (segment waits for a receipt or expiry), by carrier.', ['carrier']);
    this.lateMatches = counter(registry, 'smsgw_receipts_matched_late_total', 'Receipts that arrived before their submit report and were matched when it came.');
    this.deadlockRetries = counter(registry, 'smsgw_dlr_transaction_retries_total', 'Projection transactions retried after a deadlock or serialization failure.');
    this.idFormatDetected = gauge(
      registry,
      'smsgw_receipt_id_format_detected',
      'A receipt id format found from the traffic (1) for a carrier whose carriers file gives no receiptIdFormat, by carrier and format (hex-to-decimal, decimal-to-hex).',
      ['carrier', 'format'],
    );
    this.receiptsRematched = counter(registry, 'smsgw_receipts_rematched_total', 'Receipts stored under one reading of their SMSC id and matched to their submission under the detected receipt id format.');
    this.correlationPruned = counter(registry, 'smsgw_receipt_correlation_pruned_total', 'receipt_correlation rows deleted after the retention period.');
  }

  /** Counts published status changes; call after the transaction committed. */
  recordChanges(events: readonly StatusEvent[]): void {
    for (const e of events) {
      const status = statusName(e.status);
      this.transitions.inc({ status });
      // A scheduled message counts from its release, not from acceptance hours before its send time.
      const startMs = pipelineStartMs(e);
      if (isFinal(e.status) && startMs > 0) this.acceptToFinal.observe({ status }, Math.max(0, (e.occurredAtMs - startMs) / 1000));
    }
  }
}
