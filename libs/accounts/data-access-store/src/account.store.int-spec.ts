// Against the real PostgreSQL of DATABASE_URL (migrated by npm test / infra:up).
import { AccountError, DEFAULT_POLICY, parseApiKey, verifyApiKey } from '@smsgw/accounts/domain';
import { Pool } from 'pg';
import { createAccount, createKey, findAccounts, findKeys, getAccount, getPolicy, listAccounts, listKeys, revokeKey, setAccountEnabled, setPolicy, touchKeys } from './account.store';

const pool = new Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw' });
const run = `it-${process.pid}-${Date.now().toString(36)}`;
const codeOf = (p: Promise<unknown>) => p.then(() => 'no error', (err: AccountError) => err.code);

afterAll(async () => {
  await pool.query(`DELETE FROM account_policies WHERE account_id IN (SELECT id FROM accounts WHERE name LIKE $1)`, [`${run}%`]);
  await pool.query(`DELETE FROM api_keys WHERE account_id IN (SELECT id FROM accounts WHERE name LIKE $1)`, [`${run}%`]);
  await pool.query(`DELETE FROM accounts WHERE name LIKE $1`, [`${run}%`]);
  await pool.end();
});

describe('account store', () => {
  it('creates an account with a first key whose secret is stored only as its hash', async () => {
    const { account, apiKey, key } = await createAccount(pool, `${run}-a`);
    expect(account).toMatchObject({ name: `${run}-a`, enabled: true });
    expect(key).toMatchObject({ accountId: account.id, revokedAtMs: 0, lastUsedAtMs: 0 });
    const parsed = parseApiKey(apiKey);
    expect(parsed.keyId).toBe(key.keyId);
    const { rows } = await pool.query('SELECT * FROM api_keys WHERE id = $1', [key.keyId]);
    expect(JSON.stringify(rows[0])).not.toContain(parsed.secret);
    const stored = (await findKeys(pool, [key.keyId, 'unknownkey00'])).get(key.keyId);
    expect(verifyApiKey(parsed, stored)).toEqual({ accountId: account.id, accountName: account.name, keyId: key.keyId, policy: DEFAULT_POLICY });
    expect((await listAccounts(pool)).map((a) => a.id)).toContain(account.id);
    expect(await getAccount(pool, `${run}-a`)).toEqual(account);
    expect(await getAccount(pool, account.id)).toEqual(account);
  });

  it('refuses a taken name, a bad name and unknown ids with their codes', async () => {
    await createAccount(pool, `${run}-dup`);
    expect(await codeOf(createAccount(pool, `${run}-dup`))).toBe('ACCOUNT.NAME_TAKEN');
    expect(await codeOf(createAccount(pool, 'no spaces please'))).toBe('ACCOUNT.INVALID_NAME');
    expect(await codeOf(getAccount(pool, `${run}-missing`))).toBe('ACCOUNT.NOT_FOUND');
    expect(await codeOf(createKey(pool, `${run}-missing`))).toBe('ACCOUNT.NOT_FOUND');
    expect(await codeOf(revokeKey(pool, 'nosuchkey000'))).toBe('ACCOUNT.KEY_NOT_FOUND');
  });

  it('holds several keys per account; a revoked key and a disabled account show in findKeys', async () => {
    const { account, key: first } = await createAccount(pool, `${run}-b`);
    const second = await createKey(pool, `${run}-b`);
    expect((await listKeys(pool, account.id)).map((k) => k.keyId).sort()).toEqual([first.keyId, second.key.keyId].sort());
    const revoked = await revokeKey(pool, first.keyId);
    expect(revoked.revokedAtMs).toBeGreaterThan(0);
    expect((await revokeKey(pool, first.keyId)).revokedAtMs).toBe(revoked.revokedAtMs);
    await setAccountEnabled(pool, account.id, false);
    const found = await findKeys(pool, [first.keyId, second.key.keyId]);
    expect(found.get(first.keyId)).toMatchObject({ revoked: true, accountEnabled: false });
    expect(found.get(second.key.keyId)).toMatchObject({ revoked: false, accountEnabled: false });
    expect(await setAccountEnabled(pool, `${run}-b`, true)).toMatchObject({ enabled: true });
    expect((await findKeys(pool, [second.key.keyId])).get(second.key.keyId)?.accountEnabled).toBe(true);
  });

  it('records last use in one statement, never moving it back', async () => {
    const a = await createAccount(pool, `${run}-c`);
    const b = await createKey(pool, `${run}-c`);
    const t = Date.now();
    await touchKeys(pool, new Map([[a.key.keyId, t], [b.key.keyId, t - 5000]]));
    await touchKeys(pool, new Map([[a.key.keyId, t - 60_000]]));
    const keys = new Map((await listKeys(pool, a.account.id)).map((k) => [k.keyId, k.lastUsedAtMs]));
    expect(Math.abs((keys.get(a.key.keyId) ?? 0) - t)).toBeLessThan(2);
    expect(Math.abs((keys.get(b.key.keyId) ?? 0) - (t - 5000))).toBeLessThan(2);
  });

  it('keeps a policy per account, validated and normalised, and hands it out with the account\'s keys', async () => {
    const { account, key } = await createAccount(pool, `${run}-p`);
    expect(await getPolicy(pool, account.id)).toEqual(DEFAULT_POLICY);
    const pumping = { pumpingMode: 'monitor' as const, pumpingMinPerMinute: 50, pumpingFactor: 2.5 };
    const policy = { senders: ['ACME', 'ACME*'], countries: ['gb', 'FR'], allowedNumberTypes: ['premium_rate'], callbackHttp: true, callbackPrivate: false, ratePerSecond: 5, rateBurst: 10, ...pumping, defaultSender: 'ACME', emailSenders: ['Ops@Acme.Example'], emailReports: true };
    const set = await setPolicy(pool, `${run}-p`, policy);
    const stored = { senders: ['ACME', 'ACME*'], countries: ['GB', 'FR'], allowedNumberTypes: ['PREMIUM_RATE'], callbackHttp: true, callbackPrivate: false, ratePerSecond: 5, rateBurst: 10, ...pumping, defaultSender: 'ACME', emailSenders: ['ops@acme.example'], emailReports: true };
    expect(set).toEqual({ account, policy: stored });
    expect(await getPolicy(pool, account.id)).toEqual(stored);
    expect((await findKeys(pool, [key.keyId])).get(key.keyId)?.policy).toEqual(stored);
    // A second set replaces the whole policy.
    await setPolicy(pool, account.id, { ...DEFAULT_POLICY, countries: ['DE'] });
    expect((await findKeys(pool, [key.keyId])).get(key.keyId)?.policy).toEqual({ ...DEFAULT_POLICY, countries: ['DE'] });
    expect(await codeOf(setPolicy(pool, account.id, { ...DEFAULT_POLICY, countries: ['Germany'] }))).toBe('ACCOUNT.INVALID_POLICY');
    expect(await codeOf(setPolicy(pool, `${run}-missing`, DEFAULT_POLICY))).toBe('ACCOUNT.NOT_FOUND');
    // By id or name (a client certificate's mapping names either), with the state and policy.
    const found = await findAccounts(pool, [account.id, `${run}-p`, `${run}-missing`]);
    expect([...found.keys()].sort()).toEqual([account.id, `${run}-p`].sort());
    expect(found.get(`${run}-p`)).toEqual({ accountId: account.id, accountName: `${run}-p`, enabled: true, policy: { ...DEFAULT_POLICY, countries: ['DE'] } });
  });
});
