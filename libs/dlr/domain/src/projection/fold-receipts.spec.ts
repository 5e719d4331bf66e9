import fc from 'fast-check';
import { MessageStatus as S } from '@smsgw/shared/util-proto';
import type { DeliveryReceipt } from '../receipt';
import { RECEIPT_STATS, statusForStat } from '../receipt-stat';
import { foldCorrelatedReceipts, latestReceipts, receiptKey } from './fold-receipts';
import { segmentKey } from './segment';

const receipt = (smscMessageId: string, stat: DeliveryReceipt['stat'], receivedAtMs: number, carrierId = 'a'): DeliveryReceipt => ({
  carrierId,
  smscMessageId,
  stat,
  status: statusForStat(stat),
  err: '',
  receivedAtMs,
  text: {} as DeliveryReceipt['text'],
});

describe('latestReceipts', () => {
  it('a final receipt over an intermediate one, a later final over an earlier one; in lock order', () => {
    const chosen = latestReceipts([
      receipt('2', 'DELIVRD', 10),
      receipt('2', 'ENROUTE', 20),
      receipt('1', 'ENROUTE', 10),
      receipt('1', 'UNDELIV', 5),
      receipt('1', 'DELIVRD', 30),
      receipt('1', 'EXPIRED', 20),
      receipt('9', 'ACCEPTD', 1, ''),
    ]);
    expect(chosen.map((r) => [r.carrierId, r.smscMessageId, r.stat])).toEqual([
      ['', '9', 'ACCEPTD'],
      ['a', '1', 'DELIVRD'],
      ['a', '2', 'DELIVRD'],
    ]);
  });

  it('property: one receipt per SMSC id, final whenever the batch had a final one for it', () => {
    const arb = fc.array(fc.record({ id: fc.constantFrom('1', '2', '3'), stat: fc.constantFrom(...RECEIPT_STATS), at: fc.nat(100) }));
    fc.assert(
      fc.property(arb, (rows) => {
        const chosen = latestReceipts(rows.map((r) => receipt(r.id, r.stat, r.at)));
        expect(new Set(chosen.map((r) => receiptKey(r.carrierId, r.smscMessageId))).size).toBe(chosen.length);
        expect(chosen.length).toBe(new Set(rows.map((r) => r.id)).size);
        for (const c of chosen) {
          const finals = rows.filter((r) => r.id === c.smscMessageId && statusForStat(r.stat) !== undefined);
          if (finals.length > 0) expect(c.status).not.toBeUndefined();
        }
      }),
    );
  });
});

describe('foldCorrelatedReceipts', () => {
  it('a final receipt with its submit half finishes the segment; without it, it waits; intermediate ones change nothing', () => {
    const folded = foldCorrelatedReceipts(
      [
        { carrierId: 'a', smscMessageId: '1', messageId: 'm1', segmentIndex: 1, receiptStat: 'UNDELIV', receiptErr: '001' },
        { carrierId: 'a', smscMessageId: '2', messageId: null, segmentIndex: null, receiptStat: 'DELIVRD', receiptErr: '' },
        { carrierId: 'a', smscMessageId: '3', messageId: 'm3', segmentIndex: 0, receiptStat: 'ENROUTE', receiptErr: '' },
      ],
      (_carrier, smscId) => Number(smscId) * 100,
    );
    expect([folded.matched, folded.pending]).toEqual([1, 1]);
    expect(folded.segments.get(segmentKey('m1', 1))).toEqual({
      messageId: 'm1',
      index: 1,
      carrierId: '',
      smscId: '',
      status: S.UNDELIVERED,
      receiptStat: 'UNDELIV',
      receiptErr: '001',
      submittedAtMs: null,
      completedAtMs: 100,
    });
    expect([...folded.messages.keys()]).toEqual(['m1']);
    expect(folded.messages.get('m1')?.eventAtMs).toBe(100);
  });
});
