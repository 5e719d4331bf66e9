import type { MessageStatus } from '@smsgw/shared/util-proto';
import { normaliseStat, statFromMessageState, statusForStat, type ReceiptStat, type StatWords } from './receipt-stat';
import { parseReceiptText, type ReceiptText } from './receipt-text';
import { normaliseSmscId, type ReceiptIdFormat } from './smsc-id';

/** The parts of an sms.v1.RawReceipt a receipt is read from. */
export interface RawReceiptFields {
  carrierId: string;
  smscMessageId: string;
  shortMessage: string;
  receiptedMessageId: string;
  /** TLV message_state, 0 when absent. */
  messageState: number;
  /** TLV network_error_code (network type + 2-byte code), empty when absent. */
  networkErrorCode?: Uint8Array;
  receivedAtMs: number;
}

/** A receipt, understood. */
export interface DeliveryReceipt {
  carrierId: string;
  /** The SMSC message id in canonical form (see normaliseSmscId), ready to match a submit. */
  smscMessageId: string;
  stat: ReceiptStat;
  /** The segment status the stat means; undefined for intermediate stats (ENROUTE, ACCEPTD, UNKNOWN). */
  status: MessageStatus | undefined;
  /** err: from the text, else the TLV network_error_code as "type:code"; "" when neither. */
  err: string;
  /** The carrier's done date, when given. */
  doneAtMs?: number;
  receivedAtMs: number;
  text: ReceiptText;
}

/**
 * A receipt that cannot be matched or understood; `code` is stable, the message says why.
 * DLR.UNKNOWN_STAT: a stat word neither SMPP 3.4 nor the carrier's receiptStats map names.
 */
export class ReceiptError extends Error {
  constructor(
    readonly code: 'DLR.NO_MESSAGE_ID' | 'DLR.NO_STAT' | 'DLR.UNKNOWN_STAT',
    message: string,
    /** The SMSC id it carries (normalised), '' when none. */
    readonly smscMessageId = '',
    /** The stat word as received, '' when none. */
    readonly statWord = '',
  ) {
    super(message);
    this.name = 'ReceiptError';
  }
}

/**
 * Reads a raw receipt. The TLV message_state wins over the text's stat when present. The id comes
 * from TLV receipted_message_id when present — it echoes submit_sm_resp, so it is normalised as a
 * submit-side id — else from the connector's smsc_message_id or the text's id:, normalised as a
 * receipt-side id (where carriers with mixed hex/decimal formats differ).
 */
export function parseReceipt(raw: RawReceiptFields, idFormat: ReceiptIdFormat = 'same', statWords?: StatWords): DeliveryReceipt {
  const text = parseReceiptText(raw.shortMessage ?? '');
  const tlvId = raw.receiptedMessageId?.trim();
  const textId = raw.smscMessageId?.trim() || text.id;
  const smscMessageId = tlvId ? normaliseSmscId(tlvId, 'submit', idFormat) : textId ? normaliseSmscId(textId, 'receipt', idFormat) : '';
  if (!smscMessageId) {
    throw new ReceiptError('DLR.NO_MESSAGE_ID', `receipt from carrier ${raw.carrierId} has no SMSC message id (no receipted_message_id TLV and no id: in its text)`);
  }
  const stat = statFromMessageState(raw.messageState) ?? normaliseStat(text.stat, statWords);
  if (!stat) {
    const word = (text.stat ?? '').slice(0, 32);
    if (word) {
      throw new ReceiptError(
        'DLR.UNKNOWN_STAT',
        `receipt ${smscMessageId} from carrier ${raw.carrierId} has stat "${word}", which is not an SMPP 3.4 stat word nor in the carrier's receiptStats (map it in the carriers file)`,
        smscMessageId,
        word,
      );
    }
    throw new ReceiptError('DLR.NO_STAT', `receipt ${smscMessageId} from carrier ${raw.carrierId} has no stat (no message_state TLV, no stat: in its text)`, smscMessageId);
  }
  const receipt: DeliveryReceipt = {
    carrierId: raw.carrierId,
    smscMessageId,
    stat,
    status: statusForStat(stat),
    err: text.err ?? networkError(raw.networkErrorCode),
    receivedAtMs: raw.receivedAtMs,
    text,
  };
  if (text.doneDateMs !== undefined) receipt.doneAtMs = text.doneDateMs;
  return receipt;
}

function networkError(code: Uint8Array | undefined): string {
  if (!code || code.length < 3) return '';
  return `${code[0]}:${(code[1] << 8) | code[2]}`;
}
