// Hand-written SMPP codec for the PDUs on the simulator's hot path: submit_sm and data_sm in,
// their responses out, deliver_sm out, deliver_sm_resp / generic_nack in, enquire_link.
// node-smpp's generic codec costs 8–60 µs per PDU (for…in over every PDU, a RegExp and Object.keys
// per GSM conversion); these take about a microsecond. Everything else (binds, unbind, unknown
// commands) still goes through node-smpp. Layouts: SMPP 3.4 §4.4–4.7, SMPP 5.0 §4.2–4.8.
// `body` is a PDU's bytes after command_length: command_id at offset 0, sequence_number at 8.
import { decodeGsm } from '../gsm/gsm-alphabet';

export const CMD = {
  GENERIC_NACK: 0x80000000,
  SUBMIT_SM: 0x00000004,
  SUBMIT_SM_RESP: 0x80000004,
  DELIVER_SM: 0x00000005,
  DELIVER_SM_RESP: 0x80000005,
  ENQUIRE_LINK: 0x00000015,
  ENQUIRE_LINK_RESP: 0x80000015,
  DATA_SM: 0x00000103,
  DATA_SM_RESP: 0x80000103,
} as const;

export const TLV = {
  RECEIPTED_MESSAGE_ID: 0x001e,
  SAR_MSG_REF_NUM: 0x020c,
  SAR_TOTAL_SEGMENTS: 0x020e,
  SAR_SEGMENT_SEQNUM: 0x020f,
  MESSAGE_PAYLOAD: 0x0424,
  MESSAGE_STATE: 0x0427,
} as const;

const ESM_UDHI = 0x40;

/** A submit_sm or data_sm read in place: addresses decoded, content as byte ranges of `body`. */
export interface SubmitView {
  commandId: number;
  sequence: number;
  srcTon: number;
  srcNpi: number;
  src: string;
  srcStart: number;
  srcEnd: number;
  dstTon: number;
  dstNpi: number;
  dst: string;
  dstStart: number;
  dstEnd: number;
  esmClass: number;
  registeredDelivery: number;
  dataCoding: number;
  /** short_message, or message_payload when short_message is empty. */
  contentStart: number;
  contentEnd: number;
  /** SAR TLV bytes folded into one number (0 when absent): parts numbered without a UDH. */
  sar: number;
}

export function commandIdOf(body: Uint8Array): number {
  return ((body[0] << 24) | (body[1] << 16) | (body[2] << 8) | body[3]) >>> 0;
}

export function sequenceOf(body: Uint8Array): number {
  return ((body[8] << 24) | (body[9] << 16) | (body[10] << 8) | body[11]) >>> 0;
}

export function statusOf(body: Uint8Array): number {
  return ((body[4] << 24) | (body[5] << 16) | (body[6] << 8) | body[7]) >>> 0;
}

/** Reads a submit_sm or data_sm; undefined when malformed (the caller answers ESME_RSYSERR/RINVMSGLEN). */
export function readSubmit(body: Buffer): SubmitView | undefined {
  const commandId = commandIdOf(body);
  if ((commandId !== CMD.SUBMIT_SM && commandId !== CMD.DATA_SM) || body.length < 12) return undefined;
  let o = skipCString(body, 12); // service_type
  if (o < 0 || o + 2 > body.length) return undefined;
  const srcTon = body[o];
  const srcNpi = body[o + 1];
  const srcStart = o + 2;
  o = skipCString(body, srcStart);
  if (o < 0 || o + 2 > body.length) return undefined;
  const srcEnd = o - 1;
  const dstTon = body[o];
  const dstNpi = body[o + 1];
  const dstStart = o + 2;
  o = skipCString(body, dstStart);
  if (o < 0) return undefined;
  const dstEnd = o - 1;
  let esmClass: number;
  let registeredDelivery: number;
  let dataCoding: number;
  let contentStart = 0;
  let contentEnd = 0;
  if (commandId === CMD.SUBMIT_SM) {
    if (o + 3 > body.length) return undefined;
    esmClass = body[o];
    o = skipCString(body, o + 3); // after protocol_id, priority_flag: schedule_delivery_time
    if (o < 0) return undefined;
    o = skipCString(body, o); // validity_period
    if (o < 0 || o + 5 > body.length) return undefined;
    registeredDelivery = body[o];
    dataCoding = body[o + 2];
    const smLength = body[o + 4];
    o += 5;
    if (o + smLength > body.length) return undefined;
    contentStart = o;
    contentEnd = o + smLength;
    o += smLength;
  } else {
    if (o + 3 > body.length) return undefined;
    esmClass = body[o];
    registeredDelivery = body[o + 1];
    dataCoding = body[o + 2];
    o += 3;
  }
  let sar = 0;
  while (o + 4 <= body.length) {
    const tag = (body[o] << 8) | body[o + 1];
    const len = (body[o + 2] << 8) | body[o + 3];
    o += 4;
    if (o + len > body.length) return undefined;
    if (tag === TLV.MESSAGE_PAYLOAD && contentEnd === contentStart) {
      contentStart = o;
      contentEnd = o + len;
    } else if (tag === TLV.SAR_MSG_REF_NUM || tag === TLV.SAR_TOTAL_SEGMENTS || tag === TLV.SAR_SEGMENT_SEQNUM) {
      for (let i = o; i < o + len; i++) sar = (Math.imul(sar, 31) + body[i] + tag) >>> 0;
    }
    o += len;
  }
  return {
    commandId,
    sequence: sequenceOf(body),
    srcTon,
    srcNpi,
    src: body.toString('latin1', srcStart, srcEnd),
    srcStart,
    srcEnd,
    dstTon,
    dstNpi,
    dst: body.toString('latin1', dstStart, dstEnd),
    dstStart,
    dstEnd,
    esmClass,
    registeredDelivery,
    dataCoding,
    contentStart,
    contentEnd,
    sar,
  };
}

/** The first `maxChars` characters of the submitted text (UDH skipped), for the receipt's text field. */
export function submittedText(body: Buffer, v: SubmitView, maxChars = 20): string {
  let start = v.contentStart;
  const end = v.contentEnd;
  if (v.esmClass & ESM_UDHI && end > start) start += 1 + body[start];
  if (start >= end) return '';
  const dc = v.dataCoding;
  if (dc === 0x08) {
    const stop = Math.min(end, start + maxChars * 2);
    let out = '';
    for (let i = start; i + 1 < stop; i += 2) out += String.fromCharCode((body[i] << 8) | body[i + 1]);
    return out;
  }
  if (dc === 0x00 || (dc & 0xf4) === 0xf0) return decodeGsm(body, start, end, maxChars);
  if (dc === 0x01 || dc === 0x03) return body.toString('latin1', start, Math.min(end, start + maxChars));
  return ''; // binary and other codings: nothing readable to quote
}

/** A response with only a header (status ≠ 0, enquire_link_resp, generic_nack). */
export function encodeHeaderOnly(commandId: number, status: number, sequence: number): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeUInt32BE(16, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(status, 8);
  b.writeUInt32BE(sequence, 12);
  return b;
}

/** submit_sm_resp / data_sm_resp with a message_id (ASCII). */
export function encodeSubmitResp(commandId: number, sequence: number, messageId: string): Buffer {
  const length = 16 + messageId.length + 1;
  const b = Buffer.allocUnsafe(length);
  b.writeUInt32BE(length, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(sequence, 12);
  b.write(messageId, 16, 'latin1');
  b[length - 1] = 0;
  return b;
}

export interface DeliverSmFields {
  srcTon: number;
  srcNpi: number;
  src: string;
  dstTon: number;
  dstNpi: number;
  dst: string;
  esmClass: number;
  dataCoding: number;
  /** At most 254 bytes (UDH included). */
  shortMessage: Buffer;
  receiptedMessageId?: string;
  messageState?: number;
}

export function encodeDeliverSm(sequence: number, f: DeliverSmFields): Buffer {
  const smLength = f.shortMessage.length;
  if (smLength > 254) throw new RangeError(`short_message of ${smLength} bytes exceeds 254`);
  let length = 16 + 1 + 2 + f.src.length + 1 + 2 + f.dst.length + 1 + 3 + 1 + 1 + 5 + smLength;
  if (f.receiptedMessageId !== undefined) length += 4 + f.receiptedMessageId.length + 1;
  if (f.messageState !== undefined) length += 5;
  const b = Buffer.allocUnsafe(length);
  b.writeUInt32BE(length, 0);
  b.writeUInt32BE(CMD.DELIVER_SM, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(sequence, 12);
  let o = 16;
  b[o++] = 0; // service_type
  b[o++] = f.srcTon;
  b[o++] = f.srcNpi;
  o += b.write(f.src, o, 'latin1');
  b[o++] = 0;
  b[o++] = f.dstTon;
  b[o++] = f.dstNpi;
  o += b.write(f.dst, o, 'latin1');
  b[o++] = 0;
  b[o++] = f.esmClass;
  b[o++] = 0; // protocol_id
  b[o++] = 0; // priority_flag
  b[o++] = 0; // schedule_delivery_time
  b[o++] = 0; // validity_period
  b[o++] = 0; // registered_delivery
  b[o++] = 0; // replace_if_present_flag
  b[o++] = f.dataCoding;
  b[o++] = 0; // sm_default_msg_id
  b[o++] = smLength;
  o += f.shortMessage.copy(b, o);
  if (f.receiptedMessageId !== undefined) {
    b.writeUInt16BE(TLV.RECEIPTED_MESSAGE_ID, o);
    b.writeUInt16BE(f.receiptedMessageId.length + 1, o + 2);
    o += 4;
    o += b.write(f.receiptedMessageId, o, 'latin1');
    b[o++] = 0;
  }
  if (f.messageState !== undefined) {
    b.writeUInt16BE(TLV.MESSAGE_STATE, o);
    b.writeUInt16BE(1, o + 2);
    b[o + 4] = f.messageState;
    o += 5;
  }
  return b;
}

/** Offset just past the NUL of the C-octet string at `o`, or -1. */
function skipCString(b: Uint8Array, o: number): number {
  for (let i = o; i < b.length; i++) if (b[i] === 0) return i + 1;
  return -1;
}
