/** The stat words of an SMPP 3.4 delivery receipt (appendix B), as they appear in short_message. */
export const RECEIPT_STATS = ['DELIVRD', 'EXPIRED', 'DELETED', 'UNDELIV', 'ACCEPTD', 'UNKNOWN', 'REJECTD', 'ENROUTE'] as const;
export type ReceiptStat = (typeof RECEIPT_STATS)[number];

export function isReceiptStat(value: unknown): value is ReceiptStat {
  return typeof value === 'string' && (RECEIPT_STATS as readonly string[]).includes(value);
}
