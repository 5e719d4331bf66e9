import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AccountRateLimiter, PumpingGuard, type PumpingLimit, type RateLimit } from '@smsgw/accounts/data-access-rate-limit';
import { PumpingSuspectedError, RateLimitedError } from '@smsgw/accounts/domain';
import { CONFIG, LOGGER, METRICS } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, type Registry } from '@smsgw/shared/util-metrics';
import { Redis } from 'ioredis';
import type { IngestEnv } from '../env';

/** A Redis outage is logged at most this often (the metric counts every message let through). */
const ERROR_LOG_EVERY_MS = 10_000;

/** A message the pumping check keeps for an operator (policy "hold"): accepted as HELD, not sent. */
export interface PumpingHold {
  hold: true;
  country: string;
}
export type PumpingVerdictOf = PumpingSuspectedError | PumpingHold | undefined;

/** One message as the pumping check sees it. */
export interface PumpingCandidate {
  accountId: string;
  country: string;
  limit: PumpingLimit;
}

/**
 * The per-account rate limit and SMS-pumping check of the send use case. Redis unreachable: FAIL OPEN — a gateway
 * carrying one-time passwords should not stop on a short outage of a counter; every message let
 * through unchecked is counted in smsgw_rate_limiter_errors_total and the outage is logged.
 */
@Injectable()
export class SendRateLimit implements OnModuleInit, OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly limiter: AccountRateLimiter;
  private readonly pumping: PumpingGuard;
  private readonly limited;
  private readonly errors;
  private readonly suspected;
  private lastErrorLogMs = 0;

  constructor(
    @Inject(CONFIG) config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) registry: Registry,
  ) {
    // No offline queue: while Redis is away a take fails at once (and is let through) instead of waiting.
    this.redis = new Redis(config.REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    this.redis.on('error', (err) => this.logOutage(err));
    this.limiter = new AccountRateLimiter(this.redis, config.KAFKA_TOPIC_PREFIX);
    this.pumping = new PumpingGuard(this.redis, config.KAFKA_TOPIC_PREFIX);
    this.suspected = counter(registry, 'smsgw_pumping_suspected_total', "Messages above their account's usual rate to their destination country (SMS-pumping protection), by action: refused, held (for an operator), or monitored (let through).", ['action']);
    this.limited = counter(registry, 'smsgw_rate_limited_total', "Messages refused because their account was over its rate limit (RATE.LIMITED).");
    this.errors = counter(registry, 'smsgw_rate_limiter_errors_total', 'Messages let through without a rate check because Redis could not be asked (fail open).');
  }

  async onModuleInit(): Promise<void> {
    await this.redis.connect().catch((err) => this.logOutage(err)); // ioredis goes on trying
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  /** Takes n messages from the account's allowance; throws RateLimitedError when it is used up. */
  async admit(limit: RateLimit, accountId: string, n: number): Promise<void> {
    const verdict = await this.limiter.take(accountId, limit, n);
    if (verdict.allowed === true) return;
    if (verdict.allowed === 'unknown') {
      this.errors.inc(n);
      this.logOutage(verdict.error);
      return;
    }
    this.limited.inc(n);
    throw new RateLimitedError(verdict.retryAfterMs, limit.ratePerSecond);
  }

  /**
   * The pumping check for a batch (one Redis call for every account and country of it): per
   * candidate, undefined (may go), a hold (policy "hold") or the refusal. Redis unreachable: all may go (the outage is
   * logged; the rate limiter's counter already counts it).
   */
  async checkPumping(candidates: PumpingCandidate[]): Promise<PumpingVerdictOf[]> {
    const groups = new Map<string, { accountId: string; country: string; limit: PumpingLimit; at: number[] }>();
    candidates.forEach((c, i) => {
      const id = `${c.accountId}\u0000${c.country}`;
      const g = groups.get(id) ?? { accountId: c.accountId, country: c.country, limit: c.limit, at: [] };
      g.at.push(i);
      groups.set(id, g);
    });
    const list = [...groups.values()];
    const out: PumpingVerdictOf[] = candidates.map(() => undefined);
    let verdicts;
    try {
      verdicts = await this.pumping.check(list.map((g) => ({ accountId: g.accountId, country: g.country, n: g.at.length, limit: g.limit })));
    } catch (err) {
      this.logOutage(err as Error);
      return out;
    }
    const retryAfterMs = 60_000 - (Date.now() % 60_000);
    list.forEach((g, k) => {
      const { allowed, suspected } = verdicts[k];
      if (suspected === 0) return;
      if (g.limit.pumpingMode === 'monitor') {
        this.suspected.inc({ action: 'monitored' }, suspected);
        return;
      }
      if (g.limit.pumpingMode === 'hold') {
        this.suspected.inc({ action: 'held' }, g.at.length - allowed);
        for (const i of g.at.slice(allowed)) out[i] = { hold: true, country: g.country };
        return;
      }
      this.suspected.inc({ action: 'refused' }, g.at.length - allowed);
      for (const i of g.at.slice(allowed)) out[i] = new PumpingSuspectedError(g.country, retryAfterMs);
    });
    return out;
  }

  /** Takes back from the pumping counters messages that check let through but the rate limit then refused. */
  uncountPumping(candidates: PumpingCandidate[]): void {
    const n = new Map<string, { accountId: string; country: string; n: number }>();
    for (const c of candidates) {
      if (c.limit.pumpingMode === 'off') continue;
      const id = `${c.accountId}\u0000${c.country}`;
      const e = n.get(id) ?? { accountId: c.accountId, country: c.country, n: 0 };
      e.n++;
      n.set(id, e);
    }
    this.pumping.uncount([...n.values()]).catch((err) => this.logOutage(err as Error));
  }

  private logOutage(err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLogMs < ERROR_LOG_EVERY_MS) return;
    this.lastErrorLogMs = now;
    this.logger.error({ err: err.message }, 'Redis unreachable: rate limits are NOT enforced until it is back (fail open; smsgw_rate_limiter_errors_total counts the messages)');
  }
}
