import { Metadata } from '@grpc/grpc-js';
import { createAccount, createKey, listKeys, revokeKey, setAccountEnabled, setPolicy } from '@smsgw/accounts/data-access-store';
import { AuthError, DEFAULT_POLICY } from '@smsgw/accounts/domain';
import { createPool } from '@smsgw/shared/data-access-db';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { ApiKeyAuthenticator, KEY_CACHE_MS } from './api-key.authenticator';

// Against the real PostgreSQL (npm test migrates DATABASE_URL); the lookups are counted by the
// authenticator's own metric, so the test sees what production would.
const pool = createPool(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw_test', { max: 4 });
const registry = createMetricsRegistry('ingest-it');
const auth = new ApiKeyAuthenticator(pool, createLogger({ app: 'ingest-it', level: 'silent' }), registry);
const run = `auth-it-${process.pid}-${Date.now().toString(36)}`;
const bearer = (key: string) => {
  const m = new Metadata();
  m.set('authorization', `Bearer ${key}`);
  return m;
};
const lookups = async () => ((await registry.getSingleMetric('smsgw_api_key_lookups_total')?.get())?.values ?? []).reduce((n, v) => n + v.value, 0);
const codeOf = (p: Promise<unknown>) => p.then(() => 'accepted', (err) => (err instanceof AuthError ? err.code : String(err)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  await pool.query(`DELETE FROM account_policies WHERE account_id IN (SELECT id FROM accounts WHERE name LIKE $1)`, [`${run}%`]);
  await pool.query(`DELETE FROM api_keys WHERE account_id IN (SELECT id FROM accounts WHERE name LIKE $1)`, [`${run}%`]);
  await pool.query(`DELETE FROM accounts WHERE name LIKE $1`, [`${run}%`]);
  await pool.end();
});

describe('ApiKeyAuthenticator (PostgreSQL)', () => {
  it('names the account of a good key, and reads PostgreSQL once for a burst of calls', async () => {
    const { account, apiKey } = await createAccount(pool, `${run}-burst`);
    const before = await lookups();
    const principals = await Promise.all(Array.from({ length: 200 }, () => auth.authenticate(bearer(apiKey))));
    expect(new Set(principals.map((p) => p.accountId))).toEqual(new Set([account.id]));
    for (let i = 0; i < 50; i++) await auth.authenticate(bearer(apiKey));
    expect((await lookups()) - before).toBe(1);
  });

  it('refuses missing, malformed and unknown keys, and a wrong secret, without a query for each', async () => {
    const { apiKey } = await createAccount(pool, `${run}-bad`);
    expect(await codeOf(auth.authenticate(undefined))).toBe('AUTH.MISSING_KEY');
    expect(await codeOf(auth.authenticate(new Metadata()))).toBe('AUTH.MISSING_KEY');
    expect(await codeOf(auth.authenticate(bearer('not-a-key')))).toBe('AUTH.MALFORMED_KEY');
    const wrongSecret = apiKey.slice(0, -4) + (apiKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const before = await lookups();
    for (let i = 0; i < 20; i++) expect(await codeOf(auth.authenticate(bearer(wrongSecret)))).toBe('AUTH.INVALID_KEY');
    const unknown = 'smsgw_000000000000_' + '1'.repeat(43);
    for (let i = 0; i < 20; i++) expect(await codeOf(auth.authenticate(bearer(unknown)))).toBe('AUTH.INVALID_KEY');
    expect((await lookups()) - before).toBeLessThanOrEqual(2);
  });

  it('a revoked key and a disabled account stop working within KEY_CACHE_MS', async () => {
    const { account, apiKey, key } = await createAccount(pool, `${run}-revoke`);
    const other = await createKey(pool, account.id);
    expect(await codeOf(auth.authenticate(bearer(apiKey)))).toBe('accepted');
    expect(await codeOf(auth.authenticate(bearer(other.apiKey)))).toBe('accepted');
    await revokeKey(pool, key.keyId);
    await sleep(KEY_CACHE_MS + 50);
    expect(await codeOf(auth.authenticate(bearer(apiKey)))).toBe('AUTH.KEY_REVOKED');
    expect(await codeOf(auth.authenticate(bearer(other.apiKey)))).toBe('accepted');
    await setAccountEnabled(pool, account.id, false);
    await sleep(KEY_CACHE_MS + 50);
    expect(await codeOf(auth.authenticate(bearer(other.apiKey)))).toBe('AUTH.ACCOUNT_DISABLED');
  });

  it("hands out the account's policy with the key, at most KEY_CACHE_MS stale, without a query per call", async () => {
    const { account, apiKey } = await createAccount(pool, `${run}-policy`);
    expect((await auth.authenticate(bearer(apiKey))).policy).toEqual(DEFAULT_POLICY);
    await setPolicy(pool, account.id, { ...DEFAULT_POLICY, senders: ['ACME*'], countries: ['GB'] });
    await sleep(KEY_CACHE_MS + 50);
    const before = await lookups();
    for (let i = 0; i < 50; i++) expect((await auth.authenticate(bearer(apiKey))).policy).toEqual({ ...DEFAULT_POLICY, senders: ['ACME*'], countries: ['GB'] });
    expect((await lookups()) - before).toBe(1);
  });

  it('writes last_used_at in one batch, not per call', async () => {
    const { account, apiKey, key } = await createAccount(pool, `${run}-used`);
    for (let i = 0; i < 10; i++) await auth.authenticate(bearer(apiKey));
    expect((await listKeys(pool, account.id))[0].lastUsedAtMs).toBe(0);
    await auth.flushLastUsed();
    const [stored] = await listKeys(pool, account.id);
    expect(stored.keyId).toBe(key.keyId);
    expect(Date.now() - stored.lastUsedAtMs).toBeLessThan(5000);
  });
});
