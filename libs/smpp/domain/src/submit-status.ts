// What a command_status means for a submit: the connector decides from this whether a segment is
// submitted, throttled (slow down, resend), permanently failed, or worth another carrier.
import { CommandStatus, THROTTLING_STATUSES, commandStatusName } from '@smsgw/smpp/util-wire';

/**
 * What a submit_sm_resp means for the segment:
 * - `submitted`: the SMSC took it;
 * - `throttled`: slow down and resend the same segment, keeping its place;
 * - `rebind`: the SMSC says we are not bound; it did not take the segment, resend after rebinding;
 * - `permanent`: the message ends FAILED;
 * - `retryable`: another carrier may take it (sms.retry.v1 where failover is allowed).
 */
export type SubmitDisposition = 'submitted' | 'throttled' | 'rebind' | 'permanent' | 'retryable';

export interface SubmitStatusPolicy {
  /** The carrier's permanent set (default DEFAULT_PERMANENT_STATUSES). */
  permanent: ReadonlySet<number>;
}

export function classifySubmitStatus(status: number, policy: SubmitStatusPolicy): SubmitDisposition {
  if (status === CommandStatus.ESME_ROK) return 'submitted';
  if (THROTTLING_STATUSES.includes(status)) return 'throttled';
  if (status === CommandStatus.ESME_RINVBNDSTS) return 'rebind';
  if (policy.permanent.has(status)) return 'permanent';
  return 'retryable';
}

/** The stable reason code of an SMPP status, as it appears in SubmitReport.reason_code. */
export function smppReasonCode(status: number): string {
  return `SMPP.${commandStatusName(status)}`;
}
