// Against the real Redis of REDIS_URL (npm test starts a local one); each run has its own key prefix.
import { Redis } from 'ioredis';
import { AccountRateLimiter, type RateVerdict } from './account-rate-limiter';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `it-${process.pid}-${Date.now().toString(36)}:`;
const clients: Redis[] = [];
/** A limiter with its own connection, as an ingest replica has. */
const replica = () => {
  const redis = new Redis(url, { enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 1 });
  clients.push(redis);
  return { redis, limiter: new AccountRateLimiter(redis, prefix) };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  const cleanup = clients[0];
  if (cleanup?.status === 'ready') {
    const keys = await cleanup.keys(`${prefix}*`);
    if (keys.length) await cleanup.del(...keys);
  }
  await Promise.all(clients.map((c) => (c.status === 'ready' ? c.quit() : c.disconnect())));
});

describe('AccountRateLimiter (Redis)', () => {
  it('two replicas together hold one account to its rate within 10 % over a few seconds', async () => {
    const [a, b] = [replica(), replica()];
    await Promise.all([a.redis.connect(), b.redis.connect()]);
    const limit = { ratePerSecond: 200, rateBurst: 200 };
    const account = 'acc-shared';
    // Each replica offers far more than the rate: 5 messages per take, as fast as Redis answers.
    const drive = async (limiter: AccountRateLimiter, until: number) => {
      let accepted = 0;
      while (Date.now() < until) {
        const v = await limiter.take(account, limit, 5);
        if (v.allowed === true) accepted += 5;
        else if (v.allowed === 'unknown') throw v.error;
        else await sleep(Math.min(v.retryAfterMs, 20));
      }
      return accepted;
    };
    const started = Date.now();
    const until = started + 2900;
    const [fromA, fromB] = await Promise.all([drive(a.limiter, until), drive(b.limiter, until)]);
    const expected = limit.ratePerSecond * ((Date.now() - started) / 1000);
    expect(fromA).toBeGreaterThan(0);
    expect(fromB).toBeGreaterThan(0);
    expect((fromA + fromB) / expected).toBeGreaterThan(0.9);
    expect((fromA + fromB) / expected).toBeLessThan(1.1);
  }, 20_000);

  it('refuses with the time until the window ends, lets the takes of one turn share one call, and keeps accounts apart', async () => {
    const { redis, limiter } = replica();
    await redis.connect();
    const limit = { ratePerSecond: 10, rateBurst: 10 };
    const verdicts = await Promise.all(Array.from({ length: 15 }, () => limiter.take('acc-small', limit, 1)));
    expect(verdicts.filter((v) => v.allowed === true)).toHaveLength(10);
    const refused = verdicts.filter((v): v is Extract<RateVerdict, { allowed: false }> => v.allowed === false);
    expect(refused).toHaveLength(5);
    for (const v of refused) {
      expect(v.retryAfterMs).toBeGreaterThan(0);
      expect(v.retryAfterMs).toBeLessThanOrEqual(1000);
    }
    // The first ten were the first ten asked: order is kept.
    expect(verdicts.slice(0, 10).every((v) => v.allowed === true)).toBe(true);
    expect(await limiter.take('acc-other', limit, 10)).toEqual({ allowed: true });
    expect(await limiter.take('acc-other', limit, 1)).toMatchObject({ allowed: false });
    // A batch bigger than the window's room is refused whole (one Redis call, n points).
    expect(await limiter.take('acc-batch', limit, 11)).toMatchObject({ allowed: false });
  });

  it('answers unknown, at once, when Redis cannot be reached', async () => {
    // Never connected (as while ioredis reconnects): no command is queued, the take fails at once.
    const redis = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, lazyConnect: true });
    clients.push(redis);
    const t = Date.now();
    const v = await new AccountRateLimiter(redis, prefix).take('acc', { ratePerSecond: 10, rateBurst: 10 }, 1);
    expect(v).toMatchObject({ allowed: 'unknown', error: expect.any(Error) });
    expect(Date.now() - t).toBeLessThan(200);
  });
});
