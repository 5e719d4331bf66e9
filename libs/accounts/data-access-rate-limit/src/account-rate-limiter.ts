// Per-account message rate, counted in Redis so every ingest replica shares one allowance.
// rate-limiter-flexible does the counting (one Lua call: INCRBY with the window's expiry); this
// class adds what the send path needs: n messages at once, and the takes of one event-loop turn
// for one account coalesced into one Redis call.
import { rateWindow, type AccountPolicy } from '@smsgw/accounts/domain';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type RateLimit = Pick<AccountPolicy, 'ratePerSecond' | 'rateBurst'>;

/** allowed; or refused with when to retry; or unknown because Redis could not be asked. */
export type RateVerdict = { allowed: true } | { allowed: false; retryAfterMs: number } | { allowed: 'unknown'; error: Error };

interface Take {
  n: number;
  resolve: (v: RateVerdict) => void;
}
interface Group {
  limiter: RateLimiterRedis;
  points: number;
  takes: Take[];
}

export class AccountRateLimiter {
  private readonly limiters = new Map<string, RateLimiterRedis>();
  private pending = new Map<string, Group>();
  private scheduled = false;

  constructor(
    private readonly redis: Redis,
    /** Keeps environments sharing a Redis apart, e.g. the Kafka topic prefix. */
    private readonly keyPrefix = '',
  ) {}

  /** Takes n messages from the account's allowance. Never rejects: Redis errors come back as 'unknown'. */
  take(accountId: string, limit: RateLimit, n: number): Promise<RateVerdict> {
    const { points, seconds } = rateWindow(limit);
    const id = `${accountId}/${points}/${seconds}`;
    let group = this.pending.get(id);
    if (!group) {
      group = { limiter: this.limiter(points, seconds), points, takes: [] };
      this.pending.set(id, group);
    }
    const takes = group.takes;
    const verdict = new Promise<RateVerdict>((resolve) => takes.push({ n, resolve }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return verdict;
  }

  private flush(): void {
    const groups = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    for (const [id, group] of groups) void this.consume(id.slice(0, id.indexOf('/')), group);
  }

  private async consume(accountId: string, { limiter, points, takes }: Group): Promise<void> {
    const total = takes.reduce((sum, t) => sum + t.n, 0);
    try {
      await limiter.consume(accountId, total);
      for (const t of takes) t.resolve({ allowed: true });
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        const error = err instanceof Error ? err : new Error(String(err));
        for (const t of takes) t.resolve({ allowed: 'unknown', error });
        return;
      }
      // The window had room for some of the group: the first takes that fit go through.
      let room = Math.max(0, points - (err.consumedPoints - total));
      const retryAfterMs = Math.max(1, err.msBeforeNext);
      for (const t of takes) {
        if (t.n <= room) {
          room -= t.n;
          t.resolve({ allowed: true });
        } else {
          room = 0; // keep the order: no later, smaller take overtakes a refused one
          t.resolve({ allowed: false, retryAfterMs });
        }
      }
    }
  }

  private limiter(points: number, seconds: number): RateLimiterRedis {
    const id = `${points}/${seconds}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      // One key per account whatever its limit: a changed limit goes on counting the same window.
      limiter = new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `${this.keyPrefix}smsgw:rate`, points, duration: seconds, rejectIfRedisNotReady: true });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}
