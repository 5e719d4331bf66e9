import { createPool } from '@smsgw/shared/data-access-db';
import { IdempotencyStore, UNCONFIRMED, heldKeyOf } from './idempotency.store';

// Against the real status store (npm test migrates DATABASE_URL).
const pool = createPool(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw_test', { max: 2 });
const store = new IdempotencyStore(pool);
const client = `it-${Date.now().toString(36)}`;
const reply = { status: 2, encoding: 1, segments: 1, acceptedAtMs: 1_700_000_000_000 };
const claim = (key: string, messageId: string) => ({ key, messageId, reply });

afterAll(async () => {
  await pool.query('DELETE FROM idempotency_keys WHERE client_id = $1', [client]);
  await pool.end();
});

describe('IdempotencyStore', () => {
  it('gives a key to the first claim and names its message to later ones', async () => {
    expect(await store.claim(client, claim('k1', 'm1'))).toBeUndefined();
    expect(await store.claim(client, claim('k1', 'm2'))).toMatchObject({ messageId: 'm1', reply: reply });
  });

  it('claims a batch at once: keys held earlier or earlier in the batch name their message', async () => {
    const held = await store.claimMany(client, [claim('k1', 'm3'), claim('k2', 'm4'), claim('k2', 'm5'), claim('k3', 'm6')]);
    expect(Object.fromEntries([...held].map(([k, h]) => [k, h.messageId]))).toEqual({ k1: 'm1', k2: 'm4' });
  });

  it('claims made in one event-loop turn share a statement: one winner per key, other clients apart', async () => {
    const other = `${client}-b`;
    try {
      const [first, second, otherClient] = await Promise.all([store.claim(client, claim('k4', 'm8')), store.claim(client, claim('k4', 'm9')), store.claim(other, claim('k4', 'm10'))]);
      expect(first).toBeUndefined();
      expect(second).toMatchObject({ messageId: 'm8' });
      expect(otherClient).toBeUndefined();
      const found = await Promise.all([store.find([{ clientId: client, key: 'k4' }]), store.find([{ clientId: other, key: 'k4' }])]);
      expect(found.map((f, i) => f.get(`${i === 0 ? client : other}\u0000k4`)?.messageId)).toEqual(['m8', 'm10']);
    } finally {
      await pool.query('DELETE FROM idempotency_keys WHERE client_id = $1', [other]);
    }
  });

  it('frees a key on release so a retry can claim it', async () => {
    await store.release(client, 'k3', 'm6');
    expect(await store.claim(client, claim('k3', 'm7'))).toBeUndefined();
  });
});

describe('IdempotencyStore.takeOver', () => {
  const STALE_MS = 60_000;
  const stale = (keys: string[]) => pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '61 seconds' WHERE client_id = $1 AND idempotency_key = ANY($2)`, [client, keys]);
  const unconfirmed = (key: string, messageId: string) => ({ ...claim(key, messageId), source: UNCONFIRMED });

  it('takes over only a stale, unconfirmed claim of the same message', async () => {
    await store.claimMany(client, [unconfirmed('t1', 'mt1'), unconfirmed('t2', 'mt2'), claim('t3', 'mt3'), unconfirmed('t4', 'mt4')]);
    await stale(['t1', 't3', 't4']);
    const won = await store.takeOver(
      [
        { clientId: client, key: 't1', messageId: 'mt1' }, // stale and unconfirmed
        { clientId: client, key: 't1', messageId: 'mt1' }, // named twice: taken once
        { clientId: client, key: 't2', messageId: 'mt2' }, // not stale yet
        { clientId: client, key: 't3', messageId: 'mt3' }, // confirmed (a gRPC claim's source is '' once published)
        { clientId: client, key: 't4', messageId: 'other' }, // another message's claim
      ],
      STALE_MS,
    );
    expect([...won]).toEqual([heldKeyOf(client, 't1')]);
    // Taken: no longer stale, so a second taker gets nothing.
    expect(await store.takeOver([{ clientId: client, key: 't1', messageId: 'mt1' }], STALE_MS)).toEqual(new Set());
  });

  it('two replicas racing for the same stale claims: each claim is won exactly once', async () => {
    // Two stores on pools of their own: two ingest replicas, each with its own connections.
    const pools = [createPool(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw_test', { max: 1 }), createPool(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw_test', { max: 1 })];
    const replicas = pools.map((p) => new IdempotencyStore(p));
    try {
      for (let round = 0; round < 5; round++) {
        const keys = Array.from({ length: 50 }, (_, i) => `race-${round}-${i}`);
        await store.claimMany(client, keys.map((k) => unconfirmed(k, `m-${k}`)));
        await stale(keys);
        // Opposite orders, so the two statements meet on the rows from both ends.
        const wanted = keys.map((k) => ({ clientId: client, key: k, messageId: `m-${k}` }));
        const [a, b] = await Promise.all([replicas[0].takeOver(wanted, STALE_MS), replicas[1].takeOver([...wanted].reverse(), STALE_MS)]);
        expect([...a].filter((k) => b.has(k))).toEqual([]);
        expect(new Set([...a, ...b]).size).toBe(keys.length);
      }
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
