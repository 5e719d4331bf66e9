import { TOPICS, outboundTopic } from '@smsgw/shared/data-access-kafka';
import { RouteTable } from '@smsgw/routing/domain';
import { MessageAccepted, MessageEncoded, OutboundMessage, RetryRequest, SubmitOutcome, type SubmitReport } from '@smsgw/shared/util-proto';
import { rerouteMessage, routeMessage } from './route-message';

const table = new RouteTable([
  { id: 'uk-a', prefix: '+44', carrier: 'uk-a', pricePerSegmentMicros: 3000 },
  { id: 'uk-b', prefix: '+44', carrier: 'uk-b', pricePerSegmentMicros: 4000 },
]);
const encoded = (to: string) => MessageEncoded.create({ message: MessageAccepted.create({ id: 'm1', to, acceptedAtMs: 1 }), segmentCount: 2 });

describe('routeMessage', () => {
  it('sends to the cheapest carrier topic', () => {
    const out = routeMessage(encoded('+447911123456'), table, 10);
    expect(out.topic.name).toBe(outboundTopic('uk-a').name);
    expect(out.value).toMatchObject({ carrierId: 'uk-a', attempt: 1, triedCarriers: ['uk-a'], pricePerSegmentMicros: 3000 });
  });

  it('fails with NO_ROUTE when nothing matches', () => {
    const out = routeMessage(encoded('+15551234567'), table, 10);
    expect(out.topic.name).toBe(TOPICS.submitted.name);
    expect(out.value as SubmitReport).toMatchObject({ messageId: 'm1', segmentIndex: -1, outcome: SubmitOutcome.FAILED, reasonCode: 'NO_ROUTE' });
  });
});

describe('rerouteMessage', () => {
  const first = routeMessage(encoded('+447911123456'), table).value as OutboundMessage;

  it('tries the next carrier', () => {
    const out = rerouteMessage(RetryRequest.create({ outbound: first, reasonCode: 'SMPP.ESME_RSYSERR' }), table);
    expect(out.value).toMatchObject({ carrierId: 'uk-b', attempt: 2, triedCarriers: ['uk-a', 'uk-b'] });
  });

  it('fails with the carrier reason when every carrier was tried', () => {
    const second = rerouteMessage(RetryRequest.create({ outbound: first }), table).value as OutboundMessage;
    const out = rerouteMessage(RetryRequest.create({ outbound: second, reasonCode: 'SMPP.ESME_RSYSERR', reason: 'system error' }), table);
    expect(out.value as SubmitReport).toMatchObject({ outcome: SubmitOutcome.FAILED, reasonCode: 'SMPP.ESME_RSYSERR' });
  });
});
