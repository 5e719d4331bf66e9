import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@smsgw/shared/feature-ops';

/** A scheduled message as held: its accepted event's bytes, as published. */
export interface HeldMessage {
  messageId: string;
  sendAtMs: number;
  accepted: Uint8Array;
}

/** What a cancel found: the hold was canceled now, had been canceled before, or was already released. */
export type CancelResult = 'canceled' | 'already-canceled' | 'released';

/**
 * The scheduled_messages table: scheduled messages wait here until their send time. Every ingest
 * replica runs the release loop; FOR UPDATE SKIP LOCKED gives each due row to one of them.
 */
@Injectable()
export class ScheduleStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Holds messages (idempotent: a redelivered event, or one canceled before it came, is left as it is). */
  async hold(messages: readonly HeldMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    const { rowCount } = await this.pool.query(
      `INSERT INTO scheduled_messages (message_id, send_at, state, accepted)
       SELECT id, to_timestamp(send_ms / 1000.0), 'pending', accepted FROM unnest($1::text[], $2::float8[], $3::bytea[]) AS u(id, send_ms, accepted)
       ON CONFLICT (message_id) DO NOTHING`,
      [messages.map((m) => m.messageId), messages.map((m) => m.sendAtMs), messages.map((m) => Buffer.from(m.accepted))],
    );
    return rowCount ?? 0;
  }

  /**
   * Takes up to `limit` due messages, hands them to `publish`, and marks them released once it
   * resolved — all in one transaction holding their rows, so a failed publish leaves them pending
   * and no other replica releases them meanwhile. Returns what was released.
   */
  async releaseDue(limit: number, publish: (due: HeldMessage[]) => Promise<void>): Promise<HeldMessage[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ message_id: string; send_ms: number; accepted: Buffer }>(
        `SELECT message_id, (extract(epoch FROM send_at) * 1000)::float8 AS send_ms, accepted FROM scheduled_messages
          WHERE state = 'pending' AND send_at <= now() ORDER BY send_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      const due = rows.map((r) => ({ messageId: r.message_id, sendAtMs: Number(r.send_ms), accepted: r.accepted }));
      if (due.length > 0) {
        await publish(due);
        await client.query(`UPDATE scheduled_messages SET state = 'released', accepted = NULL, updated_at = now() WHERE message_id = ANY($1::text[])`, [due.map((d) => d.messageId)]);
      }
      await client.query('COMMIT');
      return due;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Cancels a hold. A message not held yet (its accepted event is still on its way to the
   * scheduler) gets a canceled row, which the late hold() leaves alone.
   */
  async cancel(messageId: string): Promise<CancelResult> {
    const changed = await this.pool.query(
      `INSERT INTO scheduled_messages (message_id, send_at, state) VALUES ($1, now(), 'canceled')
       ON CONFLICT (message_id) DO UPDATE SET state = 'canceled', accepted = NULL, updated_at = now() WHERE scheduled_messages.state = 'pending'
       RETURNING message_id`,
      [messageId],
    );
    if (changed.rowCount) return 'canceled';
    const { rows } = await this.pool.query<{ state: string }>('SELECT state FROM scheduled_messages WHERE message_id = $1', [messageId]);
    return rows[0]?.state === 'released' ? 'released' : 'already-canceled';
  }

  /** Deletes released and canceled rows older than the retention. */
  async sweep(retentionMs: number): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM scheduled_messages WHERE state <> 'pending' AND updated_at < now() - make_interval(secs => $1)`, [retentionMs / 1000]);
    return rowCount ?? 0;
  }
}
