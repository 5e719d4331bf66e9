import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createPool } from '@smsgw/shared/data-access-db';
import { CONFIG, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Pool } from 'pg';
import type { DlrEnv } from './env';

export const PG_POOL = Symbol('PG_POOL');

/** Closes the pool last: onApplicationShutdown runs after the consumer stopped (beforeApplicationShutdown). */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

export const databaseProviders = [
  {
    provide: PG_POOL,
    inject: [CONFIG, LOGGER],
    useFactory: (config: DlrEnv, logger: Logger) =>
      createPool(config.DATABASE_URL, { max: config.DATABASE_POOL_SIZE, application_name: 'smsgw-dlr-processor', onIdleError: (err) => logger.warn({ err }, 'PostgreSQL idle client error') }),
  },
  DatabaseLifecycle,
];
