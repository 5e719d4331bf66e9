import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createPool } from '@smsgw/shared/data-access-db';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Pool } from 'pg';
import { CONFIG, LOGGER } from './ops.module';

export const PG_POOL = Symbol('PG_POOL');

interface DatabaseSettings {
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
}

/** Closes the pool last: onApplicationShutdown runs after consumers stopped (beforeApplicationShutdown). */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** The app's PostgreSQL pool (token PG_POOL) from DATABASE_URL and DATABASE_POOL_SIZE, closed at shutdown. */
export function databaseProviders(app: string) {
  return [
    {
      provide: PG_POOL,
      inject: [CONFIG, LOGGER],
      useFactory: (config: DatabaseSettings, logger: Logger) =>
        createPool(config.DATABASE_URL, { max: config.DATABASE_POOL_SIZE, application_name: `smsgw-${app}`, onIdleError: (err) => logger.warn({ err }, 'PostgreSQL idle client error') }),
    },
    DatabaseLifecycle,
  ];
}
