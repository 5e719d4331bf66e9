import { formatReply, isTemporary, type SmtpReply } from './smtp-reply';

/** What happened to one recipient of a mail at the gateway. */
export type RecipientOutcome = { number: string; accepted: { id: string; duplicate: boolean } } | { number: string; refused: SmtpReply };

/** The replies to a mail's DATA: one per recipient (LMTP), and the one reply SMTP allows. */
export interface MailVerdict {
  perRecipient: SmtpReply[];
  reply: SmtpReply;
  /** accepted: every recipient; partial: some refused for good after others were accepted; refused: none accepted for good; deferred: a 4xx for the client to retry. */
  outcome: 'accepted' | 'partial' | 'refused' | 'deferred';
}

type Accepted = Extract<RecipientOutcome, { accepted: unknown }>;
type Refused = Extract<RecipientOutcome, { refused: unknown }>;
const accepted = (o: RecipientOutcome): o is Accepted => 'accepted' in o;
const wasRefused = (o: RecipientOutcome): o is Refused => 'refused' in o;

/**
 * SMTP gives DATA one reply for all recipients, so:
 * - every recipient accepted → 250;
 * - any refused for now (rate limit, gateway unavailable) → that 4xx for the whole mail: the
 *   client sends it again, and the idempotency keys (Message-ID + number) make the recipients
 *   accepted the first time duplicates, not second SMS;
 * - none accepted → the first refusal (5xx);
 * - some accepted, the others refused for good → 250 (the accepted SMS cannot be taken back),
 *   its text naming each refused recipient and why; counted as "partial". Rare: numbers, domain,
 *   country and number type are checked at RCPT TO, so what is left is what changed in between.
 */
export function mailVerdict(outcomes: readonly RecipientOutcome[], mask: (number: string) => string): MailVerdict {
  const perRecipient = outcomes.map((o): SmtpReply => (accepted(o) ? { code: 250, enhanced: '2.0.0', text: `${mask(o.number)} ${o.accepted.duplicate ? 'was queued before' : 'queued'} as ${o.accepted.id}` } : o.refused));
  const refused = outcomes.filter(wasRefused).map((o) => o.refused);
  const ok = outcomes.filter(accepted);
  const temporary = refused.find(isTemporary);
  if (refused.length === 0) {
    const duplicates = ok.filter((o) => o.accepted.duplicate).length;
    const note = duplicates > 0 ? ` (${duplicates === ok.length ? 'all' : duplicates} sent before for this Message-ID, not again)` : '';
    return { perRecipient, outcome: 'accepted', reply: { code: 250, enhanced: '2.0.0', text: `queued as ${ok.length} SMS: ${ok.map((o) => o.accepted.id).join(' ')}${note}` } };
  }
  if (temporary) {
    const note = ok.length > 0 ? ` (${ok.length} of ${outcomes.length} recipients were accepted; sending the mail again sends only the others)` : '';
    return { perRecipient, outcome: 'deferred', reply: { ...temporary, text: `${temporary.text}${note}` } };
  }
  if (ok.length === 0) return { perRecipient, outcome: 'refused', reply: refused[0] };
  const why = outcomes
    .filter(wasRefused)
    .map((o) => `${mask(o.number)}: ${formatReply(o.refused)}`)
    .join('; ');
  return { perRecipient, outcome: 'partial', reply: { code: 250, enhanced: '2.0.0', text: `queued for ${ok.length} of ${outcomes.length} recipients (${ok.map((o) => o.accepted.id).join(' ')}); refused: ${why}` } };
}
