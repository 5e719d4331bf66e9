import type { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { findKeys, touchKeys } from '@smsgw/accounts/data-access-store';
import { AuthError, parseApiKey, presentedApiKey, verifyApiKey, type Principal } from '@smsgw/accounts/domain';
import { LOGGER, METRICS, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, type Registry } from '@smsgw/shared/util-metrics';
import type { Pool } from 'pg';
import { KeyCache } from './key-cache';

/** A revoked key or a disabled account stops working within this long on every replica. */
export const KEY_CACHE_MS = 1000;
/** last_used_at is written this often, for every key used since, in one statement. */
const LAST_USED_FLUSH_MS = 5000;

/**
 * Who is calling: the API key of the `authorization` metadata, verified against the stored hash.
 * The hot path is a map lookup and one SHA-256; PostgreSQL is read at most once per key id and
 * KEY_CACHE_MS (see KeyCache).
 */
@Injectable()
export class ApiKeyAuthenticator implements OnModuleInit, BeforeApplicationShutdown {
  private readonly cache: KeyCache;
  private lastUsed = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private readonly refused;
  private readonly lookups;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) registry: Registry,
  ) {
    this.refused = counter(registry, 'smsgw_auth_refused_total', 'SmsService calls refused by authentication, by code (AUTH.MISSING_KEY, AUTH.INVALID_KEY, AUTH.ACCOUNT_DISABLED…).', ['code']);
    this.lookups = counter(registry, 'smsgw_api_key_lookups_total', 'API keys read from PostgreSQL (cache misses: at most one per key id and second).');
    this.cache = new KeyCache((ids) => {
      this.lookups.inc(ids.length);
      return findKeys(this.pool, ids);
    }, KEY_CACHE_MS);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flushLastUsed(), LAST_USED_FLUSH_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flushLastUsed();
  }

  /** The caller's account; throws AuthError (refused) or the database's error (could not check). */
  authenticate(metadata: Metadata | undefined): Promise<Principal> {
    const header = metadata?.get('authorization')[0];
    return this.authenticateHeader(header === undefined ? undefined : String(header));
  }

  /** The same for an `authorization` value itself ("Bearer <key>"): the HTTP API's header, an sms.submit.v1 record's header. */
  async authenticateHeader(header: string | undefined): Promise<Principal> {
    try {
      const parsed = parseApiKey(presentedApiKey(header));
      const principal = verifyApiKey(parsed, await this.cache.get(parsed.keyId));
      this.lastUsed.set(principal.keyId, Date.now());
      return principal;
    } catch (err) {
      if (err instanceof AuthError) this.refused.inc({ code: err.code });
      throw err;
    }
  }

  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const batch = this.lastUsed;
    this.lastUsed = new Map();
    try {
      await touchKeys(this.pool, batch);
    } catch (err) {
      // Keep the times for the next flush; a later use of the same key wins.
      for (const [id, at] of batch) if (!this.lastUsed.has(id)) this.lastUsed.set(id, at);
      this.logger.warn({ err, keys: batch.size }, 'could not record when API keys were last used; retrying at the next flush');
    }
  }
}
