import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AccountRateLimiter, type RateLimit } from '@smsgw/accounts/data-access-rate-limit';
import { RateLimitedError } from '@smsgw/accounts/domain';
import { CONFIG, LOGGER, METRICS } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, type Registry } from '@smsgw/shared/util-metrics';
import { Redis } from 'ioredis';
import type { IngestEnv } from '../env';

/** A Redis outage is logged at most this often (the metric counts every message let through). */
const ERROR_LOG_EVERY_MS = 10_000;

/**
 * The per-account rate limit of the send use case. Redis unreachable: FAIL OPEN — a gateway
 * carrying one-time passwords should not stop on a short outage of a counter; every message let
 * through unchecked is counted in smsgw_rate_limiter_errors_total and the outage is logged.
 */
@Injectable()
export class SendRateLimit implements OnModuleInit, OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly limiter: AccountRateLimiter;
  private readonly limited;
  private readonly errors;
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

  private logOutage(err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLogMs < ERROR_LOG_EVERY_MS) return;
    this.lastErrorLogMs = now;
    this.logger.error({ err: err.message }, 'Redis unreachable: rate limits are NOT enforced until it is back (fail open; smsgw_rate_limiter_errors_total counts the messages)');
  }
}
