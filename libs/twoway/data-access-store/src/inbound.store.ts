// What the dlr-processor's inbound router reads and writes per fetch: one query for who holds the
// numbers and who last wrote to the handsets (findInboundCandidates), one statement for the routed
// messages, the opt-out audit and the suppression list (recordInbound). WatchInbound reads back
// (readInbound).
import type { Queryable } from '@smsgw/accounts/data-access-store';
import type { Conversation, InboundSettings, NumberHolder } from '@smsgw/twoway/domain';
import { toSettings } from './numbers.store';

/** Metadata key of the gateway's automatic replies: they never count as a conversation. */
export const AUTO_REPLY_METADATA = 'smsgw.autoReply';

export interface InboundLookup {
  /** The canonical number the message was sent to (digits, or an alphanumeric sender). */
  number: string;
  /** The handset in E.164 ('' when the source is not a number). */
  handset: string;
}

export interface InboundCandidates {
  holders: NumberHolder[];
  conversations: Conversation[];
}

/**
 * For each message: the accounts holding its number (and keywords), and each account's last
 * message to its handset from that number within windowSeconds; with the settings of every
 * account named. One query for the whole fetch.
 */
export async function findInboundCandidates(db: Queryable, lookups: readonly InboundLookup[], windowSeconds: number): Promise<{ candidates: InboundCandidates[]; settings: Map<string, InboundSettings> }> {
  const candidates: InboundCandidates[] = lookups.map(() => ({ holders: [], conversations: [] }));
  const settings = new Map<string, InboundSettings>();
  if (lookups.length === 0) return { candidates, settings };
  const { rows } = await db.query<{ i: string; kind: 'holder' | 'talk'; account_id: string; keyword: string | null; message_id: string | null; sent_at_ms: number | null; settings: never }>(
    `WITH mo AS (SELECT * FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(number, handset, i)),
     holders AS (SELECT mo.i, n.account_id, n.keyword FROM mo JOIN inbound_numbers n ON n.number = mo.number),
     talks AS (
       SELECT DISTINCT ON (mo.i, m.client_id) mo.i, m.client_id AS account_id, m.id AS message_id, m.accepted_at
         FROM mo JOIN messages m ON m.to_number = mo.handset AND m.sender IN (mo.number, '+' || mo.number)
        WHERE mo.handset <> '' AND m.client_id <> '' AND m.accepted_at > now() - make_interval(secs => $3) AND NOT (m.metadata ? $4)
        ORDER BY mo.i, m.client_id, m.accepted_at DESC, m.id DESC),
     found AS (
       SELECT i, 'holder' AS kind, account_id, keyword, NULL::text AS message_id, NULL::timestamptz AS accepted_at FROM holders
       UNION ALL SELECT i, 'talk', account_id, NULL, message_id, accepted_at FROM talks)
     SELECT f.i, f.kind, f.account_id, f.keyword, f.message_id, extract(epoch FROM f.accepted_at)::float8 * 1000 AS sent_at_ms, row_to_json(s) AS settings
       FROM found f LEFT JOIN account_inbound_settings s ON s.account_id = f.account_id`,
    [lookups.map((l) => l.number), lookups.map((l) => l.handset), windowSeconds, AUTO_REPLY_METADATA],
  );
  for (const r of rows) {
    const c = candidates[Number(r.i) - 1];
    if (r.kind === 'holder') c.holders.push({ accountId: r.account_id, keyword: r.keyword ?? '' });
    else c.conversations.push({ accountId: r.account_id, messageId: r.message_id ?? '', sentAtMs: Math.round(r.sent_at_ms ?? 0) });
    if (!settings.has(r.account_id)) settings.set(r.account_id, toSettings(r.settings));
  }
  return { candidates, settings };
}

/** A routed inbound message of an account, as kept for WatchInbound. */
export interface InboundRecord {
  id: string;
  accountId: string;
  carrierId: string;
  from: string;
  to: string;
  text: string;
  /** sms.v1.InboundAction number. */
  action: number;
  keyword: string;
  relatedMessageId: string;
  autoReplyMessageId: string;
  receivedAtMs: number;
}

/** An opt-out or opt-in a handset asked for by keyword. */
export interface SuppressionChange {
  inboundId: string;
  accountId: string;
  msisdn: string;
  /** '' for account-wide; an opt-in with '' lifts every row of the handset. */
  sender: string;
  action: 'opt_out' | 'opt_in';
  keyword: string;
}

/**
 * Stores the routed messages and applies the keyword opt-outs and opt-ins with their audit rows, in
 * one statement. Replays change nothing: the messages and the audit are keyed by the inbound id,
 * and only audit rows written now touch the suppression list. Within one call the last change of a
 * handset wins. Returns the inbound ids whose change was new (a replay's are not).
 */
export async function recordInbound(db: Queryable, records: readonly InboundRecord[], changes: readonly SuppressionChange[]): Promise<Set<string>> {
  if (records.length === 0 && changes.length === 0) return new Set();
  const { rows } = await db.query<{ inbound_id: string }>(
    `WITH ins AS (
       INSERT INTO inbound_messages (id, account_id, carrier_id, from_number, to_number, text, action, keyword, related_message_id, auto_reply_message_id, received_at)
       SELECT id, account_id, carrier_id, from_number, to_number, text, action, keyword, related, reply, to_timestamp(received_ms / 1000.0)
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::smallint[], $8::text[], $9::text[], $10::text[], $11::float8[])
           WITH ORDINALITY AS t(id, account_id, carrier_id, from_number, to_number, text, action, keyword, related, reply, received_ms, n)
        ORDER BY n -- seq (WatchInbound's order) follows the fetch's order
       ON CONFLICT (id) DO NOTHING RETURNING 1),
     c AS (SELECT * FROM unnest($12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[]) WITH ORDINALITY AS t(inbound_id, account_id, msisdn, sender, action, keyword, n)),
     audit AS (
       INSERT INTO suppression_audit (account_id, msisdn, sender, action, source, keyword, inbound_id)
       SELECT account_id, msisdn, sender, action, 'keyword', keyword, inbound_id FROM c ORDER BY n
       ON CONFLICT (inbound_id) DO NOTHING RETURNING inbound_id),
     last AS (SELECT DISTINCT ON (c.account_id, c.msisdn, c.sender) c.* FROM c JOIN audit USING (inbound_id) ORDER BY c.account_id, c.msisdn, c.sender, c.n DESC),
     added AS (
       INSERT INTO suppressions (account_id, msisdn, sender, source) SELECT account_id, msisdn, sender, 'keyword' FROM last WHERE action = 'opt_out'
       ON CONFLICT DO NOTHING RETURNING 1),
     removed AS (
       DELETE FROM suppressions s USING last l
        WHERE l.action = 'opt_in' AND s.account_id = l.account_id AND s.msisdn = l.msisdn AND (l.sender = '' OR s.sender = l.sender) RETURNING 1)
     SELECT inbound_id FROM audit`,
    [
      records.map((r) => r.id),
      records.map((r) => r.accountId),
      records.map((r) => r.carrierId),
      records.map((r) => r.from),
      records.map((r) => r.to),
      records.map((r) => r.text),
      records.map((r) => r.action),
      records.map((r) => r.keyword),
      records.map((r) => r.relatedMessageId),
      records.map((r) => r.autoReplyMessageId),
      records.map((r) => r.receivedAtMs),
      changes.map((c) => c.inboundId),
      changes.map((c) => c.accountId),
      changes.map((c) => c.msisdn),
      changes.map((c) => c.sender),
      changes.map((c) => c.action),
      changes.map((c) => c.keyword),
    ],
  );
  return new Set(rows.map((r) => r.inbound_id));
}

interface InboundRow {
  id: string;
  carrier_id: string;
  from_number: string;
  to_number: string;
  text: string;
  action: number;
  keyword: string;
  related_message_id: string;
  auto_reply_message_id: string;
  received_at: Date;
}

// seq goes out as text (a bigint cursor); ORDER BY must name inbound_messages.seq, as a bare `seq`
// would sort by this text column ('101' before '99').
const INBOUND_COLUMNS = 'seq::text, id, carrier_id, from_number, to_number, text, action, keyword, related_message_id, auto_reply_message_id, received_at';

const toRecord = (accountId: string, r: InboundRow): InboundRecord => ({
  id: r.id,
  accountId,
  carrierId: r.carrier_id,
  from: r.from_number,
  to: r.to_number,
  text: r.text,
  action: r.action,
  keyword: r.keyword,
  relatedMessageId: r.related_message_id,
  autoReplyMessageId: r.auto_reply_message_id,
  receivedAtMs: r.received_at.getTime(),
});

/** Where a WatchInbound stream starts: after this inbound id's row, or (no id, or unknown) after every row there is now. */
export async function inboundCursor(db: Queryable, accountId: string, afterId: string): Promise<string> {
  const { rows } = await db.query<{ seq: string }>(
    `SELECT COALESCE((SELECT seq FROM inbound_messages WHERE id = $2 AND account_id = $1), (SELECT max(seq) FROM inbound_messages), 0)::text AS seq`,
    [accountId, afterId],
  );
  return rows[0].seq;
}

/** The account's inbound messages stored after the cursor (a seq), oldest first, and the new cursor. */
export async function readInbound(db: Queryable, accountId: string, cursor: string, limit = 500): Promise<{ records: InboundRecord[]; cursor: string }> {
  const { rows } = await db.query<InboundRow & { seq: string }>(
    `SELECT ${INBOUND_COLUMNS}
       FROM inbound_messages WHERE account_id = $1 AND seq > $2::bigint ORDER BY inbound_messages.seq LIMIT $3`,
    [accountId, cursor, limit],
  );
  const records = rows.map((r) => toRecord(accountId, r));
  return { records, cursor: rows.length ? rows[rows.length - 1].seq : cursor };
}

/** Deletes stored inbound messages routed before the cutoff (retention), at most `limit`; returns how many. */
export async function sweepInbound(db: Queryable, olderThanSeconds: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM inbound_messages WHERE id IN (SELECT id FROM inbound_messages WHERE routed_at < now() - make_interval(secs => $1) ORDER BY routed_at LIMIT $2)`,
    [olderThanSeconds, limit],
  );
  return rowCount ?? 0;
}

/** Which of an account's inbound messages a page lists (GET /v1/inbound); every filter optional. */
export interface InboundPageQuery {
  /** Only rows stored before this seq (the cursor of the previous page); '' for the newest. */
  beforeSeq: string;
  /** Only messages received at or after this time (epoch ms); 0 for any. */
  sinceMs: number;
  /** The handset, E.164; '' for any. */
  from: string;
  /** The account's number as digits (a stored "+" is ignored); '' for any. */
  to: string;
  limit: number;
}

/**
 * One page of the account's inbound messages, newest stored first (seq order, as WatchInbound),
 * and the cursor of the next page ('' when this one is the last). One query on the (account, seq)
 * index; one row more than asked says whether another page exists.
 */
export async function listInbound(db: Queryable, accountId: string, q: InboundPageQuery): Promise<{ records: InboundRecord[]; nextCursor: string }> {
  const { rows } = await db.query<InboundRow & { seq: string }>(
    `SELECT ${INBOUND_COLUMNS}
       FROM inbound_messages
      WHERE account_id = $1 AND seq < COALESCE(NULLIF($2, '')::bigint, 9223372036854775807) AND received_at >= to_timestamp($3 / 1000.0)
        AND ($4 = '' OR from_number = $4) AND ($5 = '' OR ltrim(to_number, '+') = $5)
      ORDER BY inbound_messages.seq DESC LIMIT $6`,
    [accountId, q.beforeSeq, q.sinceMs, q.from, q.to, q.limit + 1],
  );
  const page = rows.slice(0, q.limit);
  const records = page.map((r) => toRecord(accountId, r));
  return { records, nextCursor: rows.length > q.limit ? page[page.length - 1].seq : '' };
}
