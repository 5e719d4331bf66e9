// SMS-pumping protection: per account and destination country, this minute's messages against
// the account's usual rate there (PUMPING in @smsgw/accounts/domain). One Lua call for a whole
// batch (and every batch of the same event-loop turn), every account and country of it: Redis keeps, per pair, the current minute, its count
// and the moving average of past minutes, and answers how many of each entry may go.
import { PUMPING, type AccountPolicy } from '@smsgw/accounts/domain';
import type { Redis } from 'ioredis';

export type PumpingLimit = Pick<AccountPolicy, 'pumpingMode' | 'pumpingMinPerMinute' | 'pumpingFactor'>;

export interface PumpingEntry {
  accountId: string;
  country: string;
  /** Messages of the batch to this account and country. */
  n: number;
  limit: PumpingLimit;
}

/** Per entry: how many may go, and how many were above the limit (refused or held, or only counted with 'monitor'). */
export interface PumpingVerdict {
  allowed: number;
  suspected: number;
}

/** A pair's counters live this long after its last message (the average decays to nothing well before). */
const KEY_TTL_SECONDS = 2 * 24 * 3600;

// KEYS[i]: the pair's hash {m: minute, c: count this minute, a: average per minute}.
// ARGV: alpha, ttl, then per key: n, floor, factor, refuse or hold (1: what is over the limit is not counted) or monitor (0).
// The minute is Redis's clock, so every replica counts the same minutes.
const SCRIPT = `
local t = redis.call('TIME')
local now = math.floor(tonumber(t[1]) / 60)
local alpha = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local out = {}
for i, key in ipairs(KEYS) do
  local base = 2 + (i - 1) * 4
  local n = tonumber(ARGV[base + 1])
  local floor = tonumber(ARGV[base + 2])
  local factor = tonumber(ARGV[base + 3])
  local refuse = ARGV[base + 4] == '1'
  local h = redis.call('HMGET', key, 'm', 'c', 'a')
  local m = tonumber(h[1]) or now
  local c = tonumber(h[2]) or 0
  local a = tonumber(h[3]) or 0
  if m < now then
    a = alpha * c + (1 - alpha) * a
    if now - m > 1 then a = a * math.pow(1 - alpha, now - m - 1) end
    c = 0
  end
  local limit = math.max(floor, math.floor(factor * a + 1e-6))
  local fits = math.max(0, math.min(n, limit - c))
  local allowed = n
  if refuse then allowed = fits end
  c = c + allowed
  redis.call('HSET', key, 'm', now, 'c', c, 'a', tostring(a))
  redis.call('EXPIRE', key, ttl)
  out[2 * i - 1] = allowed
  out[2 * i] = n - fits
end
return out
`;

const isChecked = (e: PumpingEntry): boolean => e.limit.pumpingMode !== 'off' && e.country !== '' && e.n > 0;
const letThrough = (e: PumpingEntry): PumpingVerdict => ({ allowed: e.n, suspected: 0 });

type PumpingRedis = Redis & { smsgwPumping(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

/** The checks of one event-loop turn, sent in one script call. */
interface PendingChecks {
  entries: PumpingEntry[];
  calls: { from: number; to: number; resolve: (v: PumpingVerdict[]) => void; reject: (err: Error) => void }[];
}

export class PumpingGuard {
  private readonly redis: PumpingRedis;
  private pending: PendingChecks | undefined;

  constructor(
    redis: Redis,
    /** Keeps environments sharing a Redis apart, e.g. the Kafka topic prefix. */
    private readonly keyPrefix = '',
  ) {
    if (!('smsgwPumping' in redis)) redis.defineCommand('smsgwPumping', { lua: SCRIPT }); // EVALSHA, loaded once
    this.redis = redis as PumpingRedis;
  }

  /**
   * Counts the entries (mode 'off' ones are left out) and says how many of each may go; rejects
   * when Redis cannot be asked. The checks of one event-loop turn (concurrent unary Sends) share
   * one script call; the script takes its keys in order, so they count as if made one by one.
   */
  check(entries: PumpingEntry[]): Promise<PumpingVerdict[]> {
    if (!entries.some(isChecked)) return Promise.resolve(entries.map(letThrough));
    if (!this.pending) {
      const pending: PendingChecks = { entries: [], calls: [] };
      this.pending = pending;
      setImmediate(() => {
        this.pending = undefined;
        void this.run(pending);
      });
    }
    const pending = this.pending;
    return new Promise((resolve, reject) => {
      pending.calls.push({ from: pending.entries.length, to: pending.entries.length + entries.length, resolve, reject });
      pending.entries.push(...entries);
    });
  }

  private async run({ entries, calls }: PendingChecks): Promise<void> {
    const checked = entries.map((e, i) => ({ e, i })).filter(({ e }) => isChecked(e));
    const verdicts = entries.map(letThrough);
    try {
      const keys = checked.map(({ e }) => this.key(e));
      const args = checked.flatMap(({ e }) => [e.n, e.limit.pumpingMinPerMinute, e.limit.pumpingFactor, e.limit.pumpingMode === 'monitor' ? 0 : 1]);
      const out = await this.redis.smsgwPumping(keys.length, ...keys, 1 / PUMPING.baselineMinutes, KEY_TTL_SECONDS, ...args);
      checked.forEach(({ i }, k) => (verdicts[i] = { allowed: Number(out[2 * k]), suspected: Number(out[2 * k + 1]) }));
    } catch (err) {
      for (const c of calls) c.reject(err as Error);
      return;
    }
    for (const c of calls) c.resolve(verdicts.slice(c.from, c.to));
  }

  /** Takes back messages counted by check that were then not sent (refused by the rate limit), in one round trip. */
  async uncount(entries: Pick<PumpingEntry, 'accountId' | 'country' | 'n'>[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const e of entries) if (e.country !== '' && e.n > 0) pipeline.hincrby(this.key(e), 'c', -e.n);
    await pipeline.exec();
  }

  private key(e: Pick<PumpingEntry, 'accountId' | 'country'>): string {
    return `${this.keyPrefix}smsgw:pump:{${e.accountId}}:${e.country}`;
  }
}
