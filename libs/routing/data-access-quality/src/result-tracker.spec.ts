import { DEFAULT_QUALITY_SETTINGS, QualityBook, type Destination } from '@smsgw/routing/domain';
import { MessageStatus, StatusEvent, SubmitOutcome, messageEvent, segmentEvent } from '@smsgw/shared/util-proto';
import { ResultTracker } from './result-tracker';

const T0 = 5_000_000;
const o2: Destination = { e164: '+447711123456', country: 'GB', network: '234-10', networkName: 'O2', numberType: '' };
const routed = (id: string, carrier: string) => messageEvent({ messageId: id, to: o2.e164, reportedAtMs: T0 }, { carrierId: carrier, outcome: SubmitOutcome.ROUTED });
const segment = (id: string, carrier: string, outcome: SubmitOutcome, at = T0 + 100) => segmentEvent({ messageId: id, to: o2.e164, reportedAtMs: at }, { index: 0, carrierId: carrier, outcome });
const final = (id: string, carrier: string, status: MessageStatus, at: number) => StatusEvent.create({ messageId: id, carrierId: carrier, status, occurredAtMs: at, acceptedAtMs: T0 - 1_000 });

describe('ResultTracker', () => {
  it('attributes a final status to the destination network of its submit, latency from the submit', () => {
    const book = new QualityBook({ ...DEFAULT_QUALITY_SETTINGS, breakerMinSamples: 1_000 });
    const t = new ResultTracker(book, 10);
    for (let i = 0; i < 10; i++) {
      t.submitted(routed(`m${i}`, 'a'), o2);
      t.submitted(segment(`m${i}`, 'a', SubmitOutcome.SUBMITTED), o2);
      t.status(final(`m${i}`, 'a', i < 3 ? MessageStatus.UNDELIVERED : MessageStatus.DELIVERED, T0 + 1_100));
    }
    t.status(final('m0', 'a', MessageStatus.SUBMITTED, T0 + 2_000)); // not final: no outcome
    expect(t.pendingCount).toBe(0);
    const q = book.snapshot(T0 + 2_000).quality('a', o2)!;
    expect(q).toMatchObject({ basis: 'network 234-10', samples: 10, receiptP50Ms: 1_000, submitErrorRate: 0 });
    // 7 of 10, smoothed toward the (also smoothed) carrier-wide and long-window ratios
    expect(q.deliveryRatio).toBeGreaterThan(0.7);
    expect(q.deliveryRatio).toBeLessThan(0.85);
  });

  it('counts submit failures as errors, skips reports without a carrier, forgets the oldest beyond pendingMax', () => {
    const book = new QualityBook(DEFAULT_QUALITY_SETTINGS);
    const t = new ResultTracker(book, 2);
    t.submitted(segment('x', 'a', SubmitOutcome.FAILED), o2);
    t.submitted(messageEvent({ messageId: 'y' }, { outcome: SubmitOutcome.FAILED, reasonCode: 'NO_ROUTE' }), undefined);
    for (const id of ['p', 'q', 'r']) t.submitted(routed(id, 'b'), o2);
    expect(t.pendingCount).toBe(2);
    t.status(final('p', 'b', MessageStatus.DELIVERED, T0 + 5_000)); // forgotten: counts for the carrier only, latency from acceptance
    const snap = book.snapshot(T0 + 6_000);
    expect(snap.quality('a', o2)).toMatchObject({ submitErrorRate: 1 });
    expect(snap.quality('b', o2)).toMatchObject({ basis: 'carrier', samples: 1, receiptP50Ms: 8_000 });
  });
});
