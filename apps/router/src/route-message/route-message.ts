import type { RouteTable } from '@smsgw/routing/domain';
import { TOPICS, outboundTopic, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { MessageEncoded, OutboundMessage, RetryRequest, SubmitOutcome, SubmitReport } from '@smsgw/shared/util-proto';

function failed(encoded: MessageEncoded, reasonCode: string, reason: string, now: number): OutgoingEvent {
  const m = encoded.message!;
  return {
    topic: TOPICS.submitted,
    key: m.id,
    value: SubmitReport.create({
      messageId: m.id,
      segmentIndex: -1,
      segmentCount: encoded.segmentCount,
      outcome: SubmitOutcome.FAILED,
      reasonCode,
      reason,
      reportedAtMs: now,
      acceptedAtMs: m.acceptedAtMs,
      encoding: encoded.encoding,
      to: m.to,
      from: m.from,
      clientReference: m.clientReference,
    }),
  };
}

/** A newly encoded message: to the best carrier's outbound topic, or FAILED with NO_ROUTE. */
export function routeMessage(encoded: MessageEncoded, table: RouteTable, now = Date.now()): OutgoingEvent {
  const to = encoded.message!.to;
  const decision = table.choose(to);
  if (!decision) return failed(encoded, 'NO_ROUTE', `no route in the route table matches ${to.slice(0, 4)}…; add a route for this prefix`, now);
  const { route } = decision;
  return {
    topic: outboundTopic(route.carrier),
    key: encoded.message!.id,
    value: OutboundMessage.create({ encoded, carrierId: route.carrier, routeId: route.id, pricePerSegmentMicros: route.pricePerSegmentMicros, attempt: 1, triedCarriers: [route.carrier], routedAtMs: now }),
  };
}

/** A message a carrier could not take: the next carrier not yet tried, or FAILED with the carrier's reason. */
export function rerouteMessage(retry: RetryRequest, table: RouteTable, now = Date.now()): OutgoingEvent {
  const previous = retry.outbound!;
  const encoded = previous.encoded!;
  const decision = table.choose(encoded.message!.to, previous.triedCarriers);
  if (!decision) {
    return failed(encoded, retry.reasonCode || 'ROUTING.RETRIES_EXHAUSTED', `every carrier for this destination was tried; last: ${previous.carrierId}: ${retry.reason}`, now);
  }
  const { route } = decision;
  return {
    topic: outboundTopic(route.carrier),
    key: encoded.message!.id,
    value: OutboundMessage.create({
      encoded,
      carrierId: route.carrier,
      routeId: route.id,
      pricePerSegmentMicros: route.pricePerSegmentMicros,
      attempt: previous.attempt + 1,
      triedCarriers: [...previous.triedCarriers, route.carrier],
      routedAtMs: now,
    }),
  };
}
