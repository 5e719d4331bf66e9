import { chooseRoute, trafficClassOfPriority, type CarrierHealthView, type Destination, type RateBook, type RouteDecision, type RouteRequest, type RouteRules } from '@smsgw/routing/domain';
import { TOPICS, laneOfPriority, outboundTopic, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { MessageEncoded, OutboundMessage, RetryRequest, RouteCharge, SubmitOutcome, acceptedFieldsOf, encodingName, messageEvent, type MessageReport } from '@smsgw/shared/util-proto';

/** What the router routes with: one routing configuration version (rules and rate cards, swapped whole) and the learned quality. */
export interface RoutingState {
  rules: RouteRules;
  rates: RateBook;
  health: CarrierHealthView;
}


export function routeRequest(encoded: MessageEncoded, destination: Destination, now: number, tried?: readonly string[]): RouteRequest {
  const m = encoded.message!;
  return {
    messageId: m.id,
    destination,
    account: m.clientId,
    sender: m.from,
    trafficClass: trafficClassOfPriority(m.priority),
    encoding: encodingName(encoded.encoding),
    segments: encoded.segmentCount,
    nowMs: now,
    tried,
  };
}

function report(encoded: MessageEncoded, fields: Partial<MessageReport>, now: number): OutgoingEvent {
  const m = encoded.message!;
  return {
    topic: TOPICS.submitted,
    key: m.id,
    value: messageEvent(
      { messageId: m.id, segmentCount: encoded.segmentCount, reportedAtMs: now, encoding: encoded.encoding, ...acceptedFieldsOf(m) },
      fields,
    ),
  };
}

const failed = (encoded: MessageEncoded, reasonCode: string, reason: string, ruleId: string, now: number) =>
  report(encoded, { outcome: SubmitOutcome.FAILED, reasonCode, reason, route: ruleId ? RouteCharge.create({ ruleId }) : undefined }, now);

/** The outbound event for the chosen carrier (in the message's lane) and the ROUTED report that keeps the decision with the message. */
function routed(encoded: MessageEncoded, d: Extract<RouteDecision, { routed: true }>, attempt: number, tried: readonly string[], now: number): OutgoingEvent[] {
  const charge = RouteCharge.create({ ruleId: d.ruleId, carrierId: d.carrier, pricePerSegmentMicros: d.pricePerSegmentMicros, totalMicros: d.totalMicros, currency: d.currency, attempt });
  return [
    {
      // The lane by traffic class: OTP and transactional never queue behind marketing at the carrier.
      topic: outboundTopic(d.carrier, laneOfPriority(encoded.message!.priority)),
      key: encoded.message!.id,
      value: OutboundMessage.create({
        encoded,
        carrierId: d.carrier,
        routeId: d.ruleId,
        pricePerSegmentMicros: d.pricePerSegmentMicros,
        totalMicros: d.totalMicros,
        currency: d.currency,
        attempt,
        triedCarriers: [...tried, d.carrier],
        routedAtMs: now,
      }),
    },
    report(encoded, { outcome: SubmitOutcome.ROUTED, carrierId: d.carrier, route: charge }, now),
  ];
}

/** A newly encoded message: to the chosen carrier's outbound topic, or FAILED (NO_ROUTE, ROUTING.NO_CARRIER). */
export function routeMessage(encoded: MessageEncoded, destination: Destination, state: RoutingState, now = Date.now()): OutgoingEvent[] {
  const d = chooseRoute(routeRequest(encoded, destination, now), state.rules, state.rates, state.health);
  if (!d.routed) return [failed(encoded, d.code, d.reason, d.ruleId, now)];
  return routed(encoded, d, 1, [], now);
}

/** A message a carrier could not take: the next carrier not yet tried, or FAILED with the carrier's reason. */
export function rerouteMessage(retry: RetryRequest, destination: Destination, state: RoutingState, now = Date.now()): OutgoingEvent[] {
  const previous = retry.outbound!;
  const encoded = previous.encoded!;
  const d = chooseRoute(routeRequest(encoded, destination, now, previous.triedCarriers), state.rules, state.rates, state.health);
  if (!d.routed) {
    return [failed(encoded, retry.reasonCode || 'ROUTING.RETRIES_EXHAUSTED', `no other carrier qualifies (${d.reason}); last: ${previous.carrierId}: ${retry.reason}`, d.ruleId, now)];
  }
  return routed(encoded, d, previous.attempt + 1, previous.triedCarriers, now);
}
