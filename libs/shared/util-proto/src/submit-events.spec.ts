import { Encoding, SubmitEvent, SubmitOutcome, SubmitReport, carrierOfEvent, messageEvent, segmentEvent, submitEventFromV1 } from './index';

describe('submit events', () => {
  const header = { messageId: '01J0', segmentCount: 2, reportedAtMs: 1_000, acceptedAtMs: 900, encoding: Encoding.GSM7, to: '+447700900123', from: 'ACME', clientReference: 'r1' };

  it('round-trip through protobuf bytes with their subject', () => {
    for (const e of [segmentEvent(header, { index: 1, carrierId: 'acme', outcome: SubmitOutcome.SUBMITTED, smscMessageId: 'abc' }), messageEvent(header, { outcome: SubmitOutcome.CANCELED, reasonCode: 'CANCELED' })]) {
      expect(SubmitEvent.decode(SubmitEvent.encode(e).finish())).toEqual(e);
    }
    expect(SubmitEvent.decode(SubmitEvent.encode(SubmitEvent.create(header)).finish()).subject).toBeUndefined();
  });

  it('read a v1 segment report as a segment event', () => {
    const v1 = SubmitReport.create({ ...header, segmentIndex: 1, carrierId: 'acme', outcome: SubmitOutcome.FAILED, commandStatus: 0x0b, reasonCode: 'SMPP.ESME_RINVDSTADR', reason: 'bad', smscMessageId: '' });
    expect(submitEventFromV1(v1)).toEqual(segmentEvent(header, { index: 1, carrierId: 'acme', outcome: SubmitOutcome.FAILED, commandStatus: 0x0b, reasonCode: 'SMPP.ESME_RINVDSTADR', reason: 'bad' }));
  });

  it('read a v1 report with segment index -1 as a whole-message event, its route kept', () => {
    const route = { ruleId: 'uk', carrierId: 'acme', pricePerSegmentMicros: 100, totalMicros: 200, currency: 'EUR', attempt: 2 };
    const v1 = SubmitReport.create({ ...header, segmentIndex: -1, carrierId: 'acme', outcome: SubmitOutcome.ROUTED, route });
    const e = submitEventFromV1(v1);
    expect(e).toEqual(messageEvent(header, { outcome: SubmitOutcome.ROUTED, carrierId: 'acme', route }));
    expect(carrierOfEvent(e)).toBe('acme');
    expect(carrierOfEvent(SubmitEvent.create(header))).toBe('');
  });
});
