import { prefixed } from './topic-prefix';
import {
  CarrierHealth,
  InboundMessage,
  MessageAccepted,
  MessageEncoded,
  OutboundMessage,
  RawReceipt,
  RetryRequest,
  RoutingConfigVersion,
  SendRequest,
  StatusEvent,
  SubmitRejected,
  SubmitEvent,
  SubmitJournalRecord,
  SubmitReport,
} from '@smsgw/shared/util-proto';

export interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

/** A topic and the protobuf message its values carry. */
export interface Topic<T> {
  readonly name: string;
  readonly codec: Codec<T>;
}

export { prefixed, setTopicPrefix } from './topic-prefix';

const topic = <T>(base: string, codec: Codec<T>): Topic<T> => ({
  get name() {
    return prefixed(base);
  },
  codec,
});

/** Every topic of the gateway, in one place (see DESIGN.md "The flow"). */
export const TOPICS = {
  submit: topic('sms.submit.v1', SendRequest),
  submitRejected: topic('sms.submit.rejected.v1', SubmitRejected),
  accepted: topic('sms.accepted.v1', MessageAccepted),
  encoded: topic('sms.encoded.v1', MessageEncoded),
  retry: topic('sms.retry.v1', RetryRequest),
  submitted: topic('sms.submitted.v2', SubmitEvent),
  /**
   * Retired: what releases before sms.submitted.v2 wrote. The dlr-processor still reads it (as
   * SubmitEvents, submitEventFromV1) so an upgrade loses nothing in flight; nothing writes it.
   */
  submittedV1: topic('sms.submitted.v1', SubmitReport),
  dlrRaw: topic('sms.dlr.raw.v1', RawReceipt),
  status: topic('sms.status.v1', StatusEvent),
  /** Status events whose webhook could not be delivered (headers: url, reason, attempts), for replay. */
  webhookFailed: topic('sms.webhook.failed.v1', StatusEvent),
  inbound: topic('sms.inbound.v1', InboundMessage),
  /** Inbound messages with their account (dlr-processor's inbound router); what accounts and the SMPP server consume. */
  inboundRouted: topic('sms.inbound.routed.v1', InboundMessage),
  /** Routed inbound messages whose account webhook could not be delivered (headers: url, reason, attempts), for replay. */
  inboundWebhookFailed: topic('sms.inbound.webhook.failed.v1', InboundMessage),
  carrierHealth: topic('sms.carrier-health.v1', CarrierHealth),
  /**
   * Routing configuration versions (compacted, one partition, keyed by the configuration name):
   * every router replica reads it whole at start and follows it (routingConfigTopicSpec).
   */
  routingConfig: topic('sms.routing-config.v1', RoutingConfigVersion),
} as const;

const CARRIER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * A carrier's traffic runs in two lanes, each its own topic, consumer and submit journal, so an
 * OTP never waits behind a marketing backlog: `priority` (OTP and transactional) and `bulk`
 * (marketing). The bulk lane keeps the historical topic name (sms.outbound.<carrier>.v1).
 */
export type OutboundLane = 'priority' | 'bulk';
export const OUTBOUND_LANES: readonly OutboundLane[] = ['priority', 'bulk'];

/** The lane of a message by its priority: LOW (1) is marketing → bulk; the rest (OTP HIGH, transactional) → priority. */
export function laneOfPriority(priority: number): OutboundLane {
  return priority === 1 ? 'bulk' : 'priority';
}

const laneSuffix = (lane: OutboundLane) => (lane === 'bulk' ? '' : `.${lane}`);

/** One outbound topic per carrier and lane, so a slow carrier only holds back its own partitions. */
export function outboundTopic(carrierId: string, lane: OutboundLane = 'bulk'): Topic<OutboundMessage> {
  if (!CARRIER_ID.test(carrierId)) {
    throw new Error(`carrier id "${carrierId}" must be lowercase letters, digits and dashes (it names a Kafka topic)`);
  }
  return topic(`sms.outbound.${carrierId}${laneSuffix(lane)}.v1`, OutboundMessage);
}

/** The connector's submit journal for one carrier and lane: partition p journals that lane's outbound partition p. */
export function submitJournalTopic(carrierId: string, lane: OutboundLane = 'bulk'): Topic<SubmitJournalRecord> {
  outboundTopic(carrierId); // the same rule for the carrier id
  return topic(`sms.submit-journal.${carrierId}${laneSuffix(lane)}.v1`, SubmitJournalRecord);
}

export function encodeValue<T>(t: Topic<T>, value: T): Buffer {
  const bytes = t.codec.encode(value).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
