import { convert } from 'html-to-text';
import { refusal } from './smtp-reply';

/** What of a parsed mail makes the SMS text. */
export interface MailContent {
  /** The text/plain part ('' or undefined when there is none). */
  text?: string;
  /** The text/html part, used when there is no plain part. */
  html?: string | false;
  /** The subject after its [SENDER] tag; the text when the body is empty. */
  subject?: string;
}

/**
 * The SMS text of a mail: the plain part (else the HTML as text), without quoted replies and the
 * signature, blank runs collapsed; the subject when nothing is left. Throws VALIDATION.EMPTY_TEXT
 * (550 5.6.0) when both are empty; the length is ingest's to judge (INGEST_MAX_TEXT_LENGTH).
 */
export function smsText(mail: MailContent): string {
  const plain = mail.text?.trim() ? mail.text : mail.html ? htmlToText(mail.html) : '';
  const body = tidy(cutReply(plain));
  if (body !== '') return body;
  const subject = (mail.subject ?? '').trim();
  if (subject !== '') return subject;
  throw refusal('VALIDATION.EMPTY_TEXT', 550, '5.6.0', 'the mail has no text: write the SMS in the body (plain text or HTML) or the subject');
}

/** HTML as plain text: no images, no quoted replies (blockquote, Gmail's and Outlook's quote blocks), links as "text [url]". */
export function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'blockquote', format: 'skip' },
      { selector: 'div.gmail_quote', format: 'skip' },
      { selector: 'div#appendonsend', format: 'skip' },
      { selector: 'div#divRplyFwdMsg', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
    ],
  });
}

// The signature delimiter is "-- " (RFC 3676); many clients strip its trailing space.
const SIGNATURE = /^-- ?$/;
// Headers that start a forwarded or top-quoted original: everything after them is the old mail.
const ORIGINAL = [/^-{2,}\s*(?:Original Message|Forwarded message|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}$/i, /^_{10,}$/];
const OUTLOOK_HEADER = /^(?:From|Von|De):\s/;
const OUTLOOK_NEXT = /^(?:Sent|Date|Gesendet|Envoyé|To|An|À):\s/;
// "On Tue, 1 Dec 2026 at 10:00, Ann <ann@example.com> wrote:" (and a few languages), maybe wrapped onto a second line.
const ATTRIBUTION = /^(?:On|Am|Le|El|Il|Op)\s.*(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef)\s?:$/i;

/**
 * Cuts what is not the sender's new text: lines quoted with ">", the attribution line before a
 * quote, a forwarded or top-quoted original (Outlook's "From:/Sent:" block, "Original Message"),
 * and the signature after "-- ". Text between quotes (inline replies) is kept.
 */
export function cutReply(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    if (SIGNATURE.test(line) || ORIGINAL.some((r) => r.test(line.trim()))) break;
    const afterBlank = kept.length === 0 || kept[kept.length - 1].trim() === '';
    if (afterBlank && OUTLOOK_HEADER.test(line) && OUTLOOK_NEXT.test(lines[i + 1]?.trim() ?? '')) break;
    if (line.trimStart().startsWith('>')) continue;
    const joined = `${line} ${lines[i + 1]?.trim() ?? ''}`.trim();
    if (ATTRIBUTION.test(line.trim()) && nextIsQuote(lines, i + 1)) continue;
    if (!ATTRIBUTION.test(line.trim()) && ATTRIBUTION.test(joined) && nextIsQuote(lines, i + 2)) {
      i++; // an attribution wrapped onto two lines
      continue;
    }
    kept.push(line);
  }
  return kept.join('\n');
}

/** Whether the lines from `from` on, after blank ones, start with a quoted line. */
function nextIsQuote(lines: string[], from: number): boolean {
  for (let i = from; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t === '') continue;
    return t.startsWith('>');
  }
  return false;
}

/** Trailing spaces off, at most one blank line in a row, no blank lines at the ends. */
export function tidy(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
