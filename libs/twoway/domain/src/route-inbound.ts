import { firstWord } from './keywords';

/** An account holding the number an inbound message was sent to: whole (keyword '') or for one first word. */
export interface NumberHolder {
  accountId: string;
  keyword: string;
}

/** The last message an account sent to the handset from the number. */
export interface Conversation {
  accountId: string;
  messageId: string;
  sentAtMs: number;
}

export type InboundMatchKind = 'keyword' | 'number' | 'conversation';

export interface InboundRoute {
  accountId: string;
  match: InboundMatchKind;
  /** The holder's keyword that matched ('' unless match is "keyword"). */
  keyword: string;
  /** The account's last message to the handset from the number ('' when none). */
  relatedMessageId: string;
}

/**
 * Whose an inbound message is: the account holding the message's first word as keyword on the
 * number, else the account holding the whole number, else (nobody holds it, or a shared short
 * code and no keyword matched) the account among the possible ones that last sent to the handset
 * from the number. The reply joins that account's last conversation with the handset.
 */
export function routeInbound(text: string, holders: readonly NumberHolder[], conversations: readonly Conversation[]): InboundRoute | undefined {
  const word = firstWord(text);
  const conversationOf = (accountId: string) => latest(conversations.filter((c) => c.accountId === accountId))?.messageId ?? '';
  const byKeyword = word ? holders.find((h) => h.keyword !== '' && h.keyword === word) : undefined;
  if (byKeyword) return { accountId: byKeyword.accountId, match: 'keyword', keyword: byKeyword.keyword, relatedMessageId: conversationOf(byKeyword.accountId) };
  const whole = holders.find((h) => h.keyword === '');
  if (whole) return { accountId: whole.accountId, match: 'number', keyword: '', relatedMessageId: conversationOf(whole.accountId) };
  const eligible = holders.length > 0 ? conversations.filter((c) => holders.some((h) => h.accountId === c.accountId)) : conversations;
  const last = latest(eligible);
  return last ? { accountId: last.accountId, match: 'conversation', keyword: '', relatedMessageId: last.messageId } : undefined;
}

function latest(conversations: readonly Conversation[]): Conversation | undefined {
  let best: Conversation | undefined;
  for (const c of conversations) if (!best || c.sentAtMs > best.sentAtMs || (c.sentAtMs === best.sentAtMs && c.messageId > best.messageId)) best = c;
  return best;
}
