import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG, LOGGER, repeatEvery, type RepeatingTask } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import type { IngestEnv } from '../env';
import { IdempotencyStore } from './idempotency.store';
import { IngestMetrics } from './ingest.metrics';

const SWEEP_INTERVAL_MS = 60_000;
const SWEEP_BATCH = 10_000;
const MAX_ROUNDS = 10;

/**
 * Every minute, deletes idempotency keys older than INGEST_IDEMPOTENCY_RETENTION_SECONDS (at most
 * MAX_ROUNDS × SWEEP_BATCH per run, so one sweep never holds the table long). Replicas may all
 * sweep: rows another replica is deleting are skipped.
 */
@Injectable()
export class IdempotencySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private task: RepeatingTask | undefined;

  constructor(
    private readonly store: IdempotencyStore,
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: IngestMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.task = repeatEvery(SWEEP_INTERVAL_MS, () => this.sweep(), (err) => this.logger.warn({ err }, 'idempotency key sweep failed; it runs again in a minute'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }

  /** One sweep; returns how many keys it deleted. */
  async sweep(now = Date.now()): Promise<number> {
    const before = now - this.config.INGEST_IDEMPOTENCY_RETENTION_SECONDS * 1000;
    let deleted = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const n = await this.store.sweep(before, SWEEP_BATCH);
      deleted += n;
      if (n < SWEEP_BATCH) break;
    }
    if (deleted) {
      this.metrics.keysSwept.inc(deleted);
      this.logger.info({ deleted }, 'idempotency keys past their retention deleted');
    }
    return deleted;
  }
}
