import { TLV, messageContent, tlvInt, tlvString, type IncomingMessagePdu } from '@smsgw/smpp/util-wire';

/** esm_class message type bits (2–5) of a deliver_sm. */
const ESM_TYPE_MASK = 0x3c;
const ESM_MC_DELIVERY_RECEIPT = 0x04;
const ESM_INTERMEDIATE_NOTIFICATION = 0x20;

/**
 * Whether a deliver_sm/data_sm is a delivery receipt rather than a mobile-originated message:
 * esm_class says so (MC delivery receipt or intermediate notification), or the SMSC put the
 * receipt TLVs (receipted_message_id, message_state) on it, as some do with esm_class 0.
 */
export function isDeliveryReceipt(pdu: Pick<IncomingMessagePdu, 'esmClass' | 'tlvs'>): boolean {
  const type = pdu.esmClass & ESM_TYPE_MASK;
  if ((pdu.esmClass & ESM_MC_DELIVERY_RECEIPT) !== 0 || type === ESM_INTERMEDIATE_NOTIFICATION) return true;
  return pdu.tlvs.has(TLV.RECEIPTED_MESSAGE_ID) || pdu.tlvs.has(TLV.MESSAGE_STATE);
}

const ID_FIELD = /(?:^|[\s,;])id:\s*([^\s,;]+)/i;

/** The `id:` field of a receipt text ("id:1234 sub:001 dlvrd:001 … stat:DELIVRD err:000 text:…"). */
export function receiptIdFromText(text: string): string | undefined {
  const m = ID_FIELD.exec(text);
  return m ? m[1] : undefined;
}

export interface ReceiptFields {
  /** The SMSC message id the receipt refers to: TLV receipted_message_id, else the text's `id:`. */
  smscMessageId: string | undefined;
  receiptedMessageId: string | undefined;
  messageState: number | undefined;
  networkErrorCode: Uint8Array | undefined;
  /** The receipt text (short_message or message_payload), read as ASCII/Latin-1. */
  text: string;
}

/** Reads what the connector forwards about a receipt; interpretation (stat, err, matching) is the dlr-processor's. */
export function readReceipt(pdu: IncomingMessagePdu): ReceiptFields {
  const content = messageContent(pdu);
  const text = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('latin1');
  const receiptedMessageId = tlvString(pdu.tlvs, TLV.RECEIPTED_MESSAGE_ID)?.trim() || undefined;
  return {
    smscMessageId: receiptedMessageId ?? receiptIdFromText(text),
    receiptedMessageId,
    messageState: tlvInt(pdu.tlvs, TLV.MESSAGE_STATE),
    networkErrorCode: pdu.tlvs.get(TLV.NETWORK_ERROR_CODE),
    text,
  };
}

/** The sms.dlr.raw.v1 key: receipts of one SMSC message stay in one partition, in order. */
export function receiptKey(carrierId: string, smscMessageId: string | undefined): string {
  return `${carrierId}/${smscMessageId ?? ''}`;
}
