import { MessageStatus } from '@smsgw/shared/util-proto';
import { RECEIPT_STATS, isReceiptStat, type ReceiptStat } from '@smsgw/smpp/util-wire';

export { RECEIPT_STATS, isReceiptStat, type ReceiptStat };

// Spellings carriers send besides the canonical 7-letter words (compared upper case, without
// spaces, dashes or underscores): long forms, truncations and the typos seen in the field.
const ALIASES: Record<string, ReceiptStat> = {
  DELIVRD: 'DELIVRD',
  DELIVERED: 'DELIVRD',
  DELIVRED: 'DELIVRD',
  DELIVER: 'DELIVRD',
  DELIVR: 'DELIVRD',
  DLVRD: 'DELIVRD',
  EXPIRED: 'EXPIRED',
  EXPIRD: 'EXPIRED',
  EXPIRE: 'EXPIRED',
  DELETED: 'DELETED',
  DELETD: 'DELETED',
  UNDELIV: 'UNDELIV',
  UNDELIVERED: 'UNDELIV',
  UNDELIVERABLE: 'UNDELIV',
  UNDELIVRD: 'UNDELIV',
  UNDELV: 'UNDELIV',
  UNDELIVR: 'UNDELIV',
  ACCEPTD: 'ACCEPTD',
  ACCEPTED: 'ACCEPTD',
  ACKED: 'ACCEPTD',
  UNKNOWN: 'UNKNOWN',
  UNKNWN: 'UNKNOWN',
  REJECTD: 'REJECTD',
  REJECTED: 'REJECTD',
  REJECT: 'REJECTD',
  ENROUTE: 'ENROUTE',
  ENROUTED: 'ENROUTE',
  BUFFERED: 'ENROUTE',
  BUFFRED: 'ENROUTE',
};

/** A stat word as it is compared: upper case, no spaces, dashes or underscores ("en-route" → "ENROUTE"). */
export function statWordKey(raw: string): string {
  return raw.trim().toUpperCase().replace(/[\s_-]+/g, '');
}

/** A carrier's own stat words (carriers file `receiptStats`), by statWordKey, over the built-in spellings. */
export type StatWords = ReadonlyMap<string, ReceiptStat>;

/** "delivrd", "DELIVERED", "Expird" → the canonical word; the carrier's words first; undefined for a word nobody mapped. */
export function normaliseStat(raw: string | undefined, carrierWords?: StatWords): ReceiptStat | undefined {
  if (!raw) return undefined;
  const key = statWordKey(raw);
  return carrierWords?.get(key) ?? ALIASES[key];
}

// TLV message_state (SMPP 3.4 §5.2.28). 0 means the TLV was absent.
const MESSAGE_STATES: Record<number, ReceiptStat> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

export function statFromMessageState(state: number): ReceiptStat | undefined {
  return MESSAGE_STATES[state];
}

/**
 * The segment status a receipt stat means, or undefined when the stat is not final and changes
 * nothing (ENROUTE, ACCEPTD: still on its way; UNKNOWN: the carrier does not know — keep waiting).
 *
 * DELETED → UNDELIVERED: the SMSC removed the message before delivery (cancel_sm or an operator);
 * the handset never got it, and DELETED is not one of our statuses. The receipt stat is kept as
 * the reason code (DLR.DELETED), so a caller can still tell it from UNDELIV.
 */
export function statusForStat(stat: ReceiptStat): MessageStatus | undefined {
  switch (stat) {
    case 'DELIVRD':
      return MessageStatus.DELIVERED;
    case 'UNDELIV':
    case 'DELETED':
      return MessageStatus.UNDELIVERED;
    case 'EXPIRED':
      return MessageStatus.EXPIRED;
    case 'REJECTD':
      return MessageStatus.REJECTED;
    case 'ACCEPTD':
    case 'ENROUTE':
    case 'UNKNOWN':
      return undefined;
  }
}

/** Stats that end a segment (the status store's correlation rows keep a final stat over a later intermediate one). */
export const FINAL_RECEIPT_STATS: readonly ReceiptStat[] = RECEIPT_STATS.filter((s) => statusForStat(s) !== undefined);

export function isFinalStat(stat: string | undefined): boolean {
  return stat !== undefined && (FINAL_RECEIPT_STATS as readonly string[]).includes(stat);
}
