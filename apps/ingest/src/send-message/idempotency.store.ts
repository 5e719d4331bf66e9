import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@smsgw/shared/feature-ops';

/**
 * Client idempotency keys (table idempotency_keys). Claimed before the message is published, so two
 * racing retries get one id; released if the publish fails, so a retry can try again.
 */
@Injectable()
export class IdempotencyStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Returns the id already holding the key, or undefined when this call claimed it for messageId. */
  async claim(clientId: string, key: string, messageId: string): Promise<string | undefined> {
    return (await this.claimMany(clientId, [{ key, messageId }])).get(key);
  }

  /**
   * Claims a batch of keys in at most two statements: returns, for each key already held (by an earlier
   * request or an earlier entry of this batch), the id holding it.
   */
  async claimMany(clientId: string, claims: { key: string; messageId: string }[]): Promise<Map<string, string>> {
    const held = new Map<string, string>();
    if (claims.length === 0) return held;
    const inserted = await this.pool.query<{ idempotency_key: string; message_id: string }>(
      `INSERT INTO idempotency_keys (client_id, idempotency_key, message_id)
       SELECT $1, k, m FROM unnest($2::text[], $3::text[]) AS c(k, m)
       ON CONFLICT (client_id, idempotency_key) DO NOTHING RETURNING idempotency_key, message_id`,
      [clientId, claims.map((c) => c.key), claims.map((c) => c.messageId)],
    );
    const won = new Map(inserted.rows.map((r) => [r.idempotency_key, r.message_id]));
    const lost = claims.filter((c) => won.get(c.key) !== c.messageId).map((c) => c.key);
    if (lost.length === 0) return held;
    const existing = await this.pool.query<{ idempotency_key: string; message_id: string }>(
      'SELECT idempotency_key, message_id FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = ANY($2::text[])',
      [clientId, lost],
    );
    for (const r of existing.rows) held.set(r.idempotency_key, r.message_id);
    return held;
  }

  async release(clientId: string, key: string, messageId: string): Promise<void> {
    await this.pool.query('DELETE FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2 AND message_id = $3', [clientId, key, messageId]);
  }
}
