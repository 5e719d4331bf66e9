// Inbound (mobile-originated) messages and usage as the console shows them: the API's JSON shapes
// (the protos' JSON names) and the pure rules. No DOM, no fetch: tested on their own.
import type { Status } from './messages';

export interface InboundSms {
  id: string;
  from: string;
  to: string;
  text: string;
  receivedAtMs: number;
  /** The message this one replies to (the account's last to the handset from that number); '' if none. */
  relatedMessageId: string;
  action: 'message' | 'opt_out' | 'opt_in' | 'help';
  keyword: string;
  autoReplyMessageId: string;
  carrier: string;
}

export interface InboundPage {
  messages: InboundSms[];
  nextCursor: string;
}

/** The most inbound messages the page keeps in memory (older ones: "Load older" again after a reload). */
export const MAX_INBOUND = 500;

/** `list` (newest first) with `incoming` merged in: each id once, newest first by receive time then id. */
export function mergeInbound(list: InboundSms[], incoming: InboundSms[]): InboundSms[] {
  const known = new Set(list.map((m) => m.id));
  const fresh = incoming.filter((m) => !known.has(m.id) && (known.add(m.id), true));
  if (fresh.length === 0) return list;
  return [...fresh, ...list].sort((a, b) => b.receivedAtMs - a.receivedAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, MAX_INBOUND);
}

const ACTION_LABELS: Record<InboundSms['action'], string> = { message: 'Reply', opt_out: 'Opted out', opt_in: 'Opted in', help: 'Help' };

/** What a person reads for an inbound message's kind ("Opted out (STOP)"). */
export const actionLabel = (m: Pick<InboundSms, 'action' | 'keyword'>) => `${ACTION_LABELS[m.action] ?? m.action}${m.keyword && m.action !== 'message' ? ` (${m.keyword})` : ''}`;

export interface UsageRow {
  day: string;
  status: Status;
  messages: number;
  segments: number;
}

/** A prepaid account's money movements of one day in one currency, in micro-units (sms.v1.SpendRow). */
export interface SpendRow {
  day: string;
  currency: string;
  reservedMicros: number;
  settledMicros: number;
  refundedMicros: number;
  creditedMicros: number;
}

export interface Usage {
  accountId: string;
  fromDay: string;
  toDay: string;
  rows: UsageRow[];
  /** Empty for an unlimited account. */
  spend: SpendRow[];
}

/** Micro-units as an amount: 12500 EUR micros → "0.0125 EUR" (no float rounding past the 6 decimals). */
export function formatMicros(micros: number, currency: string): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const fraction = String(abs % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  return `${sign}${Math.floor(abs / 1_000_000)}${fraction ? `.${fraction}` : ''} ${currency}`;
}

export interface UsageDay {
  day: string;
  messages: number;
  segments: number;
  byStatus: UsageRow[];
}

/** Usage rows grouped by day, newest day first, with each day's totals. */
export function usageByDay(rows: UsageRow[]): UsageDay[] {
  const days = new Map<string, UsageDay>();
  for (const r of rows) {
    const d = days.get(r.day) ?? { day: r.day, messages: 0, segments: 0, byStatus: [] };
    d.messages += r.messages;
    d.segments += r.segments;
    d.byStatus.push(r);
    days.set(r.day, d);
  }
  return [...days.values()].sort((a, b) => b.day.localeCompare(a.day));
}

/** "YYYY-MM-DD" (UTC) `daysBack` days before `nowMs`: the API counts UTC days. */
export const utcDay = (nowMs: number, daysBack = 0) => new Date(nowMs - daysBack * 86_400_000).toISOString().slice(0, 10);
