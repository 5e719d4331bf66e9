import { createHash } from 'node:crypto';

const REFERENCE_MAX = 64;

/** The Message-ID without its angle brackets ('' when the mail has none). */
export const bareMessageId = (messageId: string | undefined): string => (messageId ?? '').trim().replace(/^<(.*)>$/, '$1');

/**
 * The idempotency key of one recipient of a mail: a mail sent again (same Message-ID, a client's
 * retry after a lost reply or a 4xx) becomes no second SMS to that number. Hashed: a Message-ID
 * may be longer than ingest's 128 characters.
 */
export function idempotencyKey(messageId: string, number: string): string {
  return `email:${createHash('sha256').update(`${messageId}\n${number}`).digest('base64url')}`;
}

/**
 * The client_reference of the mail's messages: its Message-ID; one longer than ingest's 64
 * characters keeps its first 47 and a hash of the whole (so references stay distinct).
 */
export function clientReference(messageId: string): string {
  if (messageId.length <= REFERENCE_MAX) return messageId;
  return `${messageId.slice(0, 47)}~${createHash('sha256').update(messageId).digest('hex').slice(0, 16)}`;
}
