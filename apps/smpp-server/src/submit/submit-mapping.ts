// Pure decisions of the SMPP server's submit path: what a submit_sm says, what ingest is asked,
// and which command_status an ESME gets for each refusal (README "SMPP server": the table).
import { decode, reassemble, type DecodedSegment } from '@smsgw/gsm/util-encoding';
import type { ConcatPart } from '@smsgw/smpp/domain';
import { CommandStatus, EsmClass, TLV, messageContent, tlvInt, type IncomingMessagePdu } from '@smsgw/smpp/util-wire';
import type { SendRequest } from '@smsgw/shared/util-proto';

const TON_NATIONAL = 2;

/** A submit_sm refused before ingest sees it, with the status to answer. */
export class SubmitRefusal extends Error {
  constructor(
    readonly commandStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'SubmitRefusal';
  }
}

/** One submit_sm as the reassembly keeps it. */
export interface SubmitPart extends ConcatPart {
  accountId: string;
  systemId: string;
  registeredDelivery: number;
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destinationAddr: string;
}

/**
 * An address as ingest reads it: international (TON 1) and unknown (TON 0) numbers get the "+"
 * E.164 wants (ESMEs such as Kannel strip it and set TON 1); national numbers (TON 2) stay as
 * given, read in ingest's default region; alphanumeric senders (TON 5) as they are.
 */
export function gatewayNumber(addr: string, ton: number): string {
  const a = addr.trim();
  if (ton === TON_NATIONAL || a.startsWith('+') || !/^[0-9]{4,20}$/.test(a)) return a;
  return `+${a}`;
}

/** Reads a submit_sm into a part (text decoded by its data_coding); throws SubmitRefusal. */
export function readSubmitPart(pdu: IncomingMessagePdu, accountId: string, systemId: string): SubmitPart {
  if (pdu.destinationAddr === '') throw new SubmitRefusal(CommandStatus.ESME_RINVDSTADR, 'destination_addr is empty');
  const content = messageContent(pdu);
  const sarTotal = tlvInt(pdu.tlvs, TLV.SAR_TOTAL_SEGMENTS);
  const sar = sarTotal !== undefined ? { msgRefNum: tlvInt(pdu.tlvs, TLV.SAR_MSG_REF_NUM) ?? 0, totalSegments: sarTotal, segmentSeqnum: tlvInt(pdu.tlvs, TLV.SAR_SEGMENT_SEQNUM) ?? 1 } : undefined;
  let decoded: DecodedSegment;
  try {
    decoded = decode(content, { dataCoding: pdu.dataCoding, udhi: (pdu.esmClass & EsmClass.UDHI) !== 0, sar });
  } catch (err) {
    throw new SubmitRefusal(CommandStatus.ESME_RINVDCS, `data_coding 0x${pdu.dataCoding.toString(16)}: ${(err as Error).message}`);
  }
  return {
    decoded,
    from: pdu.sourceAddr,
    to: pdu.destinationAddr,
    accountId,
    systemId,
    registeredDelivery: pdu.registeredDelivery,
    sourceAddr: pdu.sourceAddr,
    sourceTon: pdu.sourceAddrTon,
    sourceNpi: pdu.sourceAddrNpi,
    destinationAddr: pdu.destinationAddr,
  };
}

/** The message of reassembled parts as SendRequest; throws SubmitRefusal when parts are missing. */
export function toSendRequest(parts: readonly SubmitPart[], complete: boolean): SendRequest {
  if (!complete) {
    const total = parts[0].decoded.concat?.total ?? 1;
    throw new SubmitRefusal(CommandStatus.ESME_RSUBMITFAIL, `only ${parts.length} of ${total} parts of a concatenated message arrived in time`);
  }
  const first = parts[0];
  return {
    to: gatewayNumber(first.destinationAddr, 0),
    from: gatewayNumber(first.sourceAddr, first.sourceTon),
    text: reassemble(parts.map((p) => p.decoded)),
    clientReference: '',
    idempotencyKey: '',
    sendAtMs: 0,
    validitySeconds: 0,
    callbackUrl: '',
    metadata: {},
    smartEncoding: false,
  } as SendRequest;
}

/** The command_status for a refusal code of ingest (SendError.code). */
export function commandStatusOfRefusal(code: string): number {
  switch (code) {
    case 'RATE.LIMITED':
      return CommandStatus.ESME_RTHROTTLED;
    case 'VALIDATION.INVALID_DESTINATION':
    case 'VALIDATION.DESTINATION_NOT_MOBILE':
    case 'POLICY.COUNTRY_NOT_ALLOWED':
    case 'POLICY.NUMBER_TYPE_BLOCKED':
      return CommandStatus.ESME_RINVDSTADR;
    case 'VALIDATION.INVALID_SENDER':
    case 'POLICY.SENDER_NOT_ALLOWED':
      return CommandStatus.ESME_RINVSRCADR;
    case 'VALIDATION.EMPTY_TEXT':
    case 'VALIDATION.TEXT_TOO_LONG':
    case 'VALIDATION.INVALID_TEXT':
      return CommandStatus.ESME_RINVMSGLEN;
    case 'VALIDATION.VALIDITY_TOO_LONG':
      return CommandStatus.ESME_RINVEXPIRY;
    case 'SERVICE.UNAVAILABLE':
      return CommandStatus.ESME_RMSGQFUL;
    default:
      // POLICY.OPTED_OUT, RATE.PUMPING_SUSPECTED and anything new: refused, not worth a retry.
      return CommandStatus.ESME_RSUBMITFAIL;
  }
}
