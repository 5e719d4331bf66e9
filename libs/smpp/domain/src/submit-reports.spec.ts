import { Encoding, MessageAccepted, OutboundMessage, SubmitOutcome, type MessageReport, type SegmentReport, type SubmitEvent } from '@smsgw/shared/util-proto';
import { CommandStatus } from '@smsgw/smpp/util-wire';
import { UNKNOWN_AFTER_RESTART, submitReports, type MessageSubmission, type ReportPolicy, type SegmentOutcome } from './index';

const policy: ReportPolicy = { carrierId: 'acme', failover: true, unknownOutcome: 'wait-for-receipt', nowMs: 1_000 };

const outbound = OutboundMessage.create({
  encoded: { message: MessageAccepted.create({ id: 'm1', to: '+447700900123', from: 'ACME', text: 'hi', acceptedAtMs: 500, clientReference: 'ref' }), text: 'hi', encoding: Encoding.GSM7 },
  carrierId: 'acme',
  attempt: 1,
  triedCarriers: ['other'],
});

const sent = (outcomes: SegmentOutcome[], segmentCount = outcomes.length): MessageSubmission => ({ kind: 'sent', messageId: 'm1', outbound, encoding: Encoding.UCS2, segmentCount, outcomes });
const accepted = (smscMessageId: string, respondedAtMs = 900): SegmentOutcome => ({ kind: 'submitted', smscMessageId, respondedAtMs });
const rejected = (commandStatus: number, retryable: boolean): SegmentOutcome => ({ kind: 'rejected', commandStatus, retryable });
const messageFields = { messageId: 'm1', acceptedAtMs: 500, to: '+447700900123', from: 'ACME', clientReference: 'ref' };
const segment = (header: Partial<SubmitEvent>, value: Partial<SegmentReport>) => expect.objectContaining({ ...header, subject: { $case: 'segment', value: expect.objectContaining(value) } });
const wholeMessage = (header: Partial<SubmitEvent>, value: Partial<MessageReport>) => expect.objectContaining({ ...header, subject: { $case: 'message', value: expect.objectContaining(value) } });
/** A segment event's index and report (fails the test for a whole-message event). */
const segmentOf = (e: SubmitEvent): SegmentReport => {
  if (e.subject?.$case !== 'segment') throw new Error(`expected a segment event, got ${e.subject?.$case}`);
  return e.subject.value;
};

describe('submitReports', () => {
  it('accepted: one SUBMITTED report per segment, stamped with its own submit_sm_resp time and the rendered encoding', () => {
    const { reports, retry } = submitReports(sent([accepted('a', 910), accepted('b', 920)]), policy);
    expect(retry).toBeUndefined();
    expect(reports).toEqual([
      segment({ ...messageFields, segmentCount: 2, reportedAtMs: 910, encoding: Encoding.UCS2 }, { index: 0, carrierId: 'acme', outcome: SubmitOutcome.SUBMITTED, smscMessageId: 'a', commandStatus: 0, reasonCode: '' }),
      segment({ ...messageFields, segmentCount: 2, reportedAtMs: 920 }, { index: 1, carrierId: 'acme', outcome: SubmitOutcome.SUBMITTED, smscMessageId: 'b' }),
    ]);
  });

  it('first segment rejected permanently: every part FAILED with the status, the first carrying it', () => {
    const { reports, retry } = submitReports(sent([rejected(CommandStatus.ESME_RINVDSTADR, false)], 3), policy);
    expect(retry).toBeUndefined();
    expect(reports.map(segmentOf).map((r) => [r.index, r.outcome, r.commandStatus, r.reasonCode, r.reason])).toEqual([
      [0, SubmitOutcome.FAILED, 0x0b, 'SMPP.ESME_RINVDSTADR', 'acme answered ESME_RINVDSTADR'],
      [1, SubmitOutcome.FAILED, 0, 'SMPP.ESME_RINVDSTADR', 'not sent: part 1 failed with ESME_RINVDSTADR'],
      [2, SubmitOutcome.FAILED, 0, 'SMPP.ESME_RINVDSTADR', 'not sent: part 1 failed with ESME_RINVDSTADR'],
    ]);
    expect(reports.every((r) => r.segmentCount === 3 && r.reportedAtMs === 1_000 && r.encoding === Encoding.UCS2)).toBe(true);
  });

  it('a validity period the carrier refuses (ESME_RINVEXPIRY) is a permanent rejection like any other', () => {
    const { reports } = submitReports(sent([rejected(CommandStatus.ESME_RINVEXPIRY, false)]), policy);
    expect(reports).toEqual([segment({}, { outcome: SubmitOutcome.FAILED, commandStatus: 0x62, reasonCode: 'SMPP.ESME_RINVEXPIRY' })]);
  });

  it('first segment rejected transiently with failover: one RETRYING whole-message report and a retry request naming this carrier once', () => {
    const { reports, retry } = submitReports(sent([rejected(CommandStatus.ESME_RSYSERR, true)], 2), policy);
    expect(reports).toEqual([
      wholeMessage({ ...messageFields, segmentCount: 2, reportedAtMs: 1_000 }, { carrierId: 'acme', outcome: SubmitOutcome.RETRYING, commandStatus: 0x08, reasonCode: 'SMPP.ESME_RSYSERR', reason: 'ESME_RSYSERR: handed to the router for another carrier' }),
    ]);
    expect(retry).toEqual({ outbound: { ...outbound, triedCarriers: ['other', 'acme'] }, reasonCode: 'SMPP.ESME_RSYSERR', reason: 'acme answered ESME_RSYSERR to submit_sm', failedAtMs: 1_000 });
    const again = submitReports({ ...(sent([rejected(0x08, true)]) as Extract<MessageSubmission, { kind: 'sent' }>), outbound: { ...outbound, triedCarriers: ['acme'] } }, policy);
    expect(again.retry?.outbound?.triedCarriers).toEqual(['acme']);
  });

  it('first segment rejected transiently without failover: failed like a permanent error', () => {
    const { reports, retry } = submitReports(sent([rejected(CommandStatus.ESME_RSYSERR, true)], 2), { ...policy, failover: false });
    expect(retry).toBeUndefined();
    expect(reports.map(segmentOf).map((r) => [r.index, r.outcome])).toEqual([
      [0, SubmitOutcome.FAILED],
      [1, SubmitOutcome.FAILED],
    ]);
  });

  it('a later part rejected (retryable or not): that part FAILED, naming it; the parts sent stay SUBMITTED; no failover', () => {
    const { reports, retry } = submitReports(sent([accepted('a'), rejected(CommandStatus.ESME_RSYSERR, true), accepted('c')]), policy);
    expect(retry).toBeUndefined();
    expect(reports.map((r) => segmentOf(r).outcome)).toEqual([SubmitOutcome.SUBMITTED, SubmitOutcome.FAILED, SubmitOutcome.SUBMITTED]);
    expect(reports[1]).toEqual(segment({ reportedAtMs: 1_000 }, { index: 1, commandStatus: 0x08, reasonCode: 'SMPP.ESME_RSYSERR', reason: 'acme answered ESME_RSYSERR for part 2 of 3' }));
  });

  it('unknown outcome (no submit_sm_resp): UNKNOWN, waiting for a receipt, unless the carrier says fail', () => {
    const timeout: SegmentOutcome = { kind: 'unknown', reasonCode: 'SMPP.RESPONSE_TIMEOUT', reason: 'no submit_sm_resp within 10000 ms' };
    expect(submitReports(sent([timeout]), policy).reports).toEqual([segment({ reportedAtMs: 1_000 }, { outcome: SubmitOutcome.UNKNOWN, reasonCode: 'SMPP.RESPONSE_TIMEOUT', reason: 'no submit_sm_resp within 10000 ms' })]);
    expect(segmentOf(submitReports(sent([timeout]), { ...policy, unknownOutcome: 'resend-once' }).reports[0]).outcome).toBe(SubmitOutcome.UNKNOWN);
    expect(submitReports(sent([timeout]), { ...policy, unknownOutcome: 'fail' }).reports).toEqual([
      segment({}, { outcome: SubmitOutcome.FAILED, reasonCode: 'CONNECTOR.UNKNOWN_OUTCOME', reason: "outcome unknown (SMPP.RESPONSE_TIMEOUT: no submit_sm_resp within 10000 ms); failed by the carrier's unknownOutcome policy" }),
    ]);
  });

  it('unknown outcome after a crash (intent journaled, no outcome): reported as such, never as submitted', () => {
    const { reports } = submitReports(sent([accepted('a'), UNKNOWN_AFTER_RESTART]), policy);
    expect(reports[1]).toEqual(segment({}, { index: 1, outcome: SubmitOutcome.UNKNOWN, reasonCode: 'CONNECTOR.UNKNOWN_AFTER_RESTART' }));
    expect(submitReports(sent([UNKNOWN_AFTER_RESTART]), { ...policy, unknownOutcome: 'fail' }).reports[0]).toEqual(segment({}, { outcome: SubmitOutcome.FAILED, reasonCode: 'CONNECTOR.UNKNOWN_OUTCOME' }));
  });

  it('withdrawn (not sent yet, or stopped part way): no report, no retry', () => {
    expect(submitReports({ kind: 'withdrawn' }, policy)).toEqual({ reports: [] });
  });

  it('an event that cannot be sent is one FAILED report for the whole message', () => {
    expect(submitReports({ kind: 'undecodable', messageId: 'k1', error: 'index out of range' }, policy).reports).toEqual([
      wholeMessage({ messageId: 'k1', segmentCount: 0, to: '', encoding: Encoding.UNSPECIFIED, acceptedAtMs: 0 }, { carrierId: 'acme', outcome: SubmitOutcome.FAILED, reasonCode: 'CONNECTOR.UNDECODABLE', reason: 'the outbound event could not be decoded: index out of range' }),
    ]);
    const empty = OutboundMessage.create({ carrierId: 'acme', attempt: 1 });
    expect(submitReports({ kind: 'invalid', messageId: 'k2', outbound: empty }, policy).reports).toEqual([
      wholeMessage({ messageId: 'k2' }, { outcome: SubmitOutcome.FAILED, reasonCode: 'CONNECTOR.INVALID_EVENT', reason: 'the outbound event carries no encoded message' }),
    ]);
    // Not rendered: the encoder's encoding, not this carrier's.
    expect(submitReports({ kind: 'unrenderable', messageId: 'm1', outbound, reasonCode: 'ENCODING.UNENCODABLE', reason: 'no such character' }, policy).reports).toEqual([
      wholeMessage({ ...messageFields, encoding: Encoding.GSM7 }, { carrierId: 'acme', outcome: SubmitOutcome.FAILED, reasonCode: 'ENCODING.UNENCODABLE', reason: 'no such character' }),
    ]);
  });
});
