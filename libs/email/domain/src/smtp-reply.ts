/**
 * An SMTP reply: the basic code, the RFC 3463 enhanced status code and a sentence that says what
 * was wrong, ending with the gateway's stable code where there is one ("[POLICY.SENDER_NOT_ALLOWED]").
 */
export interface SmtpReply {
  code: number;
  enhanced: string;
  text: string;
}

/** 4xx: the client should try again later (the same mail; idempotency keys make that safe). */
export const isTemporary = (reply: SmtpReply): boolean => reply.code >= 400 && reply.code < 500;

/** The reply as one line: "550 5.1.1 …". */
export const formatReply = (reply: SmtpReply): string => `${reply.code} ${reply.enhanced} ${reply.text}`;

/** A mail, or one recipient of it, refused with the reply that says why. */
export class EmailRefusal extends Error {
  constructor(
    /** Stable code: the gateway's (VALIDATION.…, POLICY.…, RATE.LIMITED) or EMAIL.… for the intake's own checks. */
    readonly code: string,
    readonly reply: SmtpReply,
  ) {
    super(reply.text);
    this.name = 'EmailRefusal';
  }
}

export const refusal = (code: string, smtp: number, enhanced: string, text: string): EmailRefusal => new EmailRefusal(code, { code: smtp, enhanced, text: `${text} [${code}]` });

// What an ingest refusal code means in SMTP terms (RFC 3463): bad mailbox, not authorised, content.
const BY_CODE: Record<string, [number, string]> = {
  'VALIDATION.INVALID_DESTINATION': [550, '5.1.1'],
  'VALIDATION.DESTINATION_NOT_MOBILE': [550, '5.1.1'],
  'VALIDATION.INVALID_SENDER': [550, '5.7.1'],
  'POLICY.SENDER_NOT_ALLOWED': [550, '5.7.1'],
  'POLICY.COUNTRY_NOT_ALLOWED': [550, '5.7.1'],
  'POLICY.NUMBER_TYPE_BLOCKED': [550, '5.7.1'],
  'VALIDATION.TEXT_TOO_LONG': [552, '5.3.4'],
  'RATE.LIMITED': [452, '4.7.1'],
};

/** The SMTP reply for one message that ingest refused (SendBatch's per-message error). */
export function replyForSendError(code: string, message: string): SmtpReply {
  const [smtp, enhanced] = BY_CODE[code] ?? (code.startsWith('POLICY.') || code.startsWith('AUTH.') ? [550, '5.7.1'] : [550, '5.6.0']);
  return { code: smtp, enhanced, text: `${message.replace(/\s*\[[A-Z_.]+\]$/, '')} [${code}]` };
}
