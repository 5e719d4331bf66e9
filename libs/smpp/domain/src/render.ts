import { encode, type Concatenation, type EncodedMessage, type NationalLanguage } from '@smsgw/gsm/util-encoding';
import type { SubmitSm } from '@smsgw/smpp/util-wire';
import { destinationAddress, relativeValidityPeriod, sourceAddress } from './addressing';

const ESM_UDHI = 0x40;


/** What the connector needs of an OutboundMessage to build its submits. */
export interface RenderInput {
  to: string;
  from: string;
  /** The text to send (after the encoder's smart replacements). */
  text: string;
  validitySeconds: number;
  /** Priority enum value of sms.v1 (3 = HIGH). */
  priority: number;
}

export interface RenderSettings {
  carrierId: string;
  concatenation: Concatenation;
  gsm7DataCoding: number;
  nationalLanguages: readonly NationalLanguage[];
  latin1: boolean;
  packed: boolean;
  registeredDelivery: number;
  serviceType: string;
  /** Hands out concatenation references per destination (8-bit for udh8, 16-bit for udh16/sar). */
  references: { udh8: ReferenceSource; wide: ReferenceSource };
}

export interface ReferenceSource {
  next(destination: string, carrier: string): number;
}

export interface RenderedMessage {
  encoded: EncodedMessage;
  /** One submit_sm per entry, in order. */
  submits: SubmitSm[];
}

const PRIORITY_HIGH = 3;

/**
 * Builds the submit_sm PDUs of one message for one carrier: its encoding settings decide the data
 * coding and how long messages are split (concatenation UDH with a reference per destination, SAR
 * TLVs, or one message_payload); the sender type decides TON/NPI; registered_delivery asks for receipts.
 * Throws EncodingError (e.g. ENCODING.TOO_MANY_SEGMENTS) when the text cannot be sent.
 */
export function renderSubmits(message: RenderInput, settings: RenderSettings): RenderedMessage {
  const dest = destinationAddress(message.to);
  const src = sourceAddress(message.from);
  const references = settings.concatenation === 'udh8' ? settings.references.udh8 : settings.references.wide;
  const encoded = encode(message.text, {
    concatenation: settings.concatenation,
    gsm7DataCoding: settings.gsm7DataCoding,
    nationalLanguages: settings.nationalLanguages,
    latin1: settings.latin1,
    packed: settings.packed,
    reference: () => references.next(dest.addr, settings.carrierId),
  });
  const validity = relativeValidityPeriod(message.validitySeconds);
  const priority = message.priority === PRIORITY_HIGH ? 1 : 0;
  const submits = encoded.segments.map((segment): SubmitSm => {
    const submit: SubmitSm = {
      service_type: settings.serviceType,
      source_addr_ton: src.ton,
      source_addr_npi: src.npi,
      source_addr: src.addr,
      dest_addr_ton: dest.ton,
      dest_addr_npi: dest.npi,
      destination_addr: dest.addr,
      esm_class: segment.udh && segment.udh.length > 0 ? ESM_UDHI : 0,
      protocol_id: 0,
      priority_flag: priority,
      validity_period: validity,
      validity_seconds: message.validitySeconds > 0 ? Math.floor(message.validitySeconds) : 0,
      registered_delivery: settings.registeredDelivery,
      data_coding: encoded.dataCoding,
      short_message: segment.bytes,
    };
    if (encoded.concatenation === 'payload') {
      submit.short_message = new Uint8Array(0);
      submit.message_payload = segment.bytes;
    }
    if (segment.sar) {
      submit.sar_msg_ref_num = segment.sar.msgRefNum;
      submit.sar_total_segments = segment.sar.totalSegments;
      submit.sar_segment_seqnum = segment.sar.segmentSeqnum;
    }
    return submit;
  });
  return { encoded, submits };
}
