// Against the real PostgreSQL of DATABASE_URL: the suppression check reads a whole batch (and
// concurrent unary Sends) in one query, and trusts its answers for a second.
import { createAccount } from '@smsgw/accounts/data-access-store';
import { addOptOut, removeOptOut } from '@smsgw/twoway/data-access-store';
import { Pool } from 'pg';
import { SUPPRESSION_CACHE_MS, SuppressionCheck } from './suppression-check';

const pool = new Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw' });
const run = `it-${process.pid}-${Date.now().toString(36)}`;
const tail = String(Date.now()).slice(-5);
let accountId: string;
let queries = 0;
const counted = new Proxy(pool, {
  get: (target, prop) => (prop === 'query' ? (...args: unknown[]) => (queries++, (target.query as (...a: unknown[]) => unknown).apply(target, args)) : Reflect.get(target, prop)),
});

beforeAll(async () => {
  accountId = (await createAccount(pool, `${run}-a`)).account.id;
});

afterAll(async () => {
  for (const table of ['suppressions', 'suppression_audit', 'api_keys']) await pool.query(`DELETE FROM ${table} WHERE account_id = $1`, [accountId]);
  await pool.query(`DELETE FROM accounts WHERE id = $1`, [accountId]);
  await pool.end();
});

describe('SuppressionCheck', () => {
  it('answers a batch with one query, shares it with calls of the same turn, and caches each answer for a second', async () => {
    const stopped = `+4474001${tail}`;
    const perSender = `+4474002${tail}`;
    await addOptOut(pool, accountId, stopped, '');
    await addOptOut(pool, accountId, perSender, '447700900100');
    const check = new SuppressionCheck(counted as Pool);
    const batch = [stopped, perSender, perSender, `+4474003${tail}`].map((to, i) => ({ accountId, to, from: i === 2 ? 'ACME' : '447700900100' }));
    queries = 0;
    expect(await check.refused(batch)).toEqual([true, true, false, false]);
    expect(queries).toBe(1);
    // Two unary Sends in one turn: one query between them.
    queries = 0;
    const [a, b] = await Promise.all([check.refused([{ accountId, to: `+4474004${tail}`, from: 'ACME' }]), check.refused([{ accountId, to: `+4474005${tail}`, from: 'ACME' }])]);
    expect([a, b]).toEqual([[false], [false]]);
    expect(queries).toBe(1);
    // Cached: no query; after the TTL a lifted opt-out is seen.
    await removeOptOut(pool, accountId, stopped, '');
    queries = 0;
    expect(await check.refused([batch[0]])).toEqual([true]);
    expect(queries).toBe(0);
    await new Promise((r) => setTimeout(r, SUPPRESSION_CACHE_MS + 50));
    expect(await check.refused([batch[0]])).toEqual([false]);
    expect(queries).toBe(1);
  });
});
