// Moved from the simulator to the domain library: the SMPP server writes the same receipts.
// The delivery receipt as carriers write it in deliver_sm short_message (SMPP 3.4 appendix B, the
// de facto standard every receipt parser reads):
//   id:<id> sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000 text:<first 20 chars>

export const FINAL_STATS = ['DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD'] as const;
export const INTERMEDIATE_STATS = ['ENROUTE', 'ACCEPTD'] as const;
export type FinalStat = (typeof FINAL_STATS)[number];
export type IntermediateStat = (typeof INTERMEDIATE_STATS)[number];
export type ReceiptStat = FinalStat | IntermediateStat;

/** SMPP message_state TLV value for each receipt stat (SMPP 5.0 §4.7.15). */
export const MESSAGE_STATE: Readonly<Record<ReceiptStat, number>> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  UNDELIV: 5,
  ACCEPTD: 6,
  REJECTD: 8,
};

export interface ReceiptTextFields {
  id: string;
  stat: ReceiptStat;
  /** Three digits, e.g. "000". */
  err: string;
  submitDate: Date;
  doneDate: Date;
  /** The submitted text; the receipt carries its first 20 characters. */
  text: string;
  /** Segments submitted / delivered; default 1 and (1 if DELIVRD else 0). */
  sub?: number;
  dlvrd?: number;
}

/** Receipt dates are UTC: YYMMDDhhmm. Cached per minute: every receipt asks for two. */
export function receiptDate(date: Date): string {
  const minute = Math.floor(date.getTime() / 60_000);
  let text = MINUTES.get(minute);
  if (text === undefined) {
    if (MINUTES.size >= 64) MINUTES.clear();
    text = formatMinute(date);
    MINUTES.set(minute, text);
  }
  return text;
}

const MINUTES = new Map<number, string>();

function formatMinute(date: Date): string {
  return (
    pad2(date.getUTCFullYear() % 100) +
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes())
  );
}

export function formatReceiptText(r: ReceiptTextFields): string {
  const sub = r.sub ?? 1;
  const dlvrd = r.dlvrd ?? (r.stat === 'DELIVRD' ? sub : 0);
  return (
    `id:${r.id} sub:${pad3(sub)} dlvrd:${pad3(dlvrd)} submit date:${receiptDate(r.submitDate)}` +
    ` done date:${receiptDate(r.doneDate)} stat:${r.stat} err:${r.err} text:${receiptTextSample(r.text)}`
  );
}

/**
 * The receipt's text field: the first 20 characters, restricted to characters that read the same in
 * ASCII and in the GSM 7-bit default alphabet (the receipt is sent with data_coding 0), so every
 * parser sees the same bytes. Control characters become spaces, anything else '?'.
 */
export function receiptTextSample(text: string): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < text.length && n < 20; i++, n++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      out += SAMPLE_CHAR[c];
    } else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) i++; // one character, two code units
      out += '?';
    }
  }
  return out;
}

// Printable ASCII characters whose byte means something else in GSM 03.38.
const GSM_DIFFERS = '$@[\\]^_`{|}~';
const SAMPLE_CHAR: readonly string[] = Array.from({ length: 128 }, (_, c) => {
  if (c < 0x20 || c === 0x7f) return ' ';
  const ch = String.fromCharCode(c);
  return GSM_DIFFERS.includes(ch) ? '?' : ch;
});

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function pad3(n: number): string {
  return String(n).padStart(3, '0');
}
