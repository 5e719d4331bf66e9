import type { ConsumedBatch } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import type { FinishedPrefix } from './finished-prefix';
import type { ReportStream } from './report-stream';

/**
 * Commits a long batch's finished prefix every intervalMs once its reports are acknowledged, so
 * that a crash (SIGKILL, OOM) repeats at most the last interval's messages, not the whole batch.
 */
export class Checkpoints {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private last: string | undefined;

  constructor(
    private readonly batch: ConsumedBatch,
    private readonly prefix: FinishedPrefix,
    private readonly out: ReportStream,
    intervalMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => {
      this.running ??= this.checkpoint().finally(() => (this.running = undefined));
    }, intervalMs);
  }

  /** Ends the checkpoints; resolves after one in progress (so it never commits after the final commit). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async checkpoint(): Promise<void> {
    const through = this.prefix.through();
    if (through === undefined || through === this.last) return;
    try {
      await this.out.acknowledged();
      await this.batch.commit(through);
      this.last = through;
    } catch (err) {
      this.logger.warn({ topic: this.batch.topic, partition: this.batch.partition, through, err: (err as Error).message }, 'could not commit the finished part of a batch in progress; the final commit will cover it');
    }
  }
}
