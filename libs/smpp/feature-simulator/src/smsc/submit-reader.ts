// The simulator's own reader of submit_sm and data_sm, kept apart from the gateway's wire library
// on purpose: it is the SMSC's side of the wire, so a mistake in the gateway's writer shows up as a
// refused or misread submit here instead of being mirrored by the same code (submit-reader.spec.ts
// holds the contract: what @smsgw/smpp/util-wire writes, this reads). It reads in place, fields as
// byte ranges of the PDU (fingerprints and receipt text need no copies), about a microsecond a PDU.
// Layouts: SMPP 3.4 §4.4, §4.7; SMPP 5.0 §4.2. Offsets are into the whole PDU (header included).
import { decode } from '@smsgw/gsm/util-encoding';
import { CommandId, EsmClass, PDU_HEADER_LENGTH, TLV, commandIdOf, sequenceOf } from '@smsgw/smpp/util-wire';

/** A submit_sm or data_sm read in place: addresses decoded, content as byte ranges of the PDU. */
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

/** Reads a whole submit_sm or data_sm PDU; undefined when malformed (the caller answers ESME_RSYSERR/RINVMSGLEN). */
export function readSubmit(pdu: Buffer): SubmitView | undefined {
  if (pdu.length < PDU_HEADER_LENGTH) return undefined;
  const commandId = commandIdOf(pdu);
  if (commandId !== CommandId.submit_sm && commandId !== CommandId.data_sm) return undefined;
  let o = skipCString(pdu, PDU_HEADER_LENGTH); // service_type
  if (o < 0 || o + 2 > pdu.length) return undefined;
  const srcTon = pdu[o];
  const srcNpi = pdu[o + 1];
  const srcStart = o + 2;
  o = skipCString(pdu, srcStart);
  if (o < 0 || o + 2 > pdu.length) return undefined;
  const srcEnd = o - 1;
  const dstTon = pdu[o];
  const dstNpi = pdu[o + 1];
  const dstStart = o + 2;
  o = skipCString(pdu, dstStart);
  if (o < 0) return undefined;
  const dstEnd = o - 1;
  let esmClass: number;
  let registeredDelivery: number;
  let dataCoding: number;
  let contentStart = 0;
  let contentEnd = 0;
  if (commandId === CommandId.submit_sm) {
    if (o + 3 > pdu.length) return undefined;
    esmClass = pdu[o];
    o = skipCString(pdu, o + 3); // after protocol_id, priority_flag: schedule_delivery_time
    if (o < 0) return undefined;
    o = skipCString(pdu, o); // validity_period
    if (o < 0 || o + 5 > pdu.length) return undefined;
    registeredDelivery = pdu[o];
    dataCoding = pdu[o + 2];
    const smLength = pdu[o + 4];
    o += 5;
    if (o + smLength > pdu.length) return undefined;
    contentStart = o;
    contentEnd = o + smLength;
    o += smLength;
  } else {
    if (o + 3 > pdu.length) return undefined;
    esmClass = pdu[o];
    registeredDelivery = pdu[o + 1];
    dataCoding = pdu[o + 2];
    o += 3;
  }
  let sar = 0;
  while (o + 4 <= pdu.length) {
    const tag = (pdu[o] << 8) | pdu[o + 1];
    const len = (pdu[o + 2] << 8) | pdu[o + 3];
    o += 4;
    if (o + len > pdu.length) return undefined;
    if (tag === TLV.MESSAGE_PAYLOAD && contentEnd === contentStart) {
      contentStart = o;
      contentEnd = o + len;
    } else if (tag === TLV.SAR_MSG_REF_NUM || tag === TLV.SAR_TOTAL_SEGMENTS || tag === TLV.SAR_SEGMENT_SEQNUM) {
      for (let i = o; i < o + len; i++) sar = (Math.imul(sar, 31) + pdu[i] + tag) >>> 0;
    }
    o += len;
  }
  return {
    commandId,
    sequence: sequenceOf(pdu),
    srcTon,
    srcNpi,
    src: pdu.toString('latin1', srcStart, srcEnd),
    srcStart,
    srcEnd,
    dstTon,
    dstNpi,
    dst: pdu.toString('latin1', dstStart, dstEnd),
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

/**
 * The first `maxChars` characters of the submitted text (UDH skipped), for the receipt's text field.
 * data_coding 1 is read as IA5 (ASCII), as SMPP 3.4 defines it, not as GSM.
 */
export function submittedText(pdu: Buffer, v: SubmitView, maxChars = 20): string {
  let start = v.contentStart;
  const end = v.contentEnd;
  if (v.esmClass & EsmClass.UDHI && end > start) start += 1 + pdu[start];
  if (start >= end) return '';
  const dc = v.dataCoding;
  // Two octets are the most one character takes (UCS-2, or a GSM escape pair): decode no more.
  const content = pdu.subarray(start, Math.min(end, start + maxChars * 2));
  if (dc === 0x08) return decode(content, { dataCoding: 0x08 }).text.slice(0, maxChars);
  if (dc === 0x00 || (dc & 0xf4) === 0xf0) return decode(content, { dataCoding: 0x00 }).text.slice(0, maxChars);
  if (dc === 0x01 || dc === 0x03) return content.toString('latin1', 0, Math.min(content.length, maxChars));
  return ''; // binary and other codings: nothing readable to quote
}

/** Offset just past the NUL of the C-octet string at `o`, or -1. */
function skipCString(b: Uint8Array, o: number): number {
  for (let i = o; i < b.length; i++) if (b[i] === 0) return i + 1;
  return -1;
}
