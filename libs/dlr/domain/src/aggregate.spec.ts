import fc from 'fast-check';
import { MessageStatus as S, SubmitOutcome } from '@smsgw/shared/util-proto';
import { advanceStatus, aggregateSegments, segmentStatusForOutcome, wholeMessageStatus, type SegmentState } from './aggregate';
import { statusForStat, type ReceiptStat } from './receipt-stat';
import { isFinal, statusRank } from './status-rank';

const seg = (index: number, status: S, receiptStat?: string, receiptErr?: string): SegmentState => ({ index, status, receiptStat, receiptErr });

describe('aggregateSegments', () => {
  it.each([
    ['nothing known', 0, [], S.ACCEPTED],
    ['one of three submitted', 3, [seg(0, S.SUBMITTED)], S.ROUTED],
    ['all three submitted', 3, [seg(0, S.SUBMITTED), seg(1, S.SUBMITTED), seg(2, S.SUBMITTED)], S.SUBMITTED],
    ['all submitted, one delivered', 2, [seg(0, S.DELIVERED, 'DELIVRD'), seg(1, S.SUBMITTED)], S.SUBMITTED],
    ['one delivered, one never submitted', 2, [seg(0, S.DELIVERED, 'DELIVRD')], S.ROUTED],
    ['all delivered', 2, [seg(0, S.DELIVERED, 'DELIVRD'), seg(1, S.DELIVERED, 'DELIVRD')], S.DELIVERED],
    ['one undelivered, all final', 3, [seg(0, S.DELIVERED), seg(1, S.UNDELIVERED, 'UNDELIV'), seg(2, S.DELIVERED)], S.UNDELIVERED],
    ['one undelivered, one still open', 3, [seg(0, S.DELIVERED), seg(1, S.UNDELIVERED, 'UNDELIV'), seg(2, S.SUBMITTED)], S.SUBMITTED],
    ['worst part wins: rejected over expired', 2, [seg(0, S.EXPIRED, 'EXPIRED'), seg(1, S.REJECTED, 'REJECTD')], S.REJECTED],
    ['failed part fails the message at once', 3, [seg(0, S.SUBMITTED), seg(1, S.FAILED)], S.FAILED],
    ['segment count grows with a higher index', 1, [seg(0, S.DELIVERED), seg(1, S.SUBMITTED)], S.SUBMITTED],
  ] as const)('%s → %s', (_name, count, segments, expected) => {
    expect(aggregateSegments(count, segments).status).toBe(expected);
  });

  it('counts delivered parts and names the worst part in the reason', () => {
    expect(aggregateSegments(3, [seg(0, S.DELIVERED, 'DELIVRD'), seg(1, S.UNDELIVERED, 'UNDELIV', '001'), seg(2, S.DELIVERED, 'DELIVRD')])).toEqual({
      status: S.UNDELIVERED,
      segmentsDelivered: 2,
      reasonCode: 'DLR.UNDELIV',
      reason: "the carrier's delivery receipt said UNDELIV, err 001 for part 2 of 3",
    });
    expect(aggregateSegments(1, [seg(0, S.DELIVERED, 'DELIVRD')])).toEqual({ status: S.DELIVERED, segmentsDelivered: 1, reasonCode: '', reason: '' });
    expect(aggregateSegments(2, [seg(0, S.FAILED)]).reasonCode).toBeUndefined();
  });

  it('keeps the furthest state of a segment reported twice', () => {
    expect(aggregateSegments(1, [seg(0, S.DELIVERED), seg(0, S.SUBMITTED)]).status).toBe(S.DELIVERED);
  });

  it('expires open parts on a sweep, but keeps a worse final part', () => {
    expect(aggregateSegments(2, [seg(0, S.DELIVERED), seg(1, S.SUBMITTED)], { expireOpen: true })).toMatchObject({ status: S.EXPIRED, reasonCode: 'EXPIRY.NO_FINAL_RECEIPT' });
    expect(aggregateSegments(2, [seg(0, S.UNDELIVERED, 'UNDELIV'), seg(1, S.SUBMITTED)], { expireOpen: true }).status).toBe(S.UNDELIVERED);
    expect(aggregateSegments(0, [], { expireOpen: true })).toMatchObject({ status: S.EXPIRED, reasonCode: 'EXPIRY.NOT_SUBMITTED' });
    expect(aggregateSegments(2, [seg(0, S.EXPIRED)], { expireOpen: true })).toMatchObject({ status: S.EXPIRED, reasonCode: 'EXPIRY.NO_FINAL_RECEIPT' });
    expect(aggregateSegments(2, [seg(1, S.SUBMITTED)], { expireOpen: true })).toMatchObject({ status: S.EXPIRED, reasonCode: 'EXPIRY.NOT_SUBMITTED' });
    expect(aggregateSegments(2, [seg(0, S.DELIVERED), seg(1, S.DELIVERED)], { expireOpen: true }).status).toBe(S.DELIVERED);
  });
});

describe('advanceStatus', () => {
  it('only moves forward, and never away from a final status', () => {
    expect(advanceStatus(S.ACCEPTED, S.SUBMITTED)).toBe(S.SUBMITTED);
    expect(advanceStatus(S.SUBMITTED, S.ROUTED)).toBeUndefined();
    expect(advanceStatus(S.SUBMITTED, S.SUBMITTED)).toBeUndefined();
    expect(advanceStatus(S.DELIVERED, S.UNDELIVERED)).toBeUndefined();
    expect(advanceStatus(S.UNSPECIFIED, S.ACCEPTED)).toBe(S.ACCEPTED);
  });
});

describe('segmentStatusForOutcome', () => {
  it('maps submit outcomes', () => {
    expect(segmentStatusForOutcome(SubmitOutcome.SUBMITTED)).toBe(S.SUBMITTED);
    expect(segmentStatusForOutcome(SubmitOutcome.UNKNOWN)).toBe(S.SUBMITTED);
    expect(segmentStatusForOutcome(SubmitOutcome.FAILED)).toBe(S.FAILED);
    expect(segmentStatusForOutcome(SubmitOutcome.RETRYING)).toBeUndefined();
    expect(segmentStatusForOutcome(SubmitOutcome.UNSPECIFIED)).toBeUndefined();
  });
});

describe('wholeMessageStatus', () => {
  it('maps reports about a whole message (segment_index -1)', () => {
    expect(wholeMessageStatus(SubmitOutcome.FAILED)).toBe(S.FAILED);
    expect(wholeMessageStatus(SubmitOutcome.CANCELED)).toBe(S.CANCELED);
    expect(wholeMessageStatus(SubmitOutcome.RETRYING)).toBeUndefined();
    expect(wholeMessageStatus(SubmitOutcome.SUBMITTED)).toBeUndefined();
  });

  it('a CANCELED scheduled message stays CANCELED', () => {
    expect(advanceStatus(S.SCHEDULED, S.CANCELED)).toBe(S.CANCELED);
    expect(advanceStatus(S.CANCELED, S.ACCEPTED)).toBeUndefined();
  });
});

// A model of the projection the dlr-processor runs in SQL: segments only move forward, receipts
// wait in a correlation map until their submit arrives (and vice versa), and the message takes
// advanceStatus(current, aggregate) after every event. Whatever the order, the end must agree.
type Event =
  | { kind: 'accepted' }
  | { kind: 'submit'; index: number; outcome: SubmitOutcome; smscId: string }
  | { kind: 'receipt'; smscId: string; stat: ReceiptStat };

interface Model {
  status: S;
  history: S[];
  segmentCount: number;
  segments: Map<number, SegmentState>;
  correlation: Map<string, { index?: number; stat?: ReceiptStat }>;
}

function project(events: Event[], count: number): Model {
  const m: Model = { status: S.UNSPECIFIED, history: [], segmentCount: 0, segments: new Map(), correlation: new Map() };
  const setSegment = (index: number, status: S, stat?: string) => {
    const cur = m.segments.get(index);
    if (!cur || statusRank(status) > statusRank(cur.status)) m.segments.set(index, seg(index, status, stat));
  };
  for (const e of events) {
    if (e.kind === 'submit') {
      m.segmentCount = count;
      const status = segmentStatusForOutcome(e.outcome);
      if (status === undefined) continue;
      setSegment(e.index, status);
      if (e.smscId) {
        const row = m.correlation.get(e.smscId) ?? {};
        row.index = e.index;
        m.correlation.set(e.smscId, row);
        const final = row.stat && statusForStat(row.stat);
        if (final) setSegment(e.index, final, row.stat);
      }
    } else if (e.kind === 'receipt') {
      const row = m.correlation.get(e.smscId) ?? {};
      if (!row.stat || statusForStat(row.stat) === undefined) row.stat = e.stat; // a final stat is kept
      m.correlation.set(e.smscId, row);
      const final = statusForStat(row.stat);
      if (row.index !== undefined && final) setSegment(row.index, final, row.stat);
    }
    const candidate = e.kind === 'accepted' ? S.ACCEPTED : aggregateSegments(m.segmentCount, [...m.segments.values()]).status;
    const next = advanceStatus(m.status, candidate);
    if (next !== undefined) {
      m.status = next;
      m.history.push(next);
    }
  }
  return m;
}

const FINAL_STATS: ReceiptStat[] = ['DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD', 'DELETED'];
const INTERMEDIATE: ReceiptStat[] = ['ENROUTE', 'ACCEPTD', 'UNKNOWN'];

// One message: for each part an outcome and, when submitted, a final stat, plus noise
// (duplicate submits, duplicate receipts, intermediate receipts before the final one).
const scenario = fc.integer({ min: 1, max: 4 }).chain((count) =>
  fc.record({
    count: fc.constant(count),
    parts: fc.array(
      fc.record({
        outcome: fc.constantFrom(SubmitOutcome.SUBMITTED, SubmitOutcome.SUBMITTED, SubmitOutcome.SUBMITTED, SubmitOutcome.FAILED, SubmitOutcome.UNKNOWN),
        stat: fc.constantFrom(...FINAL_STATS, 'DELIVRD', 'DELIVRD', 'DELIVRD'),
        retriedFirst: fc.boolean(),
        duplicateSubmit: fc.boolean(),
        duplicateReceipt: fc.boolean(),
        intermediate: fc.option(fc.constantFrom(...INTERMEDIATE), { nil: undefined }),
      }),
      { minLength: count, maxLength: count },
    ),
  }),
);

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function eventsOf(s: Scenario): Event[] {
  const events: Event[] = [{ kind: 'accepted' }];
  s.parts.forEach((p, index) => {
    const smscId = p.outcome === SubmitOutcome.SUBMITTED ? `smsc-${index}` : '';
    if (p.retriedFirst) events.push({ kind: 'submit', index, outcome: SubmitOutcome.RETRYING, smscId: '' });
    events.push({ kind: 'submit', index, outcome: p.outcome, smscId });
    if (p.duplicateSubmit) events.push({ kind: 'submit', index, outcome: p.outcome, smscId });
    if (smscId) {
      if (p.intermediate) events.push({ kind: 'receipt', smscId, stat: p.intermediate });
      events.push({ kind: 'receipt', smscId, stat: p.stat });
      if (p.duplicateReceipt) events.push({ kind: 'receipt', smscId, stat: p.stat });
    }
  });
  return events;
}

// Receipts of one SMSC id stay in order (sms.dlr.raw.v1 is keyed by carrier + SMSC id): an
// intermediate receipt never overtakes the final one. Everything else may arrive in any order.
function shuffleKeepingReceiptOrder(events: Event[], keys: number[]): Event[] {
  const order = events.map((e, i) => ({ e, k: keys[i % keys.length] ?? 0, i })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.e);
  const receiptsBySmsc = new Map<string, Event[]>();
  for (const e of events) if (e.kind === 'receipt') receiptsBySmsc.set(e.smscId, [...(receiptsBySmsc.get(e.smscId) ?? []), e]);
  return order.map((e) => (e.kind === 'receipt' ? (receiptsBySmsc.get(e.smscId)?.shift() as Event) : e));
}

describe('status projection (property)', () => {
  it('ends in the same status whatever order the events arrive in', () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.integer(), { minLength: 1, maxLength: 40 }), (s, keys) => {
        const events = eventsOf(s);
        const inOrder = project(events, s.count);
        const shuffled = project(shuffleKeepingReceiptOrder(events, keys), s.count);
        expect(shuffled.status).toBe(inOrder.status);
        expect(aggregateSegments(s.count, [...shuffled.segments.values()]).segmentsDelivered).toBe(aggregateSegments(s.count, [...inOrder.segments.values()]).segmentsDelivered);
      }),
      { numRuns: 1000 },
    );
  });

  it('only ever moves forward, and reaches the status the parts call for', () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.integer(), { minLength: 1, maxLength: 40 }), (s, keys) => {
        const m = project(shuffleKeepingReceiptOrder(eventsOf(s), keys), s.count);
        for (let i = 1; i < m.history.length; i++) expect(statusRank(m.history[i])).toBeGreaterThan(statusRank(m.history[i - 1]));
        expect(m.history.filter(isFinal).length).toBeLessThanOrEqual(1);
        const parts = s.parts.map((p) => (p.outcome === SubmitOutcome.FAILED ? S.FAILED : p.outcome === SubmitOutcome.UNKNOWN ? S.SUBMITTED : (statusForStat(p.stat) as S)));
        if (parts.includes(S.FAILED)) expect(m.status).toBe(S.FAILED);
        else if (parts.every((p) => p === S.DELIVERED)) expect(m.status).toBe(S.DELIVERED);
        else if (parts.includes(S.SUBMITTED)) expect(m.status).toBe(S.SUBMITTED); // an UNKNOWN outcome waits for expiry
        else expect(isFinal(m.status) && m.status !== S.DELIVERED).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
