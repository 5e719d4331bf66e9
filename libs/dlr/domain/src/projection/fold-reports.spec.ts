import { MessageStatus as S, RouteCharge, SubmitOutcome, messageEvent, segmentEvent, type MessageReport, type SegmentReport, type SubmitEventHeader } from '@smsgw/shared/util-proto';
import { applyRoutedCarriers, applyWaitingReceipts, foldSubmitEvents, submitHalves } from './fold-reports';
import { segmentKey } from './segment';

const NOW = 50_000;
const report = ({ messageId = 'm1', segmentCount = 1, reportedAtMs = 1000, ...segment }: Partial<SubmitEventHeader & SegmentReport> = {}) =>
  segmentEvent({ messageId, segmentCount, reportedAtMs }, { index: 0, carrierId: 'a', outcome: SubmitOutcome.SUBMITTED, smscMessageId: '00ff', ...segment });
const whole = ({ messageId = 'm1', segmentCount = 1, reportedAtMs = 1000, ...message }: Partial<SubmitEventHeader & MessageReport> = {}) =>
  messageEvent({ messageId, segmentCount, reportedAtMs }, { carrierId: 'a', ...message });
const same = () => 'same' as const;

describe('foldSubmitEvents', () => {
  it('one write per segment, the furthest along winning; counts UNKNOWN and ignored reports', () => {
    const folded = foldSubmitEvents(
      [
        report(),
        report({ outcome: SubmitOutcome.UNKNOWN, index: 1, segmentCount: 2, smscMessageId: '' }),
        report({ outcome: SubmitOutcome.RETRYING, index: 1 }),
        report({ messageId: '' }),
        report({ outcome: SubmitOutcome.FAILED, reportedAtMs: 3000 }),
      ],
      same,
      NOW,
    );
    expect(folded.unknownOutcomes).toBe(1);
    expect(folded.ignored).toBe(2);
    expect(folded.segments.get(segmentKey('m1', 0))).toMatchObject({ status: S.FAILED, submittedAtMs: 1000, completedAtMs: 3000, smscId: 'ff' });
    expect(folded.segments.get(segmentKey('m1', 1))).toMatchObject({ status: S.SUBMITTED, smscId: '' });
    expect(folded.messages.get('m1')).toEqual({
      eventAtMs: 3000,
      segmentCount: 2,
      carrierId: 'a',
      verdict: { status: S.FAILED, reasonCode: 'SUBMIT.FAILED', reason: 'segment 1 could not be submitted' },
    });
  });

  it("the first whole-message verdict wins; a report without a time is at the batch's now", () => {
    const folded = foldSubmitEvents(
      [
        whole({ outcome: SubmitOutcome.CANCELED, reportedAtMs: 0, carrierId: '' }),
        whole({ outcome: SubmitOutcome.FAILED, reasonCode: 'ROUTING.NO_ROUTE', reason: 'no route' }),
      ],
      same,
      NOW,
    );
    expect(folded.messages.get('m1')?.verdict).toEqual({ status: S.CANCELED, reasonCode: 'CANCELED', reason: 'canceled before its send time' });
    expect(folded.messages.get('m1')?.eventAtMs).toBe(NOW);
    expect(folded.segments.size).toBe(0);
  });

  it("keeps the router's latest attempt; SMSC ids in the carrier's receipt id format", () => {
    const route = (attempt: number) => RouteCharge.create({ ruleId: `r${attempt}`, carrierId: `c${attempt}`, attempt });
    const folded = foldSubmitEvents(
      [
        whole({ outcome: SubmitOutcome.ROUTED, route: route(2) }),
        whole({ outcome: SubmitOutcome.ROUTED, route: route(1) }),
        report({ carrierId: 'hexy', smscMessageId: '1f' }),
      ],
      (carrier) => (carrier === 'hexy' ? 'hex-to-decimal' : 'same'),
      NOW,
    );
    expect(folded.charges.get('m1')?.ruleId).toBe('r2');
    expect(folded.segments.get(segmentKey('m1', 0))?.smscId).toBe('31');
    expect(folded.ignored).toBe(0);
  });
});

describe('submitHalves', () => {
  it('submitted segments with an SMSC id, once per id, in lock order', () => {
    const folded = foldSubmitEvents(
      [
        report({ messageId: 'm2', carrierId: 'b', smscMessageId: '2' }),
        report({ messageId: 'm1', carrierId: 'a', smscMessageId: '9' }),
        report({ messageId: 'm3', carrierId: 'a', smscMessageId: '9' }),
        report({ messageId: 'm4', smscMessageId: '' }),
        report({ messageId: 'm5', outcome: SubmitOutcome.FAILED, smscMessageId: '5' }),
      ],
      same,
      NOW,
    );
    expect(submitHalves(folded).map((s) => [s.carrierId, s.smscId, s.messageId])).toEqual([
      ['a', '9', 'm1'],
      ['b', '2', 'm2'],
    ]);
  });
});

describe('applyWaitingReceipts', () => {
  it('a final receipt that came first finishes its segment, never before it was submitted', () => {
    const folded = foldSubmitEvents([report({ reportedAtMs: 2000 }), report({ messageId: 'm2' })], same, NOW);
    const matched = applyWaitingReceipts(folded, [
      { messageId: 'm1', segmentIndex: 0, receiptStat: 'DELIVRD', receiptErr: '000', matchedAtMs: 1500 },
      { messageId: 'm2', segmentIndex: 0, receiptStat: 'ENROUTE', receiptErr: '', matchedAtMs: 1500 },
      { messageId: 'm2', segmentIndex: 0, receiptStat: null, receiptErr: null, matchedAtMs: 1500 },
      { messageId: 'gone', segmentIndex: 0, receiptStat: 'DELIVRD', receiptErr: '', matchedAtMs: 1500 },
    ]);
    expect(matched).toBe(1);
    expect(folded.segments.get(segmentKey('m1', 0))).toMatchObject({ status: S.DELIVERED, receiptStat: 'DELIVRD', receiptErr: '000', completedAtMs: 2000 });
    expect(folded.segments.get(segmentKey('m2', 0))?.status).toBe(S.SUBMITTED);
  });
});

describe('applyRoutedCarriers', () => {
  it("names the routed carrier unless a carrier's report did, or the attempt is older than the stored one", () => {
    const route = (carrierId: string, attempt: number) => RouteCharge.create({ carrierId, attempt });
    const folded = foldSubmitEvents(
      [
        whole({ messageId: 'routed', outcome: SubmitOutcome.ROUTED, carrierId: '', route: route('r', 2) }),
        whole({ messageId: 'reported', outcome: SubmitOutcome.ROUTED, carrierId: '', route: route('r', 2) }),
        report({ messageId: 'reported', carrierId: 'own' }),
        whole({ messageId: 'replayed', outcome: SubmitOutcome.ROUTED, carrierId: '', route: route('r', 1) }),
      ],
      same,
      NOW,
    );
    applyRoutedCarriers(folded, (id) => (id === 'replayed' ? 2 : 0));
    expect(folded.messages.get('routed')?.carrierId).toBe('r');
    expect(folded.messages.get('reported')?.carrierId).toBe('own');
    expect(folded.messages.get('replayed')?.carrierId).toBeUndefined();
  });
});
