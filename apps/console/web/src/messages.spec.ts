import { applyUpdate, pendingIds, timeline, type Message, type SentMessage } from './messages';

const sent: SentMessage = { id: 'm1', to: '+447911123456', from: 'SMSGW', status: 'ACCEPTED', segments: 1, encoding: 'gsm7', sentAt: '2026-01-01T10:00:00.000Z', history: [{ status: 'ACCEPTED', at: '2026-01-01T10:00:00.000Z' }] };

describe('applyUpdate', () => {
  it('moves a message forward and records each status once, with its time', () => {
    let list = applyUpdate([sent], { id: 'm1', status: 'ROUTED', updatedAt: '2026-01-01T10:00:01.000Z' });
    list = applyUpdate(list, { id: 'm1', status: 'DELIVERED', updatedAt: '2026-01-01T10:00:03.000Z' });
    expect(list[0].status).toBe('DELIVERED');
    expect(list[0].history.map((h) => h.status)).toEqual(['ACCEPTED', 'ROUTED', 'DELIVERED']);
    expect(pendingIds(list)).toEqual([]);
  });

  it('never moves back (a late SUBMITTED after DELIVERED), and ignores repeats and unknown ids (same array)', () => {
    const delivered = applyUpdate([sent], { id: 'm1', status: 'DELIVERED' });
    expect(applyUpdate(delivered, { id: 'm1', status: 'SUBMITTED' })).toBe(delivered);
    expect(applyUpdate(delivered, { id: 'm1', status: 'DELIVERED' })).toBe(delivered);
    expect(applyUpdate(delivered, { id: 'other', status: 'ROUTED' })).toBe(delivered);
  });
});

describe('timeline', () => {
  const message: Message = { id: 'm1', status: 'DELIVERED', to: '+447911123456', from: 'SMSGW', encoding: 'gsm7', segments: 2, segmentsDelivered: 2, carrier: 'demo', acceptedAt: '2026-01-01T10:00:00.000Z', submittedAt: '2026-01-01T10:00:01.500Z', completedAt: '2026-01-01T10:00:03.000Z' };

  it('shows what the API says (accepted, submitted with the carrier, the receipt) in order', () => {
    expect(timeline(message)).toEqual([
      { status: 'ACCEPTED', label: 'Accepted', at: '2026-01-01T10:00:00.000Z', detail: undefined },
      { status: 'SUBMITTED', label: 'Submitted to the carrier', at: '2026-01-01T10:00:01.500Z', detail: 'carrier demo' },
      { status: 'DELIVERED', label: 'Delivered (receipt)', at: '2026-01-01T10:00:03.000Z', detail: '2 of 2 segments delivered' },
    ]);
  });

  it('adds the statuses seen live (routed) and the reason of a failure', () => {
    const failed: Message = { ...message, status: 'UNDELIVERED', segmentsDelivered: 1, reasonCode: 'DLR.UNDELIV', reason: 'handset off' };
    const entries = timeline(failed, [{ status: 'ACCEPTED', at: message.acceptedAt }, { status: 'ROUTED', at: '2026-01-01T10:00:01.000Z' }]);
    expect(entries.map((e) => e.status)).toEqual(['ACCEPTED', 'ROUTED', 'SUBMITTED', 'UNDELIVERED']);
    expect(entries[3].detail).toBe('1 of 2 segments delivered; DLR.UNDELIV: handset off');
  });
});
