import { senderAllowed, type AccountPolicy } from '@smsgw/accounts/domain';
import { refusal } from './smtp-reply';

// A sender id: up to 11 letters, digits or spaces with a letter, or up to 15 digits (ingest's rule).
const SENDER_ID = /^(?:[A-Za-z0-9 ]{1,11}|\+?[0-9]{1,15})$/;
const TAG = /^\s*\[([^\]]*)\]\s*(.*)$/s;

/** The sender id of a mail and its subject without the tag. */
export interface MailSender {
  sender: string;
  subject: string;
}

/**
 * The sender id for a mail: a "[SENDER]" tag at the start of the subject picks one of the
 * account's sender ids; without one, the account's default sender, or its only exact sender id.
 * Throws EmailRefusal (550 5.7.1) when the tag is not allowed or nothing names a sender.
 */
export function chooseSender(subject: string, policy: Pick<AccountPolicy, 'senders' | 'defaultSender'>): MailSender {
  const tag = TAG.exec(subject);
  if (tag) {
    const sender = tag[1].trim();
    if (!SENDER_ID.test(sender)) {
      throw refusal('VALIDATION.INVALID_SENDER', 550, '5.7.1', `the subject tag [${sender.slice(0, 20)}] is not a sender id (up to 11 letters, digits or spaces, or up to 15 digits)`);
    }
    if (!senderAllowed(sender, policy)) {
      throw refusal('POLICY.SENDER_NOT_ALLOWED', 550, '5.7.1', `the subject tag [${sender}] is not one of this account's sender ids (${policy.senders.join(', ')})`);
    }
    return { sender, subject: tag[2].trim() };
  }
  const only = policy.senders.length === 1 && !policy.senders[0].endsWith('*') ? policy.senders[0] : '';
  const sender = policy.defaultSender || only;
  if (sender === '') {
    throw refusal('EMAIL.NO_SENDER', 550, '5.7.1', 'no sender id: start the subject with one in brackets, e.g. "[ACME] …", or ask an admin to set a default (smsgw accounts policy <account> --default-sender …)');
  }
  return { sender, subject: subject.trim() };
}

/**
 * Whether an envelope sender (MAIL FROM) may use the account's keys: an empty list allows any;
 * entries are addresses or "@domain", compared without case.
 */
export function envelopeSenderAllowed(address: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const a = address.trim().toLowerCase();
  const domain = a.slice(a.lastIndexOf('@'));
  return allowed.some((entry) => (entry.startsWith('@') ? entry === domain : entry === a));
}
