import { prefixed } from './topic-prefix';
import {
  CarrierHealth,
  InboundMessage,
  MessageAccepted,
  MessageEncoded,
  OutboundMessage,
  RawReceipt,
  RetryRequest,
  SendRequest,
  StatusEvent,
  SubmitRejected,
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
  submitted: topic('sms.submitted.v1', SubmitReport),
  dlrRaw: topic('sms.dlr.raw.v1', RawReceipt),
  status: topic('sms.status.v1', StatusEvent),
  /** Status events whose webhook could not be delivered (headers: url, reason, attempts), for replay. */
  webhookFailed: topic('sms.webhook.failed.v1', StatusEvent),
  inbound: topic('sms.inbound.v1', InboundMessage),
  carrierHealth: topic('sms.carrier-health.v1', CarrierHealth),
} as const;

const CARRIER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** One outbound topic per carrier, so a slow carrier only holds back its own partitions. */
export function outboundTopic(carrierId: string): Topic<OutboundMessage> {
  if (!CARRIER_ID.test(carrierId)) {
    throw new Error(`carrier id "${carrierId}" must be lowercase letters, digits and dashes (it names a Kafka topic)`);
  }
  return topic(`sms.outbound.${carrierId}.v1`, OutboundMessage);
}

export function encodeValue<T>(t: Topic<T>, value: T): Buffer {
  const bytes = t.codec.encode(value).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
