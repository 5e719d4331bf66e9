// The connector's submit journal, read after a restart: what to do with a segment of a message
// that is consumed again. Pure; the journal itself is a Kafka topic (see feature-connector).

/** What the carrier file says to do with a segment whose submit outcome is unknown. */
export type UnknownOutcomePolicy = 'wait-for-receipt' | 'resend-once' | 'fail';

/** A journal entry for one segment, as read back (outcome undefined: an intent only). */
export interface JournalEntry {
  messageId: string;
  segmentIndex: number;
  /** The router's attempt (0: written before attempts were journaled). */
  attempt?: number;
  outcome?: JournalOutcome;
}

export type JournalOutcome =
  | { kind: 'submitted'; smscMessageId: string; respondedAtMs: number }
  | { kind: 'rejected'; commandStatus: number; retryable: boolean }
  | { kind: 'unknown'; reasonCode: string; reason: string };

export type RecoveryDecision =
  /** Never written to a bind (or no journal): submit as usual. */
  | { kind: 'send' }
  /** Its outcome is in the journal: report that, do not submit again. */
  | { kind: 'known'; outcome: JournalOutcome }
  /** An intent without an outcome: the SMSC may or may not have it; the carrier's policy decides. */
  | { kind: 'unknown'; action: 'report-unknown' | 'resend' | 'fail' };

const ACTION: Record<UnknownOutcomePolicy, 'report-unknown' | 'resend' | 'fail'> = {
  'wait-for-receipt': 'report-unknown',
  'resend-once': 'resend',
  fail: 'fail',
};

/**
 * The decision for one segment from its journal entries (in journal order; entries of another
 * message id at the same offset are ignored). The last outcome wins: a segment resent after an
 * earlier restart has the newer one.
 */
export function decideRecovery(entries: readonly JournalEntry[], messageId: string, segmentIndex: number, policy: UnknownOutcomePolicy): RecoveryDecision {
  let intended = false;
  let outcome: JournalOutcome | undefined;
  for (const e of entries) {
    if (e.messageId !== messageId || e.segmentIndex !== segmentIndex) continue;
    if (e.outcome) outcome = e.outcome;
    else intended = true;
  }
  if (outcome) return { kind: 'known', outcome };
  if (intended) return { kind: 'unknown', action: ACTION[policy] };
  return { kind: 'send' };
}
