import { MessageStatus } from '@smsgw/shared/util-proto';

// Statuses only move forward. Every final status shares the top rank, so a final never changes:
// the status store guards its updates with "WHERE status_rank < $new".
export const FINAL_RANK = 5;

const RANKS: Partial<Record<MessageStatus, number>> = {
  [MessageStatus.UNSPECIFIED]: 0,
  [MessageStatus.SCHEDULED]: 1,
  [MessageStatus.HELD]: 1,
  [MessageStatus.ACCEPTED]: 2,
  [MessageStatus.ROUTED]: 3,
  [MessageStatus.SUBMITTED]: 4,
  [MessageStatus.DELIVERED]: FINAL_RANK,
  [MessageStatus.UNDELIVERED]: FINAL_RANK,
  [MessageStatus.EXPIRED]: FINAL_RANK,
  [MessageStatus.REJECTED]: FINAL_RANK,
  [MessageStatus.FAILED]: FINAL_RANK,
  [MessageStatus.CANCELED]: FINAL_RANK,
};

/** The forward order of statuses: SCHEDULED or HELD 1 < ACCEPTED 2 < ROUTED 3 < SUBMITTED 4 < every final 5. */
export function statusRank(status: MessageStatus): number {
  return RANKS[status] ?? 0;
}

export function isFinal(status: MessageStatus): boolean {
  return statusRank(status) === FINAL_RANK;
}

// Among final statuses, how bad each is for the sender: a multi-part message names its worst part.
// EXPIRED is the mildest failure (the carrier may simply have been slow); FAILED is ours and worst.
const SEVERITY: Partial<Record<MessageStatus, number>> = {
  [MessageStatus.DELIVERED]: 0,
  [MessageStatus.EXPIRED]: 1,
  [MessageStatus.UNDELIVERED]: 2,
  [MessageStatus.REJECTED]: 3,
  [MessageStatus.CANCELED]: 4,
  [MessageStatus.FAILED]: 5,
};

/** Orders final statuses from best (DELIVERED) to worst (FAILED). */
export function severity(status: MessageStatus): number {
  return SEVERITY[status] ?? 0;
}

/** The short upper-case name used in metric labels and logs ("DELIVERED"). */
export function statusName(status: MessageStatus): string {
  return MessageStatus[status] ?? 'UNSPECIFIED';
}
