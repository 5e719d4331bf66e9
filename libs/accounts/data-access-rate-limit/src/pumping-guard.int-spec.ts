// Against the real Redis of REDIS_URL (npm test starts a local one); each run has its own key prefix.
import { Redis } from 'ioredis';
import { PumpingGuard, type PumpingLimit } from './pumping-guard';

jest.setTimeout(30_000); // sameMinute may wait out a minute's last seconds

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `it-pump-${process.pid}-${Date.now().toString(36)}:`;
const redis = new Redis(url, { enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 1 });
const guard = new PumpingGuard(redis, prefix);
const refuse = (pumpingMinPerMinute: number, pumpingFactor: number): PumpingLimit => ({ pumpingMode: 'refuse', pumpingMinPerMinute, pumpingFactor });

/** Redis's minute, as the script counts it; waits out the last seconds of a minute so a test's calls share one. */
async function sameMinute(): Promise<number> {
  const [seconds] = (await redis.time()).map(Number);
  if (seconds % 60 > 55) await new Promise((r) => setTimeout(r, (61 - (seconds % 60)) * 1000));
  return Math.floor(Number((await redis.time())[0]) / 60);
}

beforeAll(() => redis.connect());
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('PumpingGuard (Redis)', () => {
  it('lets a new pair have the floor per minute, refuses the rest, and counts only what it let through', async () => {
    await sameMinute();
    expect(await guard.check([{ accountId: 'a1', country: 'GB', n: 8, limit: refuse(5, 10) }])).toEqual([{ allowed: 5, suspected: 3 }]);
    expect(await guard.check([{ accountId: 'a1', country: 'GB', n: 1, limit: refuse(5, 10) }])).toEqual([{ allowed: 0, suspected: 1 }]);
    // Another country, another account: counted apart.
    expect(await guard.check([{ accountId: 'a1', country: 'FR', n: 5, limit: refuse(5, 10) }, { accountId: 'a2', country: 'GB', n: 5, limit: refuse(5, 10) }])).toEqual([
      { allowed: 5, suspected: 0 },
      { allowed: 5, suspected: 0 },
    ]);
  });

  it('checks made in one event-loop turn (concurrent unary Sends) share one script call and count in order', async () => {
    await sameMinute();
    const sent: string[] = [];
    const spy = jest.spyOn(redis, 'sendCommand').mockImplementation(function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
      sent.push(args[0].name);
      return Redis.prototype.sendCommand.apply(this, args);
    });
    try {
      const one = (accountId: string) => guard.check([{ accountId, country: 'GB', n: 1, limit: refuse(3, 10) }]);
      const verdicts = await Promise.all([one('t1'), one('t1'), one('t2'), one('t1'), one('t1')]);
      expect(sent.filter((c) => c === 'evalsha' || c === 'eval')).toHaveLength(1);
      expect(verdicts.map(([v]) => v.allowed)).toEqual([1, 1, 1, 1, 0]); // t1's floor of 3 goes to its first three
    } finally {
      spy.mockRestore();
    }
  });

  it("allows factor × the pair's usual rate above the floor; 'monitor' lets all through and says how many were above", async () => {
    const now = await sameMinute();
    // Last minute: 100 to GB (a usual rate of 100/min), 10 to NG.
    await redis.hset(`${prefix}smsgw:pump:{b1}:GB`, { m: now - 1, c: 100, a: 100 });
    await redis.hset(`${prefix}smsgw:pump:{b1}:NG`, { m: now - 1, c: 10, a: 10 });
    const verdicts = await guard.check([
      { accountId: 'b1', country: 'GB', n: 150, limit: refuse(5, 2) },
      { accountId: 'b1', country: 'NG', n: 150, limit: refuse(5, 2) },
      { accountId: 'b2', country: 'NG', n: 150, limit: { pumpingMode: 'monitor', pumpingMinPerMinute: 5, pumpingFactor: 2 } },
      { accountId: 'b3', country: 'NG', n: 150, limit: { pumpingMode: 'off', pumpingMinPerMinute: 5, pumpingFactor: 2 } },
    ]);
    expect(verdicts).toEqual([
      { allowed: 150, suspected: 0 }, // up to 2 × 100
      { allowed: 20, suspected: 130 }, // 2 × 10
      { allowed: 150, suspected: 145 }, // monitor: a new pair's floor of 5
      { allowed: 150, suspected: 0 }, // off: not counted at all
    ]);
    expect(await redis.exists(`${prefix}smsgw:pump:{b3}:NG`)).toBe(0);
  });

  it('asks Redis once for a whole batch of accounts and countries, and uncount takes back in one round trip', async () => {
    await sameMinute();
    const sent: string[] = [];
    const spy = jest.spyOn(redis, 'sendCommand').mockImplementation(function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
      sent.push(args[0].name);
      return Redis.prototype.sendCommand.apply(this, args);
    });
    try {
      const entries = Array.from({ length: 50 }, (_, i) => ({ accountId: `c${i % 5}`, country: ['GB', 'FR', 'DE', 'NG', 'US'][i % 10 >> 1], n: 3, limit: refuse(4, 10) }));
      const verdicts = await guard.check(entries);
      expect(sent.filter((c) => c === 'evalsha')).toHaveLength(1); // (plus one eval if Redis had not the script yet)
      // Repeated pairs of one batch share their minute: each gets its floor of 4, no more.
      const perPair = new Map<string, number>();
      entries.forEach((e, i) => perPair.set(`${e.accountId}/${e.country}`, (perPair.get(`${e.accountId}/${e.country}`) ?? 0) + verdicts[i].allowed));
      expect([...perPair.values()].every((n) => n === 4)).toBe(true);
      sent.length = 0;
      await guard.uncount([{ accountId: 'c0', country: 'GB', n: 3 }]);
      expect(sent.filter((c) => c === 'hincrby')).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
    expect(await guard.check([{ accountId: 'u1', country: 'GB', n: 4, limit: refuse(4, 10) }])).toEqual([{ allowed: 4, suspected: 0 }]);
    await guard.uncount([{ accountId: 'u1', country: 'GB', n: 4 }]);
    expect(await guard.check([{ accountId: 'u1', country: 'GB', n: 4, limit: refuse(4, 10) }])).toEqual([{ allowed: 4, suspected: 0 }]);
  });
});
