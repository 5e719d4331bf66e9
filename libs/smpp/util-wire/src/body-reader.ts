// Reads deliver_sm, data_sm, submit_sm and bind bodies from the raw PDU bytes, so the short_message
// and TLVs reach the receipt and MO logic exactly as the peer sent them (no character-set guessing
// on the way).
import { CommandId } from './command-id';
import { TLV } from './tlv';

export interface IncomingMessagePdu {
  /** submit_sm has deliver_sm's layout (SMPP 3.4 §4.4.1, §4.6.1): the SMPP server reads it here too. */
  command: 'deliver_sm' | 'data_sm' | 'submit_sm';
  sequence: number;
  serviceType: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  destinationAddr: string;
  esmClass: number;
  protocolId: number;
  registeredDelivery: number;
  dataCoding: number;
  /** short_message octets (empty for data_sm, whose content is in message_payload). */
  shortMessage: Uint8Array;
  /** Every TLV by tag, raw. */
  tlvs: Map<number, Uint8Array>;
}

export class PduFormatError extends Error {
  override readonly name = 'PduFormatError';
  readonly code = 'SMPP.MALFORMED_PDU';
}

class Reader {
  offset: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.offset = start;
  }

  u8(field: string): number {
    if (this.offset >= this.end) throw new PduFormatError(`PDU ends before ${field}`);
    return this.bytes[this.offset++];
  }

  cstring(field: string, max: number): string {
    const start = this.offset;
    const limit = Math.min(this.end, start + max);
    let i = start;
    while (i < limit && this.bytes[i] !== 0) i++;
    if (i >= limit) throw new PduFormatError(`${field} is not NUL-terminated within ${max} octets`);
    this.offset = i + 1;
    return latin1(this.bytes, start, i);
  }

  octets(field: string, n: number): Uint8Array {
    if (this.offset + n > this.end) throw new PduFormatError(`${field} runs past the end of the PDU`);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function commandLength(pdu: Uint8Array): number {
  if (pdu.length < 16) throw new PduFormatError(`PDU shorter than its 16-octet header (${pdu.length})`);
  const view = new DataView(pdu.buffer, pdu.byteOffset, pdu.byteLength);
  const length = view.getUint32(0);
  if (length < 16 || length > pdu.length) throw new PduFormatError(`command_length ${length} does not match the ${pdu.length} octets read`);
  return length;
}

/** Parses a whole deliver_sm, data_sm or submit_sm PDU (header included). Throws PduFormatError when malformed. */
export function parseIncomingMessage(pdu: Uint8Array): IncomingMessagePdu {
  const end = commandLength(pdu);
  const view = new DataView(pdu.buffer, pdu.byteOffset, pdu.byteLength);
  const commandId = view.getUint32(4);
  const sequence = view.getUint32(12);
  const r = new Reader(pdu, 16, end);
  let command: IncomingMessagePdu['command'];
  if (commandId === CommandId.deliver_sm) command = 'deliver_sm';
  else if (commandId === CommandId.data_sm) command = 'data_sm';
  else if (commandId === CommandId.submit_sm) command = 'submit_sm';
  else throw new PduFormatError(`command_id 0x${commandId.toString(16)} is not deliver_sm, data_sm or submit_sm`);

  const serviceType = r.cstring('service_type', 6);
  const sourceAddrTon = r.u8('source_addr_ton');
  const sourceAddrNpi = r.u8('source_addr_npi');
  const sourceAddr = r.cstring('source_addr', 65);
  const destAddrTon = r.u8('dest_addr_ton');
  const destAddrNpi = r.u8('dest_addr_npi');
  const destinationAddr = r.cstring('destination_addr', 65);
  const esmClass = r.u8('esm_class');
  let protocolId = 0;
  let registeredDelivery: number;
  let dataCoding: number;
  let shortMessage: Uint8Array = new Uint8Array(0);
  if (command !== 'data_sm') {
    protocolId = r.u8('protocol_id');
    r.u8('priority_flag');
    r.cstring('schedule_delivery_time', 17);
    r.cstring('validity_period', 17);
    registeredDelivery = r.u8('registered_delivery');
    r.u8('replace_if_present_flag');
    dataCoding = r.u8('data_coding');
    r.u8('sm_default_msg_id');
    const smLength = r.u8('sm_length');
    shortMessage = r.octets('short_message', smLength);
  } else {
    registeredDelivery = r.u8('registered_delivery');
    dataCoding = r.u8('data_coding');
  }

  const tlvs = new Map<number, Uint8Array>();
  while (r.offset < end) {
    if (r.offset + 4 > end) throw new PduFormatError(`truncated TLV header at octet ${r.offset}`);
    const tag = view.getUint16(r.offset);
    const length = view.getUint16(r.offset + 2);
    r.offset += 4;
    tlvs.set(tag, r.octets(`TLV 0x${tag.toString(16).padStart(4, '0')}`, length));
  }
  return {
    command,
    sequence,
    serviceType,
    sourceAddrTon,
    sourceAddrNpi,
    sourceAddr,
    destAddrTon,
    destAddrNpi,
    destinationAddr,
    esmClass,
    protocolId,
    registeredDelivery,
    dataCoding,
    shortMessage,
    tlvs,
  };
}

/** A C-octet-string TLV as text (trailing NULs dropped); undefined when absent. */
export function tlvString(tlvs: Map<number, Uint8Array>, tag: number): string | undefined {
  const v = tlvs.get(tag);
  if (!v) return undefined;
  let end = v.length;
  while (end > 0 && v[end - 1] === 0) end--;
  return latin1(v, 0, end);
}

/** A one-octet or two-octet integer TLV; undefined when absent or empty. */
export function tlvInt(tlvs: Map<number, Uint8Array>, tag: number): number | undefined {
  const v = tlvs.get(tag);
  if (!v || v.length === 0) return undefined;
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** The message content: message_payload when present (it wins over short_message), else short_message. */
export function messageContent(pdu: IncomingMessagePdu): Uint8Array {
  return pdu.tlvs.get(TLV.MESSAGE_PAYLOAD) ?? pdu.shortMessage;
}

export interface BindRequest {
  command: 'bind_transmitter' | 'bind_receiver' | 'bind_transceiver';
  sequence: number;
  systemId: string;
  password: string;
  systemType: string;
  interfaceVersion: number;
}

const BIND_COMMANDS = new Map<number, BindRequest['command']>([
  [CommandId.bind_transmitter, 'bind_transmitter'],
  [CommandId.bind_receiver, 'bind_receiver'],
  [CommandId.bind_transceiver, 'bind_transceiver'],
]);

/** Parses a bind_* request (SMPP 3.4 §4.1), for the SMPP server. Throws PduFormatError when malformed. */
export function parseBindRequest(pdu: Uint8Array): BindRequest {
  const end = commandLength(pdu);
  const view = new DataView(pdu.buffer, pdu.byteOffset, pdu.byteLength);
  const command = BIND_COMMANDS.get(view.getUint32(4));
  if (!command) throw new PduFormatError(`command_id 0x${view.getUint32(4).toString(16)} is not a bind`);
  const r = new Reader(pdu, 16, end);
  const systemId = r.cstring('system_id', 16);
  const password = r.cstring('password', 9);
  const systemType = r.cstring('system_type', 13);
  const interfaceVersion = r.u8('interface_version');
  return { command, sequence: view.getUint32(12), systemId, password, systemType, interfaceVersion };
}

/** message_id of a submit_sm_resp / data_sm_resp (the C-string after the header). */
export function readResponseMessageId(pdu: Uint8Array): string {
  let end = 16;
  while (end < pdu.length && pdu[end] !== 0) end++;
  return latin1(pdu, 16, end);
}
