import { createHash } from 'node:crypto';
import { InboundError } from './errors';
import { canonicalNumber } from './inbound-address';
import type { KeywordAction } from './keywords';

/** "account": an opt-out stops every sender of the account; "sender": only the number it was sent to. */
export type OptOutScope = 'account' | 'sender';

/** An account's two-way settings (table account_inbound_settings). */
export interface InboundSettings {
  webhookUrl: string;
  optoutScope: OptOutScope;
  /** '' = the gateway's default text, '-' = no reply. */
  stopReply: string;
  startReply: string;
  helpReply: string;
}

export const DEFAULT_INBOUND_SETTINGS: InboundSettings = Object.freeze({ webhookUrl: '', optoutScope: 'account', stopReply: '', startReply: '', helpReply: '' }) as InboundSettings;

/** The gateway-wide replies (dlr-processor settings); '' = no reply. */
export interface DefaultReplies {
  stop: string;
  start: string;
  help: string;
}

const MAX_REPLY = 480;

/** Settings as given, checked (scope, reply lengths); the webhook URL is checked against the account's policy by the caller. */
export function validateInboundSettings(settings: InboundSettings): InboundSettings {
  if (settings.optoutScope !== 'account' && settings.optoutScope !== 'sender') {
    throw new InboundError('INBOUND.INVALID_SETTINGS', `optout_scope "${String(settings.optoutScope).slice(0, 20)}" must be "account" or "sender"`);
  }
  for (const [name, text] of [['stop_reply', settings.stopReply], ['start_reply', settings.startReply], ['help_reply', settings.helpReply]] as const) {
    if ([...text].length > MAX_REPLY) throw new InboundError('INBOUND.INVALID_SETTINGS', `${name} is longer than ${MAX_REPLY} characters`);
  }
  return { ...settings, webhookUrl: settings.webhookUrl.trim() };
}

/** The suppression row's sender for an opt-out sent to `number`: '' (every sender) or that number. */
export function suppressionSender(scope: OptOutScope, number: string): string {
  return scope === 'sender' ? canonicalNumber(number) : '';
}

/** Whether a message from `from` may not go to a handset whose suppression rows have these senders. */
export function isSuppressed(senders: readonly string[], from: string): boolean {
  return senders.includes('') || senders.includes(canonicalNumber(from));
}

/** The automatic reply to a keyword, or undefined for none. */
export function autoReplyText(action: KeywordAction, settings: InboundSettings, defaults: DefaultReplies): string | undefined {
  const own = action === 'opt_out' ? settings.stopReply : action === 'opt_in' ? settings.startReply : settings.helpReply;
  const text = own === '' ? (action === 'opt_out' ? defaults.stop : action === 'opt_in' ? defaults.start : defaults.help) : own;
  return text === '' || text === '-' ? undefined : text;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The message id of the automatic reply to an inbound message: a ULID with the inbound id's time
 * and randomness from its hash, so a replayed inbound message gives the same id (the status store
 * keeps one message) rather than a second reply nobody can tell apart.
 */
export function replyMessageId(inboundId: string): string {
  const hash = createHash('sha256').update(`auto-reply:${inboundId}`).digest();
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[hash[i] & 31];
  return inboundId.slice(0, 10).padEnd(10, '0') + random;
}
