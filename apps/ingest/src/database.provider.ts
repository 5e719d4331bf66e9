import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG } from '@smsgw/shared/feature-ops';
import { createPool } from '@smsgw/shared/data-access-db';
import type { Pool } from 'pg';
import type { IngestEnv } from './env';

export const PG_POOL = Symbol('PG_POOL');

@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

export const databaseProviders = [
  { provide: PG_POOL, inject: [CONFIG], useFactory: (config: IngestEnv) => createPool(config.DATABASE_URL, { max: config.DATABASE_POOL_SIZE }) },
  DatabaseLifecycle,
];
