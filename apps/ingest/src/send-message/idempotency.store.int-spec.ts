import { createPool } from '@smsgw/shared/data-access-db';
import { IdempotencyStore } from './idempotency.store';

// Against the real status store (npm test migrates DATABASE_URL).
const pool = createPool(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw_test', { max: 2 });
const store = new IdempotencyStore(pool);
const client = `it-${Date.now().toString(36)}`;

afterAll(async () => {
  await pool.query('DELETE FROM idempotency_keys WHERE client_id = $1', [client]);
  await pool.end();
});

describe('IdempotencyStore', () => {
  it('gives a key to the first claim and names its message to later ones', async () => {
    expect(await store.claim(client, 'k1', 'm1')).toBeUndefined();
    expect(await store.claim(client, 'k1', 'm2')).toBe('m1');
  });

  it('claims a batch at once: keys held earlier or earlier in the batch name their message', async () => {
    const held = await store.claimMany(client, [
      { key: 'k1', messageId: 'm3' },
      { key: 'k2', messageId: 'm4' },
      { key: 'k2', messageId: 'm5' },
      { key: 'k3', messageId: 'm6' },
    ]);
    expect(Object.fromEntries(held)).toEqual({ k1: 'm1', k2: 'm4' });
  });

  it('frees a key on release so a retry can claim it', async () => {
    await store.release(client, 'k3', 'm6');
    expect(await store.claim(client, 'k3', 'm7')).toBeUndefined();
  });
});
