import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createPool } from '@smsgw/shared/data-access-db';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Pool } from 'pg';
import { CONFIG, HealthRegistry, LOGGER } from './ops.module';

export const PG_POOL = Symbol('PG_POOL');

interface DatabaseSettings {
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
}

/** How often /healthz's database check asks PostgreSQL, and how long one answer may take. */
export const DATABASE_PROBE_INTERVAL_MS = 2_000;
const PROBE_TIMEOUT_MS = 3_000;

/**
 * The 'database' health check: a `SELECT 1` every DATABASE_PROBE_INTERVAL_MS, failing from the
 * first unanswered probe or dropped connection until a probe is answered again. The app keeps
 * running meanwhile: its consumers retry their batches with back-off and carry on when the
 * server is back.
 */
@Injectable()
export class DatabaseHealth implements OnApplicationBootstrap {
  private down: string | undefined = 'not probed yet';
  private timer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    health: HealthRegistry,
  ) {
    health.add('database', () => (this.down === undefined ? true : `PostgreSQL unreachable: ${this.down}`));
    // Constructed right after the pool, before any client exists.
    pool.on('connect', (client) => client.on('error', (err) => this.mark(err.message)));
  }

  onApplicationBootstrap(): void {
    void this.probe();
    this.timer = setInterval(() => void this.probe(), DATABASE_PROBE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS)));
      await Promise.race([this.pool.query('SELECT 1'), timeout]).finally(() => clearTimeout(timer));
      this.mark(undefined);
    } catch (err) {
      this.mark((err as Error).message);
    } finally {
      this.probing = false;
    }
  }

  private mark(down: string | undefined): void {
    if (down === undefined && this.down !== undefined && this.down !== 'not probed yet') this.logger.info('PostgreSQL reachable again');
    if (down !== undefined && this.down === undefined) this.logger.warn({ reason: down }, 'PostgreSQL unreachable; /healthz fails until it answers again');
    this.down = down;
  }
}

/** Closes the pool last: onApplicationShutdown runs after consumers stopped (beforeApplicationShutdown). */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly health: DatabaseHealth,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    this.health.stop();
    await this.pool.end();
  }
}

/**
 * The app's PostgreSQL pool (token PG_POOL) from DATABASE_URL and DATABASE_POOL_SIZE, its
 * 'database' health check, closed at shutdown.
 */
export function databaseProviders(app: string) {
  return [
    {
      provide: PG_POOL,
      inject: [CONFIG, LOGGER],
      useFactory: (config: DatabaseSettings, logger: Logger) =>
        createPool(config.DATABASE_URL, {
          max: config.DATABASE_POOL_SIZE,
          application_name: `smsgw-${app}`,
          onIdleError: (err) => logger.warn({ err }, 'PostgreSQL connection lost'),
        }),
    },
    DatabaseHealth,
    DatabaseLifecycle,
  ];
}
