/**
 * The fields of a receipt's short_message in the SMPP 3.4 appendix B format:
 * `id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:…`
 * Every field may be missing; values are kept as written except where noted.
 */
export interface ReceiptText {
  id?: string;
  /** Segments submitted (sub:), when a number. */
  submitted?: number;
  /** Segments delivered (dlvrd:), when a number. */
  delivered?: number;
  /** submit date, epoch ms (UTC: receipts carry no zone). */
  submitDateMs?: number;
  /** done date, epoch ms (UTC). */
  doneDateMs?: number;
  /** stat: as written, upper-cased. */
  stat?: string;
  err?: string;
  /** text: the rest of the message after "text:", spaces and all. */
  text?: string;
}

// Keys are case-insensitive; some carriers write submit_date/done_date. A key starts the string or
// follows whitespace, so "xid:" or a colon inside a value does not start a field.
const KEY = /(^|\s)(id|sub|dlvrd|submit[ _]date|done[ _]date|stat|err|text)\s*:/gi;

export function parseReceiptText(shortMessage: string): ReceiptText {
  const found: { key: string; valueStart: number; keyStart: number }[] = [];
  for (const m of shortMessage.matchAll(KEY)) {
    const key = m[2].toLowerCase().replace('_', ' ');
    found.push({ key, keyStart: m.index + m[1].length, valueStart: m.index + m[0].length });
    if (key === 'text') break; // the body runs to the end and may hold anything, even "stat:"
  }
  const values = new Map<string, string>();
  found.forEach((f, i) => {
    const end = f.key === 'text' || i + 1 === found.length ? shortMessage.length : found[i + 1].keyStart;
    if (!values.has(f.key)) values.set(f.key, shortMessage.slice(f.valueStart, end));
  });
  const word = (key: string) => {
    const v = values.get(key)?.trim();
    return v ? v : undefined;
  };
  const result: ReceiptText = {};
  const id = word('id');
  if (id) result.id = id.split(/\s+/)[0];
  const submitted = count(word('sub'));
  if (submitted !== undefined) result.submitted = submitted;
  const delivered = count(word('dlvrd'));
  if (delivered !== undefined) result.delivered = delivered;
  const submitDate = receiptDate(word('submit date'));
  if (submitDate !== undefined) result.submitDateMs = submitDate;
  const doneDate = receiptDate(word('done date'));
  if (doneDate !== undefined) result.doneDateMs = doneDate;
  const stat = word('stat');
  if (stat) result.stat = stat.split(/\s+/)[0].toUpperCase();
  const err = word('err');
  if (err) result.err = err.split(/\s+/)[0];
  const text = values.get('text');
  if (text !== undefined) result.text = text.replace(/^\s/, '');
  return result;
}

function count(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,5}$/.test(value) ? Number(value) : undefined;
}

/** YYMMDDhhmm or YYMMDDhhmmss (UTC, years 2000-2099) → epoch ms; undefined when not a real time. */
export function receiptDate(value: string | undefined): number | undefined {
  const m = value?.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [2000 + +m[1], +m[2], +m[3], +m[4], +m[5], m[6] ? +m[6] : 0];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day) return undefined; // 31 February and the like
  return ms;
}
