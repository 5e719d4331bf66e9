// SMSC message ids. Every id is a number from one increasing, clock-anchored sequence, rendered in
// a format: carriers differ (decimal, hex, uuid), and some answer submit_sm_resp in one format and
// write the receipt in another (hex vs decimal) — the same number, so a gateway can convert.

export const MESSAGE_ID_FORMATS = ['decimal', 'hex', 'uuid'] as const;
export type MessageIdFormat = (typeof MESSAGE_ID_FORMATS)[number];
/**
 * How the simulated SMSC writes ids in its receipts ('same' = the submit_sm_resp id verbatim). Not
 * the carriers file's receiptIdFormat, which says how to convert a carrier's receipt ids back.
 */
export type ReceiptIdRendering = MessageIdFormat | 'same';

/**
 * Ids start at epoch-ms × 100 and then count up, so a restarted simulator does not reuse ids a
 * gateway may still be waiting on (unless it issued more than 100 ids per ms on average). Below 2^48
 * until 2059, so a uuid's last 12 hex digits hold it.
 */
export class MessageIdSequence {
  private last = 0;
  constructor(private readonly now: () => number = Date.now) {}

  next(): number {
    const anchor = this.now() * 100;
    this.last = this.last < anchor ? anchor : this.last + 1;
    return this.last;
  }
}

/** One process-wide sequence: several in-process simulators never share an id. */
export const processMessageIds = new MessageIdSequence();

export function formatMessageId(n: number, format: MessageIdFormat, uuidPrefix = DEFAULT_UUID_PREFIX): string {
  switch (format) {
    case 'decimal':
      return String(n);
    case 'hex':
      return n.toString(16);
    case 'uuid':
      return uuidPrefix + n.toString(16).padStart(12, '0');
  }
}

export function receiptIdOf(n: number, submitFormat: MessageIdFormat, receiptFormat: ReceiptIdRendering, uuidPrefix?: string): string {
  return formatMessageId(n, receiptFormat === 'same' ? submitFormat : receiptFormat, uuidPrefix);
}

/** "xxxxxxxx-xxxx-4xxx-8xxx-" from 15 random hex digits: a v4-shaped uuid whose last group is the id. */
export function uuidPrefixFrom(random: () => number): string {
  let hex = '';
  for (let i = 0; i < 15; i++) hex += Math.floor(random() * 16).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-8000-`;
}

const DEFAULT_UUID_PREFIX = '5a3c9e1f-0b7d-4e2a-8000-';
