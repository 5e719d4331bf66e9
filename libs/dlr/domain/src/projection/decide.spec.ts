import fc from 'fast-check';
import { MessageStatus as S } from '@smsgw/shared/util-proto';
import { statusRank } from '../status-rank';
import { decideMessage, type StoredMessage } from './decide';
import type { SegmentRecord } from './segment';

const message = (over: Partial<StoredMessage> = {}): StoredMessage => ({
  id: 'm1',
  status: S.ACCEPTED,
  clientReference: 'ref',
  encoding: 1,
  segmentCount: 2,
  segmentsDelivered: 0,
  carrierId: '',
  reasonCode: '',
  reason: '',
  acceptedAtMs: 100,
  releasedAtMs: null,
  callbackUrl: 'https://example.test/cb',
  submittedAtMs: null,
  completedAtMs: null,
  routeAttempt: 0,
  ...over,
});
const seg = (index: number, status: S, over: Partial<SegmentRecord> = {}): SegmentRecord => ({
  messageId: 'm1',
  index,
  carrierId: 'a',
  smscId: `${index}`,
  status,
  receiptStat: '',
  receiptErr: '',
  submittedAtMs: 1000 + index,
  completedAtMs: null,
  ...over,
});

describe('decideMessage', () => {
  it('SUBMITTED once every part is, at the last submission, with the batch carrier', () => {
    const { update, event } = decideMessage(message(), [seg(0, S.SUBMITTED), seg(1, S.SUBMITTED)], { eventAtMs: 2000, carrierId: 'a' });
    expect(update).toMatchObject({ status: S.SUBMITTED, carrierId: 'a', submittedAtMs: 1001, completedAtMs: null, segmentCount: 2 });
    expect(event).toMatchObject({ messageId: 'm1', status: S.SUBMITTED, previousStatus: S.ACCEPTED, carrierId: 'a', reasonCode: '', occurredAtMs: 2000, callbackUrl: 'https://example.test/cb' });
  });

  it("a final failure names the worst part's receipt in its reason and event; completed at the batch's time", () => {
    const segments = [seg(0, S.DELIVERED, { receiptStat: 'DELIVRD' }), seg(1, S.UNDELIVERED, { receiptStat: 'UNDELIV', receiptErr: '001' })];
    const { update, event } = decideMessage(message({ status: S.SUBMITTED, carrierId: 'a', submittedAtMs: 1001 }), segments, { eventAtMs: 3000 });
    expect(update).toMatchObject({ status: S.UNDELIVERED, segmentsDelivered: 1, reasonCode: 'DLR.UNDELIV', completedAtMs: 3000, submittedAtMs: 1001 });
    expect(event).toMatchObject({ status: S.UNDELIVERED, reasonCode: 'DLR.UNDELIV', segmentsDelivered: 1 });
    expect(event?.reason).toContain('part 2 of 2');
  });

  it("a whole-message verdict overrides the segments, but never a final message; DELIVERED's event has no reason", () => {
    const verdict = { status: S.FAILED, reasonCode: 'ROUTING.NO_ROUTE', reason: 'no route' };
    expect(decideMessage(message(), [], { eventAtMs: 1, verdict }).update).toMatchObject({ status: S.FAILED, reasonCode: 'ROUTING.NO_ROUTE', reason: 'no route' });
    const delivered = message({ status: S.DELIVERED, carrierId: 'a', segmentCount: 1, segmentsDelivered: 1, completedAtMs: 5, submittedAtMs: 4, reasonCode: 'kept', reason: 'kept' });
    const later = decideMessage(delivered, [seg(0, S.DELIVERED, { submittedAtMs: 4 })], { eventAtMs: 9, verdict, carrierId: 'b' });
    expect(later).toEqual({ update: undefined, event: undefined });
    const done = decideMessage(message({ segmentCount: 1 }), [seg(0, S.DELIVERED, { receiptStat: 'DELIVRD' })], { eventAtMs: 9 });
    expect(done.event).toMatchObject({ status: S.DELIVERED, reasonCode: '', reason: '' });
  });

  it('keeps the stored reason when the status does not move, and writes nothing when nothing changes', () => {
    const m = message({ status: S.SUBMITTED, segmentCount: 2, carrierId: 'a', submittedAtMs: 1001, reasonCode: 'X', reason: 'y' });
    expect(decideMessage(m, [seg(0, S.SUBMITTED), seg(1, S.SUBMITTED)], { eventAtMs: 1 })).toEqual({ update: undefined, event: undefined });
    const grown = decideMessage(m, [seg(0, S.SUBMITTED), seg(1, S.SUBMITTED)], { eventAtMs: 1, segmentCount: 3 });
    expect(grown.update).toMatchObject({ status: S.SUBMITTED, segmentCount: 3, reasonCode: 'X', reason: 'y' });
    expect(grown.event).toBeUndefined();
  });

  it('expiry: open parts count as EXPIRED', () => {
    const { update } = decideMessage(message({ status: S.SUBMITTED }), [seg(0, S.SUBMITTED), seg(1, S.DELIVERED)], { eventAtMs: 7 }, { expireOpen: true });
    expect(update).toMatchObject({ status: S.EXPIRED, reasonCode: 'EXPIRY.NO_FINAL_RECEIPT', completedAtMs: 7 });
  });

  it('property: never backwards; an event exactly when the status moves forward, from the stored status', () => {
    const statuses = fc.constantFrom(S.SCHEDULED, S.ACCEPTED, S.ROUTED, S.SUBMITTED, S.DELIVERED, S.UNDELIVERED, S.FAILED, S.CANCELED);
    const segStatus = fc.constantFrom(S.SUBMITTED, S.DELIVERED, S.UNDELIVERED, S.EXPIRED, S.FAILED);
    fc.assert(
      fc.property(statuses, fc.array(fc.tuple(fc.nat(3), segStatus), { maxLength: 5 }), fc.option(fc.constantFrom(S.FAILED, S.CANCELED), { nil: undefined }), (stored, parts, verdict) => {
        const m = message({ status: stored });
        const { update, event } = decideMessage(m, parts.map(([i, s]) => seg(i, s)), { eventAtMs: 1, verdict: verdict && { status: verdict, reasonCode: 'V', reason: 'v' } });
        const after = update?.status ?? stored;
        expect(statusRank(after)).toBeGreaterThanOrEqual(statusRank(stored));
        expect(event !== undefined).toBe(statusRank(after) > statusRank(stored));
        if (event) expect([event.previousStatus, event.status]).toEqual([stored, after]);
      }),
    );
  });
});
