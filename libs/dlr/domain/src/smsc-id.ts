/**
 * How a carrier writes its SMSC message ids in receipts compared to submit_sm_resp (the Kannel
 * "msg-id-type" problem): `same`, or hex in submit_sm_resp and decimal in receipts
 * (`hex-to-decimal`), or the other way round (`decimal-to-hex`).
 */
export const RECEIPT_ID_FORMATS = ['same', 'hex-to-decimal', 'decimal-to-hex'] as const;
export type ReceiptIdFormat = (typeof RECEIPT_ID_FORMATS)[number];

/** Where an id was read: the submit_sm_resp (and TLV receipted_message_id, which echoes it) or a receipt's text. */
export type SmscIdSide = 'submit' | 'receipt';

const HEX = /^[0-9a-f]+$/;
const DECIMAL = /^[0-9]+$/;

/**
 * The canonical form both sides are matched on: trimmed, lower-case, leading zeros stripped, and
 * for carriers with mixed formats the hex side converted to decimal (so "0A1B" and "2587" meet).
 * An id that does not parse in the expected base is kept as it is (still trimmed and stripped),
 * so a carrier that misbehaves only loses its own matches.
 */
export function normaliseSmscId(id: string, side: SmscIdSide, format: ReceiptIdFormat = 'same'): string {
  const plain = id.trim().toLowerCase();
  const hexSide = (format === 'hex-to-decimal' && side === 'submit') || (format === 'decimal-to-hex' && side === 'receipt');
  if (hexSide && HEX.test(plain)) return BigInt('0x' + plain).toString(10);
  if (format !== 'same' && !hexSide && DECIMAL.test(plain)) return BigInt(plain).toString(10);
  return stripLeadingZeros(plain);
}

function stripLeadingZeros(id: string): string {
  // White space behind the zeros goes too: "0 !" would otherwise become " !" here, and "!" when
  // normalised a second time.
  const stripped = id.replace(/^[0\s]+/, '');
  return stripped === '' && id !== '' ? '0' : stripped;
}

export function isReceiptIdFormat(value: unknown): value is ReceiptIdFormat {
  return typeof value === 'string' && (RECEIPT_ID_FORMATS as readonly string[]).includes(value);
}
