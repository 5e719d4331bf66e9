import { ValidationError } from '@smsgw/messages/domain';
import type { InboundPageQuery } from '@smsgw/twoway/data-access-store';

export const INBOUND_PAGE_DEFAULT = 50;
export const INBOUND_PAGE_MAX = 200;

/** GET /v1/inbound's query string as the schema lets it through: every value a string. */
export interface InboundPageParams {
  cursor?: string;
  limit?: string;
  since?: string;
  from?: string;
  to?: string;
}

/**
 * The store's page query from the HTTP query: the cursor is the opaque nextCursor of an earlier
 * page, since an RFC 3339 time, from a handset in E.164 ("+" optional), to the account's number.
 * Throws ValidationError naming the parameter.
 */
export function inboundPageQuery(p: InboundPageParams): InboundPageQuery {
  const limit = p.limit === undefined || p.limit === '' ? INBOUND_PAGE_DEFAULT : Number(p.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > INBOUND_PAGE_MAX) throw new ValidationError('VALIDATION.INVALID_LIMIT', 'limit', `limit: 1 to ${INBOUND_PAGE_MAX} messages a page, got "${String(p.limit).slice(0, 20)}"`);
  const cursor = p.cursor ?? '';
  if (cursor !== '' && !/^[1-9][0-9]{0,17}$/.test(cursor)) throw new ValidationError('VALIDATION.INVALID_CURSOR', 'cursor', 'cursor: not a cursor of this API; pass the nextCursor of the previous page as it was, or none for the newest messages');
  let sinceMs = 0;
  if (p.since !== undefined && p.since !== '') {
    sinceMs = rfc3339Ms(p.since);
    if (Number.isNaN(sinceMs)) throw new ValidationError('VALIDATION.INVALID_SINCE', 'since', `since: "${p.since.slice(0, 40)}" is not an RFC 3339 time; e.g. 2026-12-01T00:00:00Z`);
  }
  return { beforeSeq: cursor, sinceMs, from: number(p.from, 'from', '+'), to: number(p.to, 'to', ''), limit };
}

/** A number filter: digits with an optional "+", stored as E.164 (from) or digits (to); alphanumeric senders as they are. */
function number(value: string | undefined, field: 'from' | 'to', prefix: '+' | ''): string {
  const v = (value ?? '').trim();
  if (v === '') return '';
  if (/^\+?[0-9]{3,15}$/.test(v)) return prefix + v.replace(/^\+/, '');
  if (/^[A-Za-z0-9 ]{1,11}$/.test(v)) return v;
  throw new ValidationError('VALIDATION.INVALID_NUMBER', field, `${field}: "${v.slice(0, 20)}" is not a number (E.164 digits, "+" optional) or a sender id`);
}

/** Epoch ms of an RFC 3339 time, NaN when it is not one (Date.parse alone takes 30 February as 2 March). */
function rfc3339Ms(text: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)T\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:\d\d)$/i.exec(text);
  if (!m) return NaN;
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (day.getUTCMonth() !== Number(m[2]) - 1 || day.getUTCDate() !== Number(m[3])) return NaN;
  return Date.parse(text);
}
