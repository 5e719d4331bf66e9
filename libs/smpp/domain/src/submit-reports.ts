// What the connector reports about one message it was given: every sms.submitted.v2 event (and
// the sms.retry.v1 request of a failover) comes from submitReports, so the rules for each outcome
// are in one place. Pure; the connector publishes what it returns.
import { Encoding, RetryRequest, SubmitOutcome, acceptedFieldsOf, messageEvent, segmentEvent, type MessageReport, type OutboundMessage, type SegmentReport, type SubmitEvent, type SubmitEventHeader } from '@smsgw/shared/util-proto';
import { commandStatusName } from '@smsgw/smpp/util-wire';
import { smppReasonCode } from './submit-status';
import type { JournalOutcome, UnknownOutcomePolicy } from './submit-journal';

/**
 * A segment's final submit outcome: from its submit_sm_resp (or its absence), or read back from the
 * submit journal after a restart. Throttling is never one: the pool sends a throttled segment again.
 */
export type SegmentOutcome = JournalOutcome;

/** A segment journaled as sent before a crash, without its outcome: the SMSC may or may not have it. */
export const UNKNOWN_AFTER_RESTART: SegmentOutcome = {
  kind: 'unknown',
  reasonCode: 'CONNECTOR.UNKNOWN_AFTER_RESTART',
  reason: 'the connector restarted after sending this segment and before its submit_sm_resp was recorded',
};

/** What became of one outbound record. */
export type MessageSubmission =
  /** The record is not an OutboundMessage at all: only its key is known. */
  | { kind: 'undecodable'; messageId: string; error: string }
  /** The event carries no encoded message. */
  | { kind: 'invalid'; messageId: string; outbound: OutboundMessage }
  /** The text cannot be rendered with this carrier's encoding settings (e.g. an encoding error). */
  | { kind: 'unrenderable'; messageId: string; outbound: OutboundMessage; reasonCode: string; reason: string }
  /**
   * Taken back before its first segment went out (partition given up, stop), or stopped with only
   * part of it sent: no reports; the record is not committed and is consumed again.
   */
  | { kind: 'withdrawn' }
  /**
   * Sent: the first segment's outcome and, unless the carrier refused the first (then nothing else
   * of the message went out), every other segment's, in order.
   */
  | { kind: 'sent'; messageId: string; outbound: OutboundMessage; encoding: Encoding; segmentCount: number; outcomes: readonly SegmentOutcome[] };

/** The carrier's settings that decide the reports, and the time to stamp them with. */
export interface ReportPolicy {
  carrierId: string;
  /** A retryable refusal of the first segment hands the message to the router for another carrier. */
  failover: boolean;
  unknownOutcome: UnknownOutcomePolicy;
  nowMs: number;
}

export interface SubmitReports {
  /** For sms.submitted.v2, keyed by message id. */
  reports: SubmitEvent[];
  /** For sms.retry.v1 (published before the reports): the message goes to another carrier. */
  retry?: RetryRequest;
}


/** The events of one outbound record: one per segment, or one about the whole message. */
export function submitReports(submission: MessageSubmission, policy: ReportPolicy): SubmitReports {
  const { carrierId, nowMs } = policy;
  switch (submission.kind) {
    case 'withdrawn':
      return { reports: [] };
    case 'undecodable':
      return {
        reports: [
          wholeMessage(policy, header(policy, submission.messageId, undefined), {
            outcome: SubmitOutcome.FAILED,
            reasonCode: 'CONNECTOR.UNDECODABLE',
            reason: `the outbound event could not be decoded: ${submission.error}`,
          }),
        ],
      };
    case 'invalid':
      return { reports: [wholeMessage(policy, header(policy, submission.messageId, submission.outbound), { outcome: SubmitOutcome.FAILED, reasonCode: 'CONNECTOR.INVALID_EVENT', reason: 'the outbound event carries no encoded message' })] };
    case 'unrenderable':
      return { reports: [wholeMessage(policy, header(policy, submission.messageId, submission.outbound), { outcome: SubmitOutcome.FAILED, reasonCode: submission.reasonCode, reason: submission.reason })] };
    case 'sent':
      break;
  }
  const { messageId, outbound, encoding, segmentCount, outcomes } = submission;
  const sent = header(policy, messageId, outbound, encoding, segmentCount);
  const first = outcomes[0];
  if (first?.kind === 'rejected') {
    const status = first.commandStatus;
    const name = commandStatusName(status);
    if (first.retryable && policy.failover) {
      const triedCarriers = outbound.triedCarriers.includes(carrierId) ? outbound.triedCarriers : [...outbound.triedCarriers, carrierId];
      return {
        retry: RetryRequest.create({ outbound: { ...outbound, triedCarriers }, reasonCode: smppReasonCode(status), reason: `${carrierId} answered ${name} to submit_sm`, failedAtMs: nowMs }),
        reports: [
          wholeMessage(policy, sent, { outcome: SubmitOutcome.RETRYING, commandStatus: status, reasonCode: smppReasonCode(status), reason: `${name}: handed to the router for another carrier` }),
        ],
      };
    }
    // Nothing after the first went out: every part fails with its status.
    return {
      reports: Array.from({ length: segmentCount }, (_, i) =>
        segment(policy, sent, {
          index: i,
          outcome: SubmitOutcome.FAILED,
          commandStatus: i === 0 ? status : 0,
          reasonCode: smppReasonCode(status),
          reason: i === 0 ? `${carrierId} answered ${name}` : `not sent: part 1 failed with ${name}`,
        }),
      ),
    };
  }
  return {
    reports: outcomes.map((outcome, index) =>
      // A submitted part carries its own submit_sm_resp time, not the whole message's: the
      // dlr-processor tells a reused SMSC id's receipts apart by when they came relative to it.
      segment(policy, outcome.kind === 'submitted' ? { ...sent, reportedAtMs: outcome.respondedAtMs } : sent, { index, ...segmentFields(outcome, index, segmentCount, policy) }),
    ),
  };
}

function segmentFields(outcome: SegmentOutcome, segmentIndex: number, segmentCount: number, policy: ReportPolicy): Partial<SegmentReport> {
  switch (outcome.kind) {
    case 'submitted':
      return { outcome: SubmitOutcome.SUBMITTED, smscMessageId: outcome.smscMessageId };
    case 'rejected':
      return { outcome: SubmitOutcome.FAILED, commandStatus: outcome.commandStatus, reasonCode: smppReasonCode(outcome.commandStatus), reason: `${policy.carrierId} answered ${commandStatusName(outcome.commandStatus)} for part ${segmentIndex + 1} of ${segmentCount}` };
    case 'unknown':
      if (policy.unknownOutcome === 'fail') {
        return { outcome: SubmitOutcome.FAILED, reasonCode: 'CONNECTOR.UNKNOWN_OUTCOME', reason: `outcome unknown (${outcome.reasonCode}: ${outcome.reason}); failed by the carrier's unknownOutcome policy` };
      }
      // Waits for a receipt: the dlr-processor settles it.
      return { outcome: SubmitOutcome.UNKNOWN, reasonCode: outcome.reasonCode, reason: outcome.reason };
  }
}

/** The message's own fields of its events (empty when the record could not be read). */
function header(policy: ReportPolicy, messageId: string, outbound: OutboundMessage | undefined, encoding?: Encoding, segmentCount = 0): SubmitEventHeader {
  return {
    messageId,
    segmentCount,
    reportedAtMs: policy.nowMs,
    encoding: encoding ?? outbound?.encoded?.encoding ?? Encoding.UNSPECIFIED,
    ...acceptedFieldsOf(outbound?.encoded?.message),
  };
}

const segment = (policy: ReportPolicy, h: SubmitEventHeader, fields: Partial<SegmentReport>): SubmitEvent => segmentEvent(h, { carrierId: policy.carrierId, ...fields });
const wholeMessage = (policy: ReportPolicy, h: SubmitEventHeader, fields: Partial<MessageReport>): SubmitEvent => messageEvent(h, { carrierId: policy.carrierId, ...fields });
