// Encoders for the PDUs on the hot path (submit_sm, data_sm, deliver_sm and the responses), written
// straight into one Buffer: node-smpp's generic codec walks every property of the PDU object several
// times per encode and dominated the connector's CPU profile. The connector's rarer PDUs (binds,
// unbind) still go through node-smpp.
import { CommandId, RESPONSE_BIT } from './command-id';
import { TLV } from './tlv';

/** The fields of one submit_sm, with their SMPP names. */
export interface SubmitSm {
  service_type: string;
  source_addr_ton: number;
  source_addr_npi: number;
  source_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  destination_addr: string;
  esm_class: number;
  protocol_id: number;
  priority_flag: number;
  validity_period: string;
  /** The same validity in seconds (0 = SMSC default), for data_sm's qos_time_to_live. */
  validity_seconds: number;
  registered_delivery: number;
  data_coding: number;
  short_message: Uint8Array;
  message_payload?: Uint8Array;
  sar_msg_ref_num?: number;
  sar_total_segments?: number;
  sar_segment_seqnum?: number;
}



function cstringLength(s: string): number {
  return s.length + 1;
}

/** SMPP C-octet strings are ASCII; a plain loop beats Buffer#write for these few characters. */
function writeCString(buf: Buffer, offset: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) buf[offset + i] = s.charCodeAt(i);
  buf[offset + n] = 0;
  return offset + n + 1;
}

/**
 * The 16-octet header (command_length is the buffer's length) and the fields submit_sm and data_sm
 * share: service_type and both addresses. Returns the offset after destination_addr.
 */
function writeHeaderAndAddresses(buf: Buffer, commandId: number, sequence: number, f: SubmitSm): number {
  buf.writeUInt32BE(buf.length, 0);
  buf.writeUInt32BE(commandId, 4);
  buf.writeUInt32BE(0, 8);
  buf.writeUInt32BE(sequence, 12);
  let o = writeCString(buf, 16, f.service_type);
  buf[o++] = f.source_addr_ton;
  buf[o++] = f.source_addr_npi;
  o = writeCString(buf, o, f.source_addr);
  buf[o++] = f.dest_addr_ton;
  buf[o++] = f.dest_addr_npi;
  return writeCString(buf, o, f.destination_addr);
}

/** The three SAR TLVs (16 octets) at offset o, when the segment has them. */
function writeSar(buf: Buffer, o: number, f: SubmitSm): void {
  if (f.sar_msg_ref_num === undefined) return;
  buf.writeUInt16BE(TLV.SAR_MSG_REF_NUM, o);
  buf.writeUInt16BE(2, o + 2);
  buf.writeUInt16BE(f.sar_msg_ref_num, o + 4);
  buf.writeUInt16BE(TLV.SAR_TOTAL_SEGMENTS, o + 6);
  buf.writeUInt16BE(1, o + 8);
  buf[o + 10] = f.sar_total_segments ?? 1;
  buf.writeUInt16BE(TLV.SAR_SEGMENT_SEQNUM, o + 11);
  buf.writeUInt16BE(1, o + 13);
  buf[o + 15] = f.sar_segment_seqnum ?? 1;
}

/** The bytes of a submit_sm with the given sequence number. short_message is at most 254 octets. */
export function encodeSubmitSm(f: SubmitSm, sequence: number): Buffer {
  return encodeShortMessagePdu(CommandId.submit_sm, f, sequence);
}

/** What a delivery receipt adds to a deliver_sm: TLVs receipted_message_id and message_state (SMPP 3.4 §5.3.2.12, §5.3.2.35). */
export interface ReceiptTlvs {
  receipted_message_id: string;
  message_state: number;
}

/** The addresses and content of a deliver_sm (SMSC → ESME). */
export interface DeliverSmContent {
  sourceTon: number;
  sourceNpi: number;
  source: string;
  destTon: number;
  destNpi: number;
  destination: string;
  esmClass: number;
  dataCoding: number;
  shortMessage: Uint8Array;
  messagePayload?: Uint8Array;
}

/** A deliver_sm's fields: no service_type, priority, validity or receipt request (an SMSC sets none). */
export function deliverSmFields(c: DeliverSmContent): SubmitSm {
  return {
    service_type: '',
    source_addr_ton: c.sourceTon,
    source_addr_npi: c.sourceNpi,
    source_addr: c.source,
    dest_addr_ton: c.destTon,
    dest_addr_npi: c.destNpi,
    destination_addr: c.destination,
    esm_class: c.esmClass,
    protocol_id: 0,
    priority_flag: 0,
    validity_period: '',
    validity_seconds: 0,
    registered_delivery: 0,
    data_coding: c.dataCoding,
    short_message: c.shortMessage,
    message_payload: c.messagePayload,
  };
}

/**
 * A deliver_sm (the SMPP server's receipts and MO): submit_sm's layout, with schedule_delivery_time
 * and validity_period empty (give validity_period '').
 */
export function encodeDeliverSm(f: SubmitSm, sequence: number, receipt?: ReceiptTlvs): Buffer {
  return encodeShortMessagePdu(CommandId.deliver_sm, f, sequence, receipt);
}


function encodeShortMessagePdu(commandId: number, f: SubmitSm, sequence: number, receipt?: ReceiptTlvs): Buffer {
  const sm = f.short_message;
  if (sm.length > 254) throw new RangeError(`short_message of ${sm.length} octets; use message_payload above 254`);
  let length =
    16 +
    cstringLength(f.service_type) +
    2 +
    cstringLength(f.source_addr) +
    2 +
    cstringLength(f.destination_addr) +
    3 +
    cstringLength('') +
    cstringLength(f.validity_period) +
    5 +
    sm.length;
  if (f.message_payload) length += 4 + f.message_payload.length;
  if (f.sar_msg_ref_num !== undefined) length += 6 + 5 + 5;
  if (receipt) length += 4 + cstringLength(receipt.receipted_message_id) + 5;
  const buf = Buffer.allocUnsafe(length);
  let o = writeHeaderAndAddresses(buf, commandId, sequence, f);
  buf[o++] = f.esm_class;
  buf[o++] = f.protocol_id;
  buf[o++] = f.priority_flag;
  buf[o++] = 0; // schedule_delivery_time: immediate
  o = writeCString(buf, o, f.validity_period);
  buf[o++] = f.registered_delivery;
  buf[o++] = 0; // replace_if_present_flag
  buf[o++] = f.data_coding;
  buf[o++] = 0; // sm_default_msg_id
  buf[o++] = sm.length;
  buf.set(sm, o);
  o += sm.length;
  if (f.message_payload) {
    buf.writeUInt16BE(TLV.MESSAGE_PAYLOAD, o);
    buf.writeUInt16BE(f.message_payload.length, o + 2);
    buf.set(f.message_payload, o + 4);
    o += 4 + f.message_payload.length;
  }
  if (receipt) {
    buf.writeUInt16BE(TLV.RECEIPTED_MESSAGE_ID, o);
    buf.writeUInt16BE(cstringLength(receipt.receipted_message_id), o + 2);
    o = writeCString(buf, o + 4, receipt.receipted_message_id);
    buf.writeUInt16BE(TLV.MESSAGE_STATE, o);
    buf.writeUInt16BE(1, o + 2);
    buf[o + 4] = receipt.message_state;
    o += 5;
  }
  writeSar(buf, o, f);
  return buf;
}

/** A submit_sm_resp: message_id only when the status is 0 (SMPP 3.4 §4.4.2: no body on an error). */
export function encodeSubmitSmResp(status: number, sequence: number, messageId: string): Buffer {
  return encodeMessageIdResp(CommandId.submit_sm_resp, status, sequence, messageId);
}

/** submit_sm_resp or data_sm_resp: message_id only when the status is 0. */
export function encodeMessageIdResp(commandId: number, status: number, sequence: number, messageId: string): Buffer {
  const id = status === 0 ? messageId : undefined;
  const length = id === undefined ? 16 : 16 + cstringLength(id);
  const buf = Buffer.allocUnsafe(length);
  buf.writeUInt32BE(length, 0);
  buf.writeUInt32BE(commandId >>> 0, 4);
  buf.writeUInt32BE(status >>> 0, 8);
  buf.writeUInt32BE(sequence >>> 0, 12);
  if (id !== undefined) writeCString(buf, 16, id);
  return buf;
}

/**
 * The same segment as a data_sm (for carriers that take data_sm rather than submit_sm): the
 * content goes in message_payload, the validity in qos_time_to_live.
 */
export function encodeDataSm(f: SubmitSm, sequence: number): Buffer {
  const content = f.message_payload ?? f.short_message;
  let length = 16 + cstringLength(f.service_type) + 2 + cstringLength(f.source_addr) + 2 + cstringLength(f.destination_addr) + 3 + 4 + content.length;
  if (f.validity_seconds > 0) length += 8;
  if (f.sar_msg_ref_num !== undefined) length += 16;
  const buf = Buffer.allocUnsafe(length);
  let o = writeHeaderAndAddresses(buf, CommandId.data_sm, sequence, f);
  buf[o++] = f.esm_class;
  buf[o++] = f.registered_delivery;
  buf[o++] = f.data_coding;
  buf.writeUInt16BE(TLV.MESSAGE_PAYLOAD, o);
  buf.writeUInt16BE(content.length, o + 2);
  buf.set(content, o + 4);
  o += 4 + content.length;
  if (f.validity_seconds > 0) {
    buf.writeUInt16BE(TLV.QOS_TIME_TO_LIVE, o);
    buf.writeUInt16BE(4, o + 2);
    buf.writeUInt32BE(f.validity_seconds >>> 0, o + 4);
    o += 8;
  }
  writeSar(buf, o, f);
  return buf;
}

/**
 * A response PDU: header, plus an empty message_id for deliver_sm_resp / data_sm_resp (their
 * body is mandatory even with an error status in practice; SMSCs accept it either way).
 */
export function encodeResponse(commandId: number, status: number, sequence: number): Buffer {
  const withMessageId = (commandId === CommandId.deliver_sm_resp || commandId === CommandId.data_sm_resp) && status === 0;
  const length = withMessageId ? 17 : 16;
  const buf = Buffer.allocUnsafe(length);
  buf.writeUInt32BE(length, 0);
  buf.writeUInt32BE(commandId >>> 0, 4);
  buf.writeUInt32BE(status >>> 0, 8);
  buf.writeUInt32BE(sequence >>> 0, 12);
  if (withMessageId) buf[16] = 0;
  return buf;
}


/** A bind_*_resp (the request's command_id with the response bit) carrying the server's system_id. */
export function encodeBindResp(requestCommandId: number, status: number, sequence: number, systemId: string): Buffer {
  const length = 16 + cstringLength(systemId);
  const buf = Buffer.allocUnsafe(length);
  buf.writeUInt32BE(length, 0);
  buf.writeUInt32BE((requestCommandId | RESPONSE_BIT) >>> 0, 4);
  buf.writeUInt32BE(status >>> 0, 8);
  buf.writeUInt32BE(sequence >>> 0, 12);
  writeCString(buf, 16, systemId);
  return buf;
}
