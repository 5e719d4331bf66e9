import { ALL_CARRIERS_UP, OfflineNumberLookup, RateBook, compileRules } from '@smsgw/routing/domain';
import { TOPICS, outboundTopic, prefixed } from '@smsgw/shared/data-access-kafka';
import { Encoding, MessageAccepted, MessageEncoded, OutboundMessage, Priority, RetryRequest, SubmitOutcome, type SubmitEvent } from '@smsgw/shared/util-proto';
import { rerouteMessage, routeMessage, type RoutingState } from './route-message';

const state: RoutingState = {
  rules: compileRules({
    exchangeRates: { GBP: 1.15 },
    rules: [
      { id: 'otp', match: { class: 'otp' }, action: { type: 'fixed', carriers: ['uk-b'], prices: { 'uk-b': 4000 } } },
      { id: 'uk', match: { country: 'GB' }, action: { type: 'least-cost', carriers: ['uk-a', 'uk-b'] } },
    ],
  }),
  rates: new RateBook([
    { carrier: 'uk-a', version: 2, currency: 'EUR', effectiveAtMs: 0, entries: [{ prefix: '+4477', country: '', network: '', priceMicros: 3000 }] },
    { carrier: 'uk-b', version: 1, currency: 'GBP', effectiveAtMs: 0, entries: [{ prefix: '', country: 'GB', network: '', priceMicros: 3500 }] },
  ]),
  health: ALL_CARRIERS_UP,
};
const lookup = new OfflineNumberLookup();
const encoded = (to: string, priority = Priority.NORMAL) => MessageEncoded.create({ message: MessageAccepted.create({ id: 'm1', to, acceptedAtMs: 1, priority }), segmentCount: 2, encoding: Encoding.GSM7 });
const route = (to: string, priority?: Priority) => routeMessage(encoded(to, priority), lookup.destinationOf(to), state, 10);

describe('routeMessage', () => {
  it('sends to the cheapest carrier topic and reports the decision with its price', () => {
    const [out, routed] = route('+447711123456');
    expect(out.topic.name).toBe(outboundTopic('uk-a', 'priority').name); // NORMAL is transactional
    expect(out.value).toMatchObject({ carrierId: 'uk-a', routeId: 'uk', attempt: 1, triedCarriers: ['uk-a'], pricePerSegmentMicros: 3000, totalMicros: 6000, currency: 'EUR' });
    expect(routed.topic.name).toBe(TOPICS.submitted.name);
    expect(routed.value as SubmitEvent).toMatchObject({ messageId: 'm1', subject: { $case: 'message', value: { outcome: SubmitOutcome.ROUTED, carrierId: 'uk-a', route: { ruleId: 'uk', carrierId: 'uk-a', pricePerSegmentMicros: 3000, totalMicros: 6000, currency: 'EUR', attempt: 1 } } } });
  });

  it('reads the traffic class from the priority', () => {
    expect(route('+447711123456', Priority.HIGH)[0].value).toMatchObject({ carrierId: 'uk-b', routeId: 'otp' });
  });

  it('puts marketing (LOW) in the carrier bulk lane and everything else in its priority lane', () => {
    expect(route('+447711123456', Priority.LOW)[0].topic.name).toBe(prefixed('sms.outbound.uk-a.v1'));
    expect(route('+447711123456', Priority.NORMAL)[0].topic.name).toBe(prefixed('sms.outbound.uk-a.priority.v1'));
    expect(route('+447711123456', Priority.HIGH)[0].topic.name).toBe(prefixed('sms.outbound.uk-b.priority.v1'));
    expect(route('+447711123456', Priority.UNSPECIFIED)[0].topic.name).toBe(prefixed('sms.outbound.uk-a.priority.v1'));
  });

  it('fails with NO_ROUTE when no rule matches', () => {
    const out = route('+15551234567');
    expect(out).toHaveLength(1);
    expect(out[0].topic.name).toBe(TOPICS.submitted.name);
    expect(out[0].value as SubmitEvent).toMatchObject({ messageId: 'm1', subject: { $case: 'message', value: { outcome: SubmitOutcome.FAILED, reasonCode: 'NO_ROUTE' } } });
  });
});

describe('rerouteMessage', () => {
  const first = route('+447711123456')[0].value as OutboundMessage;
  const dest = lookup.destinationOf('+447711123456');

  it('tries the next carrier, as a later attempt', () => {
    const [out, routed] = rerouteMessage(RetryRequest.create({ outbound: first, reasonCode: 'SMPP.ESME_RSYSERR' }), dest, state);
    expect(out.topic.name).toBe(outboundTopic('uk-b', 'priority').name); // a retry keeps its lane
    expect(out.value).toMatchObject({ carrierId: 'uk-b', attempt: 2, triedCarriers: ['uk-a', 'uk-b'], currency: 'GBP' });
    expect((routed.value as SubmitEvent).subject).toMatchObject({ $case: 'message', value: { route: { carrierId: 'uk-b', attempt: 2, pricePerSegmentMicros: 3500 } } });
  });

  it('fails with the carrier reason when every carrier was tried', () => {
    const second = rerouteMessage(RetryRequest.create({ outbound: first }), dest, state)[0].value as OutboundMessage;
    const out = rerouteMessage(RetryRequest.create({ outbound: second, reasonCode: 'SMPP.ESME_RSYSERR', reason: 'system error' }), dest, state);
    expect((out[0].value as SubmitEvent).subject).toMatchObject({ $case: 'message', value: { outcome: SubmitOutcome.FAILED, reasonCode: 'SMPP.ESME_RSYSERR', route: { ruleId: 'uk' } } });
  });
});
