import { OutboundMessage } from '@smsgw/shared/util-proto';
import { SubmittedMessages, attemptKey } from './submitted-messages';
import { firstOffsets } from './submit-journal';

describe('SubmittedMessages', () => {
  it('remembers finished attempts up to its capacity, forgetting the oldest first', () => {
    const seen = new SubmittedMessages(2);
    seen.add('a#1', '10');
    seen.add('b#1', '11');
    seen.add('a#1', '12');
    expect([seen.offsetOf('a#1'), seen.offsetOf('b#1')]).toEqual(['10', '11']);
    seen.add('c#1', '13');
    expect([seen.offsetOf('a#1'), seen.offsetOf('b#1'), seen.offsetOf('c#1')]).toEqual([undefined, '11', '13']);
  });

  it('tells a rerouted attempt from a copy of the same record', () => {
    const first = OutboundMessage.create({ encoded: { message: { id: 'm-1' } }, attempt: 1 });
    const rerouted = OutboundMessage.create({ encoded: { message: { id: 'm-1' } }, attempt: 2 });
    expect(attemptKey(first, 'k')).toBe(attemptKey(OutboundMessage.fromPartial(first), 'other'));
    expect(attemptKey(first, 'k')).not.toBe(attemptKey(rerouted, 'k'));
    expect(attemptKey(OutboundMessage.create({ attempt: 1 }), 'key-only')).toBe('key-only#1');
  });
});

describe('firstOffsets (copies journaled by another replica)', () => {
  it('names the lowest offset of each message attempt, leaving out entries journaled without an attempt', () => {
    const entries = new Map([
      ['7', [{ messageId: 'm-1', segmentIndex: 0, attempt: 1 }]],
      ['3', [{ messageId: 'm-1', segmentIndex: 0, attempt: 1 }, { messageId: 'm-1', segmentIndex: 1, attempt: 1 }]],
      ['9', [{ messageId: 'm-1', segmentIndex: 0, attempt: 2 }]],
      ['4', [{ messageId: 'm-old', segmentIndex: 0 }]],
    ]);
    expect(Object.fromEntries(firstOffsets(entries))).toEqual({ 'm-1#1': '3', 'm-1#2': '9' });
  });
});
