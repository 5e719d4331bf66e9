import { MessageEncoded, OutboundMessage, SubmitEvent } from '@smsgw/shared/util-proto';
import { TOPICS, carries, outboundTopic, type OutgoingEvent } from './index';

describe('carries', () => {
  it("tells an event's payload by its topic's protobuf message, whatever the topic's name", () => {
    const events: OutgoingEvent[] = [
      { topic: outboundTopic('acme', 'priority'), key: 'm1', value: OutboundMessage.create({ carrierId: 'acme' }) },
      { topic: outboundTopic('other'), key: 'm2', value: OutboundMessage.create({ carrierId: 'other' }) },
      { topic: TOPICS.submitted, key: 'm3', value: SubmitEvent.create({ messageId: 'm3' }) },
    ];
    expect(events.filter((e) => carries(e, OutboundMessage)).map((e) => e.key)).toEqual(['m1', 'm2']);
    expect(events.filter((e) => carries(e, SubmitEvent)).map((e) => e.key)).toEqual(['m3']);
    expect(events.some((e) => carries(e, MessageEncoded))).toBe(false);
    const [first] = events;
    if (carries(first, OutboundMessage)) expect(first.value.carrierId).toBe('acme'); // typed without a cast
  });
});
