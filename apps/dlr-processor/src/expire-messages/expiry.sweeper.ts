import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { TOPICS } from '@smsgw/shared/data-access-kafka';
import { CONFIG, LOGGER, repeatEvery, type RepeatingTask } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { NO_SUBMIT_REPORT, countUnmatchedReceipts, expireStaleMessages, inTransaction, markUnmatchedReceipts, pruneReceiptCorrelation, pruneUnmatchedReceipts } from '@smsgw/status/data-access-store';
import type { Pool } from 'pg';
import { PG_POOL } from '@smsgw/shared/feature-ops';
import type { DlrEnv } from '../env';
import { ReceiptIdFormats } from '../carriers/receipt-id-formats';
import { AppProducer } from '@smsgw/shared/feature-ops';
import { DlrMetrics } from '../project-status/dlr.metrics';

const MAX_ROUNDS = 10;
const UNMATCHED_WINDOW_MS = 3_600_000;

/**
 * Every DLR_EXPIRY_INTERVAL_SECONDS: expires messages still not final past their validity (their
 * own, else their carrier's smscValiditySeconds, plus DLR_EXPIRY_GRACE_SECONDS; else
 * STATUS_EXPIRE_AFTER_SECONDS) (bounded: MAX_ROUNDS transactions of DLR_EXPIRY_BATCH), deletes old
 * receipt_correlation rows, marks (and counts, once) receipts that waited DLR_UNMATCHED_AFTER_SECONDS
 * for their submit report in vain, and refreshes the unmatched-receipts gauge. Replicas may all sweep:
 * rows another replica holds are skipped.
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private task: RepeatingTask | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: DlrEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly producer: AppProducer,
    private readonly metrics: DlrMetrics,
    private readonly carriers: ReceiptIdFormats,
  ) {}

  onApplicationBootstrap(): void {
    this.task = repeatEvery(this.config.DLR_EXPIRY_INTERVAL_SECONDS * 1000, () => this.sweep(), (err) => this.logger.error({ err }, 'expiry sweep failed; it runs again at the next interval'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }

  /** One sweep; returns how many messages it expired. */
  async sweep(now = Date.now()): Promise<number> {
    let expired = 0;
    if (this.config.STATUS_EXPIRE_AFTER_SECONDS > 0) {
      const options = {
        nowMs: now,
        defaultSeconds: this.config.STATUS_EXPIRE_AFTER_SECONDS,
        carrierSeconds: this.carriers.smscValiditySeconds(),
        graceSeconds: this.config.DLR_EXPIRY_GRACE_SECONDS,
        limit: this.config.DLR_EXPIRY_BATCH,
      };
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const result = await inTransaction(this.pool, async (client) => {
          const r = await expireStaleMessages(client, options);
          await this.producer.sendMany(r.events.map((value) => ({ topic: TOPICS.status, key: value.messageId, value })));
          return r;
        });
        this.metrics.recordChanges(result.events);
        expired += result.events.length;
        if (result.events.length < this.config.DLR_EXPIRY_BATCH) break;
      }
      if (expired) this.logger.info({ expired }, 'messages expired');
    }
    const retainedFromMs = now - this.config.DLR_CORRELATION_RETENTION_SECONDS * 1000;
    const pruned = await pruneReceiptCorrelation(this.pool, retainedFromMs, 10_000);
    if (pruned) this.metrics.correlationPruned.inc(pruned);
    await pruneUnmatchedReceipts(this.pool, retainedFromMs, 10_000);
    const marked = await markUnmatchedReceipts(this.pool, now - this.config.DLR_UNMATCHED_AFTER_SECONDS * 1000, 10_000);
    for (const [carrier, n] of marked) this.metrics.unmatchedReceipts.inc({ carrier, reason: NO_SUBMIT_REPORT }, n);
    if (marked.size) this.logger.warn({ unmatched: Object.fromEntries(marked) }, `receipts still without their submit report after ${this.config.DLR_UNMATCHED_AFTER_SECONDS} s: kept as unmatched (smsgw receipts unmatched)`);
    const unmatched = await countUnmatchedReceipts(this.pool, now - UNMATCHED_WINDOW_MS, now - this.config.DLR_UNMATCHED_AFTER_SECONDS * 1000);
    this.metrics.receiptsUnmatched.reset();
    for (const [carrier, n] of unmatched) this.metrics.receiptsUnmatched.set({ carrier }, n);
    return expired;
  }
}
