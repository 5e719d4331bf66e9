import fc from 'fast-check';
import { MessageStatus as S } from '@smsgw/shared/util-proto';
import { isFinal, statusRank } from '../status-rank';
import { applySegmentWrite, applySegmentWrites, expireOpenSegments, mergeSegmentWrite, type SegmentRecord } from './segment';

const seg = (over: Partial<SegmentRecord> = {}): SegmentRecord => ({
  messageId: 'm1',
  index: 0,
  carrierId: 'a',
  smscId: 'a-1',
  status: S.SUBMITTED,
  receiptStat: '',
  receiptErr: '',
  submittedAtMs: 1000,
  completedAtMs: null,
  ...over,
});

const STATUSES = [S.SUBMITTED, S.DELIVERED, S.UNDELIVERED, S.EXPIRED, S.REJECTED, S.FAILED] as const;
const arbSegment = fc.record({
  messageId: fc.constant('m1'),
  index: fc.constant(0),
  carrierId: fc.constantFrom('', 'a', 'b'),
  smscId: fc.constantFrom('', '1', '2'),
  status: fc.constantFrom(...STATUSES),
  receiptStat: fc.constantFrom('', 'DELIVRD', 'UNDELIV'),
  receiptErr: fc.constantFrom('', '001'),
  submittedAtMs: fc.option(fc.nat(10_000), { nil: null }),
  completedAtMs: fc.option(fc.nat(10_000), { nil: null }),
});

describe('applySegmentWrite', () => {
  it('a new segment is the write', () => {
    expect(applySegmentWrite(undefined, seg())).toEqual(seg());
  });

  it('moves forward with the receipt, keeping the carrier, SMSC id and first submit time', () => {
    const write = seg({ carrierId: '', smscId: '', status: S.UNDELIVERED, receiptStat: 'UNDELIV', receiptErr: '001', submittedAtMs: null, completedAtMs: 5000 });
    expect(applySegmentWrite(seg(), write)).toEqual(seg({ status: S.UNDELIVERED, receiptStat: 'UNDELIV', receiptErr: '001', completedAtMs: 5000 }));
  });

  it('a resubmission of an open segment brings the new carrier and SMSC id; the first submit time stays', () => {
    expect(applySegmentWrite(seg(), seg({ carrierId: 'b', smscId: 'b-9', submittedAtMs: 2000 }))).toEqual(seg({ carrierId: 'b', smscId: 'b-9' }));
  });

  it('a final segment keeps its own carrier, SMSC id and status', () => {
    const done = seg({ status: S.DELIVERED, receiptStat: 'DELIVRD', completedAtMs: 3000 });
    expect(applySegmentWrite(done, seg({ carrierId: 'b', smscId: 'b-9', status: S.SUBMITTED }))).toEqual(done);
    expect(applySegmentWrite(done, seg({ carrierId: 'b', status: S.FAILED, completedAtMs: 4000 }))).toEqual(done);
  });

  it('properties: forward only, a final stays as it is, writing twice is writing once', () => {
    fc.assert(
      fc.property(arbSegment, arbSegment, (current, write) => {
        const next = applySegmentWrite(current, write);
        expect(statusRank(next.status)).toBe(Math.max(statusRank(current.status), statusRank(write.status)));
        // A final segment changes no more (only a missing first submit time is filled in).
        if (isFinal(current.status)) expect({ ...next, submittedAtMs: current.submittedAtMs }).toEqual(current);
        expect(applySegmentWrite(next, write)).toEqual(next);
        expect(next.submittedAtMs).toBe(current.submittedAtMs ?? write.submittedAtMs);
      }),
    );
  });

  it('property: the status a batch reaches does not depend on the order of its writes', () => {
    fc.assert(
      fc.property(fc.array(arbSegment, { minLength: 1, maxLength: 6 }), (writes) => {
        const forward = new Map<string, SegmentRecord>();
        const backward = new Map<string, SegmentRecord>();
        writes.forEach((w) => mergeSegmentWrite(forward, w));
        [...writes].reverse().forEach((w) => mergeSegmentWrite(backward, w));
        const rank = (m: Map<string, SegmentRecord>) => statusRank([...m.values()][0].status);
        expect(rank(forward)).toBe(rank(backward));
        expect(rank(forward)).toBe(Math.max(...writes.map((w) => statusRank(w.status))));
      }),
    );
  });
});

describe('applySegmentWrites', () => {
  it('writes only what changes, and inserts only when told to', () => {
    const stored = [seg(), seg({ index: 1, status: S.DELIVERED })];
    const writes = [seg({ index: 1, status: S.UNDELIVERED }), seg({ status: S.DELIVERED, completedAtMs: 9 }), seg({ index: 2 })];
    const inserting = applySegmentWrites(stored, writes, { insert: true });
    expect(inserting.toWrite.map((s) => [s.index, s.status])).toEqual([
      [0, S.DELIVERED],
      [2, S.SUBMITTED],
    ]);
    expect(inserting.segments.map((s) => [s.index, s.status])).toEqual([
      [0, S.DELIVERED],
      [1, S.DELIVERED],
      [2, S.SUBMITTED],
    ]);
    const receipts = applySegmentWrites(stored, writes, { insert: false });
    expect(receipts.toWrite.map((s) => s.index)).toEqual([0]);
    expect(receipts.segments).toHaveLength(2);
  });
});

describe('expireOpenSegments', () => {
  it('expires the open segments only, keeping their receipt fields', () => {
    const stored = [seg(), seg({ index: 1, status: S.UNDELIVERED, receiptStat: 'UNDELIV' })];
    expect(expireOpenSegments(stored, S.EXPIRED, 77)).toEqual([seg({ status: S.EXPIRED, completedAtMs: 77 })]);
  });
});
