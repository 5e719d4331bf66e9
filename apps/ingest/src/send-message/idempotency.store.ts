import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@smsgw/shared/feature-ops';
import { SameTurn } from './same-turn';

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
  /** How long ago the key was claimed (ms). */
  ageMs: number;
}

/**
 * The source of a gRPC or HTTP claim until its message is on sms.accepted.v1 (confirm): a claim
 * still unconfirmed long after it was made is one whose process died before publishing, and a
 * retry takes it over instead of being told the id of a message that never was.
 */
export const UNCONFIRMED = 'unconfirmed';

/** A retry found its key claimed by a request whose publish is neither confirmed nor abandoned yet. */
export class IdempotencyInProgressError extends Error {
  readonly code = 'IDEMPOTENCY.IN_PROGRESS';
  constructor(readonly retryAfterMs: number) {
    super(`idempotency_key: an earlier request with this key is still being published; retry in ${retryAfterMs} ms with the same key`);
    this.name = 'IdempotencyInProgressError';
  }
}

interface ClaimRow {
  client_id: string;
  idempotency_key: string;
  won: boolean;
  message_id: string | null;
  reply: FirstReply | null;
  source: string | null;
  age_ms: number | null;
}

const SEP = '\u0000';
/** The map key of a client's idempotency key in the answers of find and claimAll. */
export const heldKeyOf = (clientId: string, key: string): string => `${clientId}${SEP}${key}`;
const toHeld = (r: ClaimRow): HeldKey => ({ messageId: r.message_id as string, reply: r.reply ?? undefined, source: r.source ?? '', ageMs: Math.round(Number(r.age_ms ?? 0)) });
const AGE_MS = 'extract(epoch FROM now() - i.created_at) * 1000 AS age_ms';

/**
 * Client idempotency keys (table idempotency_keys). Claimed before the message is published, so two
 * racing retries get one id; released if a gRPC publish fails, so a retry can try again. Deleted
 * after the retention (sweep).
 */
@Injectable()
export class IdempotencyStore {
  private readonly finds = new SameTurn((keys: { clientId: string; key: string }[]) => this.findNow(keys));
  private readonly claims = new SameTurn((claims: (IdempotencyClaim & { clientId: string })[]) => this.claimAllNow(claims));
  private readonly confirms = new SameTurn((keys: { clientId: string; key: string }[]) => this.confirmNow(keys));

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Returns the claim already holding the key, or undefined when this call claimed it. */
  async claim(clientId: string, claim: IdempotencyClaim): Promise<HeldKey | undefined> {
    return (await this.claimMany(clientId, [claim])).get(claim.key);
  }

  /** claimAll for one client, keyed by idempotency key. */
  async claimMany(clientId: string, claims: IdempotencyClaim[]): Promise<Map<string, HeldKey>> {
    const held = await this.claimAll(claims.map((c) => ({ ...c, clientId })));
    return new Map(claims.flatMap((c) => {
      const h = held.get(heldKeyOf(clientId, c.key));
      return h && h.messageId !== c.messageId ? [[c.key, h] as const] : [];
    }));
  }

  /**
   * The claims holding these keys now, in one statement (keyed by heldKeyOf): what a replay is
   * answered with before it costs the account any of its rate. Calls of one turn share the statement.
   */
  find(keys: { clientId: string; key: string }[]): Promise<Map<string, HeldKey>> {
    return keys.length === 0 ? Promise.resolve(new Map()) : this.finds.add(keys);
  }

  private async findNow(keys: { clientId: string; key: string }[]): Promise<Map<string, HeldKey>> {
    const held = new Map<string, HeldKey>();
    const { rows } = await this.pool.query<ClaimRow>(
      `SELECT i.client_id, i.idempotency_key, false AS won, i.message_id, i.reply, i.source, ${AGE_MS}
         FROM idempotency_keys i JOIN unnest($1::text[], $2::text[]) AS c(cl, k) ON i.client_id = c.cl AND i.idempotency_key = c.k`,
      [keys.map((k) => k.clientId), keys.map((k) => k.key)],
    );
    for (const r of rows) held.set(heldKeyOf(r.client_id, r.idempotency_key), toHeld(r));
    return held;
  }

  /**
   * Claims a batch of keys, of one client or several (a Kafka fetch), in one statement: returns,
   * keyed by heldKeyOf, for each key already held (by an earlier request or an earlier entry of
   * this batch), the claim holding it. A second statement runs only when another transaction
   * claimed one of the keys at the same moment. Calls of one turn share the statement (a key in two
   * of them: the first wins, as within one batch).
   */
  claimAll(claims: (IdempotencyClaim & { clientId: string })[]): Promise<Map<string, HeldKey>> {
    return claims.length === 0 ? Promise.resolve(new Map()) : this.claims.add(claims);
  }

  private async claimAllNow(claims: (IdempotencyClaim & { clientId: string })[]): Promise<Map<string, HeldKey>> {
    const held = new Map<string, HeldKey>();
    // The statement's SELECT sees the table as it was before its INSERT: the rows it returns are
    // the keys held earlier, the INSERT's RETURNING the keys this batch won.
    const { rows } = await this.pool.query<ClaimRow>(
      `WITH c AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[]) WITH ORDINALITY AS c(cl, k, m, reply, source, n)
       ), won AS (
         INSERT INTO idempotency_keys (client_id, idempotency_key, message_id, reply, source)
         SELECT DISTINCT ON (cl, k) cl, k, m, reply, source FROM c ORDER BY cl, k, n
         ON CONFLICT (client_id, idempotency_key) DO NOTHING
         RETURNING client_id, idempotency_key
       )
       SELECT client_id, idempotency_key, true AS won, NULL AS message_id, NULL::jsonb AS reply, NULL AS source, NULL::float8 AS age_ms FROM won
       UNION ALL
       SELECT i.client_id, i.idempotency_key, false, i.message_id, i.reply, i.source, ${AGE_MS}
         FROM idempotency_keys i JOIN (SELECT DISTINCT cl, k FROM c) d ON i.client_id = d.cl AND i.idempotency_key = d.k`,
      [claims.map((c) => c.clientId), claims.map((c) => c.key), claims.map((c) => c.messageId), claims.map((c) => JSON.stringify(c.reply)), claims.map((c) => c.source ?? '')],
    );
    const id = (r: { client_id: string; idempotency_key: string }) => heldKeyOf(r.client_id, r.idempotency_key);
    const won = new Set(rows.filter((r) => r.won).map(id));
    const rowsHeld = rows.filter((r) => !r.won);
    const seen = new Set(rowsHeld.map(id));
    const raced = [...new Map(claims.map((c) => [heldKeyOf(c.clientId, c.key), c])).entries()].filter(([k]) => !won.has(k) && !seen.has(k)).map(([, c]) => c);
    if (raced.length) {
      for (const [k, v] of await this.findNow(raced)) held.set(k, v);
    }
    for (const r of rowsHeld) held.set(id(r), toHeld(r));
    // Later entries of this batch with a key an earlier entry won.
    const first = new Map<string, IdempotencyClaim>();
    for (const c of claims) {
      const k = heldKeyOf(c.clientId, c.key);
      const winner = first.get(k);
      if (!winner) first.set(k, c);
      else if (won.has(k)) held.set(k, { messageId: winner.messageId, reply: winner.reply, source: winner.source ?? '', ageMs: 0 });
    }
    return held;
  }

  /**
   * Takes over unconfirmed claims older than `staleAfterMs` (their process died before publishing)
   * in one statement: it locks those still unconfirmed, of the same message and stale, skipping
   * rows another transaction holds, and renews their time. Of two replicas racing for one claim,
   * the second either skips the locked row or, once the first has committed, finds it renewed:
   * one wins, and overlapping batches never wait on each other (no deadlock whatever their order).
   * Returns the keys (heldKeyOf) this call won; a key named twice is taken once.
   */
  async takeOver(claims: { clientId: string; key: string; messageId: string }[], staleAfterMs: number): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    const { rows } = await this.pool.query<{ client_id: string; idempotency_key: string }>(
      `WITH c AS (
         SELECT DISTINCT cl, k, m FROM unnest($1::text[], $2::text[], $3::text[]) AS c(cl, k, m)
       ), stale AS (
         SELECT i.client_id, i.idempotency_key FROM idempotency_keys i JOIN c ON i.client_id = c.cl AND i.idempotency_key = c.k AND i.message_id = c.m
          WHERE i.source = $4 AND i.created_at <= now() - make_interval(secs => $5 / 1000.0)
          FOR UPDATE OF i SKIP LOCKED
       )
       UPDATE idempotency_keys i SET created_at = now() FROM stale s
        WHERE i.client_id = s.client_id AND i.idempotency_key = s.idempotency_key
        RETURNING i.client_id, i.idempotency_key`,
      [claims.map((c) => c.clientId), claims.map((c) => c.key), claims.map((c) => c.messageId), UNCONFIRMED, staleAfterMs],
    );
    return new Set(rows.map((r) => heldKeyOf(r.client_id, r.idempotency_key)));
  }

  /** The keys' messages are on sms.accepted.v1: their claims are final. Calls of one turn share the statement. */
  confirm(clientId: string, keys: string[]): Promise<void> {
    return keys.length === 0 ? Promise.resolve() : this.confirms.add(keys.map((key) => ({ clientId, key })));
  }

  private async confirmNow(keys: { clientId: string; key: string }[]): Promise<void> {
    await this.pool.query(
      `UPDATE idempotency_keys i SET source = '' FROM unnest($1::text[], $2::text[]) AS c(cl, k)
        WHERE i.client_id = c.cl AND i.idempotency_key = c.k AND i.source = $3`,
      [keys.map((k) => k.clientId), keys.map((k) => k.key), UNCONFIRMED],
    );
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
}
