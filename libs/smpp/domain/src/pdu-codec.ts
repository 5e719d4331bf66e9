// Encoders for the PDUs on the hot path (submit_sm and the responses we send), written straight
// into one Buffer: node-smpp's generic codec walks every property of the PDU object several
// times per encode and dominated the connector's CPU profile. Rarer PDUs (binds, unbind,
// enquire_link) still go through node-smpp.
import type { SubmitSm } from './render';

export const CommandId = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_transmitter: 0x00000002,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  bind_transceiver: 0x00000009,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  alert_notification: 0x00000102,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
} as const;

const TAG_SAR_MSG_REF_NUM = 0x020c;
const TAG_SAR_TOTAL_SEGMENTS = 0x020e;
const TAG_SAR_SEGMENT_SEQNUM = 0x020f;
const TAG_MESSAGE_PAYLOAD = 0x0424;
const TAG_QOS_TIME_TO_LIVE = 0x0017;

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
  buf.writeUInt16BE(TAG_SAR_MSG_REF_NUM, o);
  buf.writeUInt16BE(2, o + 2);
  buf.writeUInt16BE(f.sar_msg_ref_num, o + 4);
  buf.writeUInt16BE(TAG_SAR_TOTAL_SEGMENTS, o + 6);
  buf.writeUInt16BE(1, o + 8);
  buf[o + 10] = f.sar_total_segments ?? 1;
  buf.writeUInt16BE(TAG_SAR_SEGMENT_SEQNUM, o + 11);
  buf.writeUInt16BE(1, o + 13);
  buf[o + 15] = f.sar_segment_seqnum ?? 1;
}

/** The bytes of a submit_sm with the given sequence number. short_message is at most 254 octets. */
export function encodeSubmitSm(f: SubmitSm, sequence: number): Buffer {
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
  const buf = Buffer.allocUnsafe(length);
  let o = writeHeaderAndAddresses(buf, CommandId.submit_sm, sequence, f);
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
    buf.writeUInt16BE(TAG_MESSAGE_PAYLOAD, o);
    buf.writeUInt16BE(f.message_payload.length, o + 2);
    buf.set(f.message_payload, o + 4);
    o += 4 + f.message_payload.length;
  }
  writeSar(buf, o, f);
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
  buf.writeUInt16BE(TAG_MESSAGE_PAYLOAD, o);
  buf.writeUInt16BE(content.length, o + 2);
  buf.set(content, o + 4);
  o += 4 + content.length;
  if (f.validity_seconds > 0) {
    buf.writeUInt16BE(TAG_QOS_TIME_TO_LIVE, o);
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

/** message_id of a submit_sm_resp / data_sm_resp (the C-string after the header). */
export function readResponseMessageId(pdu: Uint8Array): string {
  let end = 16;
  while (end < pdu.length && pdu[end] !== 0) end++;
  let s = '';
  for (let i = 16; i < end; i++) s += String.fromCharCode(pdu[i]);
  return s;
}

/**
 * Splits a byte stream into PDUs. Feed it what the socket reads; it calls `onPdu` with each whole
 * PDU (a view into the read buffers, valid until the next feed) and returns false when the stream
 * is out of step (a length below 16 or above `maxLength`).
 */
export class PduFramer {
  private pending: Buffer | undefined;

  constructor(
    private readonly onPdu: (pdu: Buffer) => void,
    private readonly maxLength = 65_536,
  ) {}

  /** Bytes of a PDU begun but not complete. */
  get pendingBytes(): number {
    return this.pending?.length ?? 0;
  }

  feed(chunk: Buffer): boolean {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let o = 0;
    while (buf.length - o >= 4) {
      const length = buf.readUInt32BE(o);
      if (length < 16 || length > this.maxLength) return false;
      if (buf.length - o < length) break;
      this.onPdu(buf.subarray(o, o + length));
      o += length;
    }
    if (o < buf.length) this.pending = Buffer.from(buf.subarray(o));
    return true;
  }
}
