// Pure: the deliver_sm of a pending delivery (a receipt or an MO), and which statuses a receipt is
// asked for. Receipts use the de facto standard text (SMPP 3.4 appendix B) plus the TLVs
// receipted_message_id and message_state, with the id submit_sm_resp gave.
import { encode } from '@smsgw/gsm/util-encoding';
import { MESSAGE_STATE, formatReceiptText, type ReceiptStat } from '@smsgw/smpp/domain';
import { EsmClass, deliverSmFields, type SubmitSm } from '@smsgw/smpp/util-wire';
import { MessageStatus } from '@smsgw/shared/util-proto';

export interface PendingDelivery {
  /** smpp_deliveries.id (bigserial, as text). */
  id: string;
  kind: 'receipt' | 'mo';
  accountId: string;
  messageId: string;
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destinationAddr: string;
  status: number;
  errorCode: string;
  text: string;
  submittedAtMs: number;
  doneAtMs: number;
}

const TON_INTERNATIONAL = 1;
const NPI_ISDN = 1;

const STAT: Partial<Record<MessageStatus, ReceiptStat>> = {
  [MessageStatus.DELIVERED]: 'DELIVRD',
  [MessageStatus.UNDELIVERED]: 'UNDELIV',
  [MessageStatus.EXPIRED]: 'EXPIRED',
  [MessageStatus.REJECTED]: 'REJECTD',
  [MessageStatus.FAILED]: 'UNDELIV',
  [MessageStatus.CANCELED]: 'REJECTD',
};

/** The receipt stat of a final status; undefined for a status that is not final. */
export function receiptStat(status: MessageStatus): ReceiptStat | undefined {
  return STAT[status];
}

/** registered_delivery bits 0–1 (SMPP 3.4 §5.2.17): 1 any final outcome, 2 failures only. */
export function wantsReceipt(registeredDelivery: number, status: MessageStatus): boolean {
  const ask = registeredDelivery & 0x03;
  if (receiptStat(status) === undefined) return false;
  return ask === 1 || (ask === 2 && status !== MessageStatus.DELIVERED);
}

function fields(d: PendingDelivery, esmClass: number, dataCoding: number, shortMessage: Uint8Array, payload?: Uint8Array): SubmitSm {
  const numeric = (a: string) => /^\+?[0-9]+$/.test(a);
  return deliverSmFields({
    sourceTon: numeric(d.sourceAddr) ? TON_INTERNATIONAL : d.sourceTon,
    sourceNpi: numeric(d.sourceAddr) ? NPI_ISDN : d.sourceNpi,
    source: d.sourceAddr.replace(/^\+/, ''),
    destTon: numeric(d.destinationAddr) ? TON_INTERNATIONAL : 5,
    destNpi: numeric(d.destinationAddr) ? NPI_ISDN : 0,
    destination: d.destinationAddr.replace(/^\+/, ''),
    esmClass,
    dataCoding,
    shortMessage,
    messagePayload: payload,
  });
}

/** The deliver_sm fields (and receipt TLVs) of a pending delivery. */
export function deliverSmOf(d: PendingDelivery): { fields: SubmitSm; receipt?: { receipted_message_id: string; message_state: number } } {
  if (d.kind === 'receipt') {
    const stat = receiptStat(d.status as MessageStatus) ?? 'UNDELIV';
    const text = formatReceiptText({ id: d.messageId, stat, err: stat === 'DELIVRD' ? '000' : '001', submitDate: new Date(d.submittedAtMs), doneDate: new Date(d.doneAtMs), text: '' });
    return { fields: fields(d, EsmClass.DELIVERY_RECEIPT, 0, Buffer.from(text, 'latin1')), receipt: { receipted_message_id: d.messageId, message_state: MESSAGE_STATE[stat] } };
  }
  // MO: one deliver_sm; a text longer than one short_message goes whole in message_payload.
  const encoded = encode(d.text, { concatenation: 'payload' });
  const bytes = encoded.segments[0]?.bytes ?? new Uint8Array(0);
  const udh = encoded.segments[0]?.udh ? EsmClass.UDHI : 0;
  return bytes.length <= 254 ? { fields: fields(d, udh, encoded.dataCoding, bytes) } : { fields: fields(d, udh, encoded.dataCoding, new Uint8Array(0), bytes) };
}
