import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../database.provider';

/**
 * Client idempotency keys (table idempotency_keys). Claimed before the message is published, so two
 * racing retries get one id; released if the publish fails, so a retry can try again.
 */
@Injectable()
export class IdempotencyStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Returns the id already holding the key, or undefined when this call claimed it for messageId. */
  async claim(clientId: string, key: string, messageId: string): Promise<string | undefined> {
    const inserted = await this.pool.query(
      `INSERT INTO idempotency_keys (client_id, idempotency_key, message_id) VALUES ($1, $2, $3)
       ON CONFLICT (client_id, idempotency_key) DO NOTHING RETURNING message_id`,
      [clientId, key, messageId],
    );
    if (inserted.rowCount === 1) return undefined;
    const existing = await this.pool.query<{ message_id: string }>(
      'SELECT message_id FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2',
      [clientId, key],
    );
    return existing.rows[0]?.message_id ?? messageId;
  }

  async release(clientId: string, key: string, messageId: string): Promise<void> {
    await this.pool.query('DELETE FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2 AND message_id = $3', [clientId, key, messageId]);
  }
}
