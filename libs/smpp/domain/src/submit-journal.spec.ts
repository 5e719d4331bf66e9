import { decideRecovery, type JournalEntry } from './index';

const intent = (messageId: string, segmentIndex: number): JournalEntry => ({ messageId, segmentIndex });
const submitted = (messageId: string, segmentIndex: number, smscMessageId: string): JournalEntry => ({ messageId, segmentIndex, outcome: { kind: 'submitted', smscMessageId, respondedAtMs: 5 } });

describe('decideRecovery', () => {
  it('sends a segment the journal does not know', () => {
    expect(decideRecovery([], 'm1', 0, 'wait-for-receipt')).toEqual({ kind: 'send' });
    expect(decideRecovery([intent('m1', 1)], 'm1', 0, 'wait-for-receipt')).toEqual({ kind: 'send' });
  });

  it('reports the journaled outcome instead of sending again', () => {
    expect(decideRecovery([intent('m1', 0), submitted('m1', 0, 'abc')], 'm1', 0, 'resend-once')).toEqual({ kind: 'known', outcome: { kind: 'submitted', smscMessageId: 'abc', respondedAtMs: 5 } });
    const rejected: JournalEntry = { messageId: 'm1', segmentIndex: 0, outcome: { kind: 'rejected', commandStatus: 0x0b, retryable: false } };
    expect(decideRecovery([intent('m1', 0), rejected], 'm1', 0, 'wait-for-receipt')).toEqual({ kind: 'known', outcome: rejected.outcome });
  });

  it('an intent without an outcome is unknown, handled by the carrier policy — never a blind resend', () => {
    expect(decideRecovery([intent('m1', 0)], 'm1', 0, 'wait-for-receipt')).toEqual({ kind: 'unknown', action: 'report-unknown' });
    expect(decideRecovery([intent('m1', 0)], 'm1', 0, 'resend-once')).toEqual({ kind: 'unknown', action: 'resend' });
    expect(decideRecovery([intent('m1', 0)], 'm1', 0, 'fail')).toEqual({ kind: 'unknown', action: 'fail' });
  });

  it('ignores entries of another message at the same offset (a recreated topic)', () => {
    expect(decideRecovery([intent('old', 0), submitted('old', 0, 'x')], 'm1', 0, 'wait-for-receipt')).toEqual({ kind: 'send' });
  });

  it('the last outcome wins (resent after an earlier restart), whatever intents came after it', () => {
    const unknown: JournalEntry = { messageId: 'm1', segmentIndex: 0, outcome: { kind: 'unknown', reasonCode: 'SMPP.RESPONSE_TIMEOUT', reason: 'no answer' } };
    expect(decideRecovery([intent('m1', 0), unknown, intent('m1', 0), submitted('m1', 0, 'n')], 'm1', 0, 'wait-for-receipt')).toMatchObject({ kind: 'known', outcome: { kind: 'submitted', smscMessageId: 'n' } });
    expect(decideRecovery([intent('m1', 0), submitted('m1', 0, 'n'), intent('m1', 0)], 'm1', 0, 'fail')).toMatchObject({ kind: 'known' });
  });
});
