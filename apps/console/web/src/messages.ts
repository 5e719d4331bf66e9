// What the console knows about messages: the API's JSON shapes (the protos' JSON names) and the
// pure rules for showing them. No DOM, no fetch: tested on their own.

export type Status = 'SCHEDULED' | 'HELD' | 'ACCEPTED' | 'ROUTED' | 'SUBMITTED' | 'DELIVERED' | 'UNDELIVERED' | 'EXPIRED' | 'REJECTED' | 'FAILED' | 'CANCELED' | 'UNSPECIFIED';

export interface SendResponse {
  id: string;
  status: Status;
  encoding: string;
  segments: number;
  acceptedAt?: string;
  duplicate?: boolean;
}

export interface Message {
  id: string;
  status: Status;
  to: string;
  from: string;
  clientReference?: string;
  encoding?: string;
  segments?: number;
  segmentsDelivered?: number;
  carrier?: string;
  reasonCode?: string;
  reason?: string;
  acceptedAt?: string;
  submittedAt?: string;
  completedAt?: string;
  updatedAt?: string;
}

export interface StatusUpdate {
  id: string;
  status: Status;
  reasonCode?: string;
  reason?: string;
  updatedAt?: string;
}

/** A message sent from this browser tab, kept in sessionStorage. */
export interface SentMessage {
  id: string;
  to: string;
  from: string;
  status: Status;
  segments: number;
  encoding: string;
  sentAt: string;
  /** Each status seen, in order, with the time the gateway gave it. */
  history: { status: Status; at?: string; reason?: string }[];
}

const FINAL: ReadonlySet<Status> = new Set(['DELIVERED', 'UNDELIVERED', 'EXPIRED', 'REJECTED', 'FAILED', 'CANCELED']);
// Forward-only, as the gateway's own status rank: a late event never moves a message back.
const RANK: Readonly<Record<Status, number>> = { UNSPECIFIED: 0, SCHEDULED: 1, HELD: 1, ACCEPTED: 2, ROUTED: 3, SUBMITTED: 4, DELIVERED: 5, UNDELIVERED: 5, EXPIRED: 5, REJECTED: 5, FAILED: 5, CANCELED: 5 };

export const isFinal = (s: Status) => FINAL.has(s);

/** The list with one update applied (a new array when something changed, the same one otherwise). */
export function applyUpdate(list: SentMessage[], u: StatusUpdate): SentMessage[] {
  const i = list.findIndex((m) => m.id === u.id);
  if (i < 0) return list;
  const m = list[i];
  const known = m.history.some((h) => h.status === u.status);
  if (known || RANK[u.status] < RANK[m.status]) return list;
  const history = [...m.history, { status: u.status, at: u.updatedAt, ...(u.reason ? { reason: u.reason } : {}) }];
  const status = RANK[u.status] >= RANK[m.status] ? u.status : m.status;
  const next = [...list];
  next[i] = { ...m, status, history };
  return next;
}

/** Ids still on their way: the ones to watch. */
export const pendingIds = (list: SentMessage[]) => list.filter((m) => !isFinal(m.status)).map((m) => m.id);

export interface TimelineEntry {
  status: string;
  label: string;
  at?: string;
  detail?: string;
}

const LABELS: Partial<Record<Status, string>> = {
  SCHEDULED: 'Scheduled',
  HELD: 'Held (SMS-pumping check)',
  ACCEPTED: 'Accepted',
  ROUTED: 'Routed to a carrier',
  SUBMITTED: 'Submitted to the carrier',
  DELIVERED: 'Delivered (receipt)',
  UNDELIVERED: 'Not delivered (receipt)',
  EXPIRED: 'Expired',
  REJECTED: 'Rejected by the carrier',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
};

/**
 * One message's timeline: what GET /v1/messages/{id} says (accepted, submitted, completed) and the
 * status changes this tab saw live (routed and the others carry the time the gateway gave them).
 */
export function timeline(message: Message, seen: SentMessage['history'] = []): TimelineEntry[] {
  const byStatus = new Map<string, TimelineEntry>();
  const put = (status: Status, at: string | undefined, detail?: string) => {
    const prev = byStatus.get(status);
    byStatus.set(status, { status, label: LABELS[status] ?? status, at: prev?.at ?? at, detail: detail ?? prev?.detail });
  };
  for (const h of seen) put(h.status, h.at, h.reason);
  if (message.acceptedAt) put(message.status === 'SCHEDULED' ? 'SCHEDULED' : 'ACCEPTED', message.acceptedAt);
  if (message.submittedAt) put('SUBMITTED', message.submittedAt, message.carrier ? `carrier ${message.carrier}` : undefined);
  if (isFinal(message.status)) {
    const parts = [message.segments ? `${message.segmentsDelivered ?? 0} of ${message.segments} segments delivered` : '', message.reasonCode ? `${message.reasonCode}${message.reason ? `: ${message.reason}` : ''}` : ''];
    put(message.status, message.completedAt ?? message.updatedAt, parts.filter(Boolean).join('; ') || undefined);
  }
  return [...byStatus.values()].sort((a, b) => RANK[a.status as Status] - RANK[b.status as Status] || (a.at ?? '').localeCompare(b.at ?? ''));
}
