import type { UsageRow } from '@smsgw/shared/util-proto';
import type { Queryable } from './queryable';

/**
 * One account's messages and segments by day (UTC, of acceptance) and current status, for
 * accepted_at in [fromMs, untilMs): one query on the (client_id, accepted_at) index.
 */
export async function getUsage(db: Queryable, clientId: string, fromMs: number, untilMs: number): Promise<UsageRow[]> {
  const { rows } = await db.query<{ day: string; status: number; messages: string; segments: string }>(
    `SELECT to_char(accepted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, status, count(*) AS messages, sum(segment_count) AS segments
       FROM messages
      WHERE client_id = $1 AND accepted_at >= to_timestamp($2 / 1000.0) AND accepted_at < to_timestamp($3 / 1000.0)
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [clientId, fromMs, untilMs],
  );
  return rows.map((r) => ({ day: r.day, status: r.status, messages: Number(r.messages), segments: Number(r.segments) }));
}
