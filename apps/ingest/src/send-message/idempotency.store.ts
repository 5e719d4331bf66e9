import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@smsgw/shared/feature-ops';

/** What the first request with a key was told; every later one with that key is told the same. */
export interface FirstReply {
  status: number;
  encoding: number;
  segments: number;
  acceptedAtMs: number;
}

export interface IdempotencyClaim {
  key: string;
  messageId: string;
  reply: FirstReply;
  /** Where the request came from: a Kafka record's topic/partition/offset; '' for gRPC. */
  source?: string;
}

/** The claim that holds a key. `reply` is missing for keys stored before replies were kept. */
export interface HeldKey {
  messageId: string;
  reply?: FirstReply;
  source: string;
}

interface ClaimRow {
  idempotency_key: string;
  won: boolean;
  message_id: string | null;
  reply: FirstReply | null;
  source: string | null;
}

/**
 * Client idempotency keys (table idempotency_keys). Claimed before the message is published, so two
 * racing retries get one id; released if a gRPC publish fails, so a retry can try again. Deleted
 * after the retention (sweep).
 */
@Injectable()
export class IdempotencyStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Returns the claim already holding the key, or undefined when this call claimed it. */
  async claim(clientId: string, claim: IdempotencyClaim): Promise<HeldKey | undefined> {
    return (await this.claimMany(clientId, [claim])).get(claim.key);
  }

  /**
   * Claims a batch of keys in one statement: returns, for each key already held (by an earlier
   * request or an earlier entry of this batch), the claim holding it. A second statement runs
   * only when another transaction claimed one of the keys at the same moment.
   */
  async claimMany(clientId: string, claims: IdempotencyClaim[]): Promise<Map<string, HeldKey>> {
    const held = new Map<string, HeldKey>();
    if (claims.length === 0) return held;
    // The statement's SELECT sees the table as it was before its INSERT: the rows it returns are
    // the keys held earlier, the INSERT's RETURNING the keys this batch won.
    const { rows } = await this.pool.query<ClaimRow>(
      `WITH c AS (
         SELECT * FROM unnest($2::text[], $3::text[], $4::jsonb[], $5::text[]) WITH ORDINALITY AS c(k, m, reply, source, n)
       ), won AS (
         INSERT INTO idempotency_keys (client_id, idempotency_key, message_id, reply, source)
         SELECT DISTINCT ON (k) $1, k, m, reply, source FROM c ORDER BY k, n
         ON CONFLICT (client_id, idempotency_key) DO NOTHING
         RETURNING idempotency_key
       )
       SELECT idempotency_key, true AS won, NULL AS message_id, NULL::jsonb AS reply, NULL AS source FROM won
       UNION ALL
       SELECT idempotency_key, false, message_id, reply, source FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = ANY($2::text[])`,
      [clientId, claims.map((c) => c.key), claims.map((c) => c.messageId), claims.map((c) => JSON.stringify(c.reply)), claims.map((c) => c.source ?? '')],
    );
    const won = new Set(rows.filter((r) => r.won).map((r) => r.idempotency_key));
    const rowsHeld = rows.filter((r) => !r.won);
    const raced = [...new Set(claims.map((c) => c.key))].filter((k) => !won.has(k) && !rowsHeld.some((r) => r.idempotency_key === k));
    if (raced.length) rowsHeld.push(...(await this.read(clientId, raced)));
    for (const r of rowsHeld) held.set(r.idempotency_key, { messageId: r.message_id as string, reply: r.reply ?? undefined, source: r.source ?? '' });
    // Later entries of this batch with a key an earlier entry won.
    const first = new Map<string, IdempotencyClaim>();
    for (const c of claims) {
      const winner = first.get(c.key);
      if (!winner) first.set(c.key, c);
      else if (won.has(c.key)) held.set(c.key, { messageId: winner.messageId, reply: winner.reply, source: winner.source ?? '' });
    }
    return held;
  }

  async release(clientId: string, key: string, messageId: string): Promise<void> {
    await this.pool.query('DELETE FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2 AND message_id = $3', [clientId, key, messageId]);
  }

  /** Deletes keys claimed before `createdBeforeMs`, at most `limit`; returns how many. */
  async sweep(createdBeforeMs: number, limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM idempotency_keys WHERE ctid IN (
         SELECT ctid FROM idempotency_keys WHERE created_at < to_timestamp($1 / 1000.0) LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [createdBeforeMs, limit],
    );
    return rowCount ?? 0;
  }

  private async read(clientId: string, keys: string[]): Promise<ClaimRow[]> {
    const { rows } = await this.pool.query<ClaimRow>(
      'SELECT idempotency_key, false AS won, message_id, reply, source FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = ANY($2::text[])',
      [clientId, keys],
    );
    return rows;
  }
}
