import { createPool } from '@smsgw/shared/data-access-db';
import { IdempotencyStore } from './idempotency.store';

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

  it('frees a key on release so a retry can claim it', async () => {
    await store.release(client, 'k3', 'm6');
    expect(await store.claim(client, claim('k3', 'm7'))).toBeUndefined();
  });
});
