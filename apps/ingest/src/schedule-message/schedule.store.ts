import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '@smsgw/shared/feature-ops';

/** A scheduled message as held: its accepted event's bytes, as published. */
export interface HeldMessage {
  messageId: string;
  /** When it is released (scheduled), or refused (held by SMS-pumping protection). */
  sendAtMs: number;
  accepted: Uint8Array;
  /** Held by SMS-pumping protection for an operator (policy "hold"), rather than scheduled. */
  pumping?: { accountId: string; country: string; acceptedAtMs: number };
}

/** A message SMS-pumping protection holds, as an operator lists it. */
export interface PumpingHoldRow {
  messageId: string;
  accountId: string;
  country: string;
  acceptedAtMs: number;
  heldUntilMs: number;
}

/** Which held messages: by id, an account's (optionally to one country), or those whose hold has ended. */
export type HoldSelection = { ids: readonly string[] } | { accountId: string; country?: string } | { expired: true };

/** A held message taken for release or refusal, with its accepted event. */
export interface TakenHold extends PumpingHoldRow {
  accepted: Buffer;
  /** The message's own send_at (0: none). */
  sendAtMs: number;
}

/** What a cancel found: the hold was canceled now, had been canceled before, or was already released (or rejected). */
export type CancelResult = 'canceled' | 'already-canceled' | 'released';

/**
 * The scheduled_messages table: scheduled messages wait here until their send time. Every ingest
 * replica runs the release loop; FOR UPDATE SKIP LOCKED gives each due row to one of them.
 */
@Injectable()
export class ScheduleStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Holds messages (idempotent: a redelivered event, or one canceled before it came, is left as it
   * is): scheduled ones pending, pumping-held ones held. Returns how many of each were new.
   */
  async hold(messages: readonly HeldMessage[]): Promise<{ scheduled: number; pumping: number }> {
    if (messages.length === 0) return { scheduled: 0, pumping: 0 };
    const { rows } = await this.pool.query<{ state: string }>(
      `INSERT INTO scheduled_messages (message_id, send_at, state, accepted, account_id, country, accepted_at)
       SELECT id, to_timestamp(send_ms / 1000.0), state, accepted, account_id, country, to_timestamp(accepted_ms / 1000.0)
         FROM unnest($1::text[], $2::float8[], $3::bytea[], $4::text[], $5::text[], $6::text[], $7::float8[]) AS u(id, send_ms, accepted, state, account_id, country, accepted_ms)
       ON CONFLICT (message_id) DO NOTHING
       RETURNING state`,
      [
        messages.map((m) => m.messageId),
        messages.map((m) => m.sendAtMs),
        messages.map((m) => Buffer.from(m.accepted)),
        messages.map((m) => (m.pumping ? 'held' : 'pending')),
        messages.map((m) => m.pumping?.accountId ?? ''),
        messages.map((m) => m.pumping?.country ?? ''),
        messages.map((m) => m.pumping?.acceptedAtMs ?? null),
      ],
    );
    const pumping = rows.filter((r) => r.state === 'held').length;
    return { scheduled: rows.length - pumping, pumping };
  }

  /** Pumping-held messages, oldest first (at most `limit`), and how many the selection holds in all. */
  async listHeld(accountId: string, country: string, limit: number): Promise<{ rows: PumpingHoldRow[]; total: number }> {
    const where = `state = 'held' AND ($1 = '' OR account_id = $1) AND ($2 = '' OR country = $2)`;
    const [list, total] = await Promise.all([
      this.pool.query<{ message_id: string; account_id: string; country: string; accepted_ms: number; until_ms: number }>(
        `SELECT message_id, account_id, country, (extract(epoch FROM accepted_at) * 1000)::float8 AS accepted_ms, (extract(epoch FROM send_at) * 1000)::float8 AS until_ms
           FROM scheduled_messages WHERE ${where} ORDER BY accepted_at, message_id LIMIT $3`,
        [accountId, country, limit],
      ),
      this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM scheduled_messages WHERE ${where}`, [accountId, country]),
    ]);
    return {
      rows: list.rows.map((r) => ({ messageId: r.message_id, accountId: r.account_id, country: r.country, acceptedAtMs: Math.round(Number(r.accepted_ms)), heldUntilMs: Math.round(Number(r.until_ms)) })),
      total: total.rows[0]?.n ?? 0,
    };
  }

  /** How many messages SMS-pumping protection holds now (the partial index answers). */
  async countHeld(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM scheduled_messages WHERE state = 'held'`);
    return rows[0]?.n ?? 0;
  }

  /**
   * Takes up to `limit` held messages of the selection, hands them to `settle` with the
   * transaction's client (to publish, refund), and gives each the state `settle` names — all in
   * one transaction holding their rows (FOR UPDATE SKIP LOCKED), so a failed publish leaves them
   * held and no other replica or operator takes them meanwhile.
   */
  async takeHeld(selection: HoldSelection, limit: number, settle: (taken: TakenHold[], db: PoolClient) => Promise<Map<string, 'released' | 'rejected' | 'pending'>>): Promise<TakenHold[]> {
    const [filter, params]: [string, unknown[]] =
      'ids' in selection ? ['message_id = ANY($2::text[])', [selection.ids]] : 'accountId' in selection ? [`account_id = $2 AND ($3 = '' OR country = $3)`, [selection.accountId, selection.country ?? '']] : ['send_at <= now()', []];
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ message_id: string; account_id: string; country: string; accepted_ms: number; until_ms: number; accepted: Buffer }>(
        `SELECT message_id, account_id, country, (extract(epoch FROM accepted_at) * 1000)::float8 AS accepted_ms, (extract(epoch FROM send_at) * 1000)::float8 AS until_ms, accepted
           FROM scheduled_messages WHERE state = 'held' AND ${filter} ORDER BY send_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit, ...params],
      );
      const taken = rows.map((r) => ({ messageId: r.message_id, accountId: r.account_id, country: r.country, acceptedAtMs: Math.round(Number(r.accepted_ms)), heldUntilMs: Math.round(Number(r.until_ms)), accepted: r.accepted, sendAtMs: 0 }));
      if (taken.length > 0) {
        const states = await settle(taken, client);
        const ids = [...states.keys()];
        const sendAt = new Map(taken.map((t) => [t.messageId, t.sendAtMs]));
        await client.query(
          `UPDATE scheduled_messages s SET state = u.state,
                  accepted = CASE WHEN u.state = 'pending' THEN s.accepted END,
                  send_at = CASE WHEN u.state = 'pending' THEN to_timestamp(u.send_ms / 1000.0) ELSE s.send_at END,
                  updated_at = now()
             FROM unnest($1::text[], $2::text[], $3::float8[]) AS u(id, state, send_ms) WHERE s.message_id = u.id`,
          [ids, ids.map((id) => states.get(id)), ids.map((id) => sendAt.get(id) ?? 0)],
        );
      }
      await client.query('COMMIT');
      return taken;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
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
       ON CONFLICT (message_id) DO UPDATE SET state = 'canceled', accepted = NULL, updated_at = now() WHERE scheduled_messages.state IN ('pending', 'held')
       RETURNING message_id`,
      [messageId],
    );
    if (changed.rowCount) return 'canceled';
    const { rows } = await this.pool.query<{ state: string }>('SELECT state FROM scheduled_messages WHERE message_id = $1', [messageId]);
    return rows[0]?.state === 'released' || rows[0]?.state === 'rejected' ? 'released' : 'already-canceled';
  }

  /** Deletes released, rejected and canceled rows older than the retention. */
  async sweep(retentionMs: number): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM scheduled_messages WHERE state NOT IN ('pending', 'held') AND updated_at < now() - make_interval(secs => $1)`, [retentionMs / 1000]);
    return rowCount ?? 0;
  }
}
