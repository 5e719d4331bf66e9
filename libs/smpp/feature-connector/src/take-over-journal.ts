import type { Kafka } from 'kafkajs';
import type { ConsumedBatch, OutboundLane, Topic } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import type { SubmitJournalRecord } from '@smsgw/shared/util-proto';
import { backoffDelay } from '@smsgw/smpp/domain';
import type { ConnectorMetrics } from './connector-metrics';
import { firstOffsets, readJournalPartition, type JournalByOffset } from './submit-journal';

/** A partition's journal as read back at a take-over: entries by outbound offset, and where each message attempt was first. */
export interface RecoveredJournal {
  entries: JournalByOffset;
  first: Map<string, string>;
}

const JOURNAL_LOOKBACK_MS = 5 * 60_000;

/**
 * One lane's take-over bookkeeping: which outbound partitions this process handled last (their
 * next batch needs no journal), and the journal read back for the others while their batches
 * still reach into it.
 */
export class TakeOverJournal {
  /** Per outbound partition: the offset after the last batch this process finished whole. */
  private readonly expectedNext = new Map<number, string>();
  /** Per outbound partition: the journal read at take-over, while batches still reach into it. */
  private readonly recovered = new Map<number, { journal: RecoveredJournal; through: bigint }>();

  private readonly kafka: Kafka;
  private readonly metrics: ConnectorMetrics;
  private readonly logger: Logger;

  constructor(
    private readonly carrierId: string,
    private readonly lane: OutboundLane,
    private readonly topic: Topic<SubmitJournalRecord>,
    parts: { kafka: Kafka; metrics: ConnectorMetrics; logger: Logger },
    /**
     * The journal is read from this long before the oldest message of the first batch was
     * produced (covers clock skew between the router's and this host's clocks).
     */
    private readonly lookbackMs = JOURNAL_LOOKBACK_MS,
  ) {
    ({ kafka: this.kafka, metrics: this.metrics, logger: this.logger } = parts);
  }

  /** After a group join the partitions may have been someone else's since: read the journal again before their next batch. */
  forgetPartitions(): void {
    this.expectedNext.clear();
  }

  /** The batch was finished whole: the partition's next batch, if it follows on, needs no journal. */
  finishedWhole(batch: ConsumedBatch): void {
    this.expectedNext.set(batch.partition, (BigInt(batch.messages[batch.messages.length - 1].offset) + 1n).toString());
  }

  /**
   * The journal of a partition this process did not just handle (taken over after a crash or a
   * rebalance, or after a batch it gave up part way): what was sent of these messages, so that
   * nothing is sent twice. Undefined when the partition's previous batch was this process's own.
   * Until the batch is finished whole, the partition counts as not handled here.
   */
  async forBatch(batch: ConsumedBatch): Promise<RecoveredJournal | undefined> {
    const journal = await this.read(batch);
    this.expectedNext.delete(batch.partition);
    return journal;
  }

  private async read(batch: ConsumedBatch): Promise<RecoveredJournal | undefined> {
    const first = batch.messages[0]?.offset;
    if (first === undefined) return undefined;
    const held = this.recovered.get(batch.partition);
    if (this.expectedNext.get(batch.partition) === first) {
      if (held && BigInt(first) <= held.through) return held.journal;
      this.recovered.delete(batch.partition);
      return undefined;
    }
    const oldest = batch.messages.reduce((min, m) => Math.min(min, Number(m.timestamp)), Number.MAX_SAFE_INTEGER);
    const fromMs = oldest - this.lookbackMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const entries = await readJournalPartition(this.kafka, this.topic, batch.partition, fromMs, this.logger);
        let through = -1n;
        for (const offset of entries.keys()) if (BigInt(offset) > through) through = BigInt(offset);
        const journal = { entries, first: firstOffsets(entries) };
        this.recovered.set(batch.partition, { journal, through });
        this.metrics.journalReads.inc({ carrier: this.carrierId, result: 'read' });
        if (entries.size > 0) this.logger.info({ carrier: this.carrierId, lane: this.lane, partition: batch.partition, messages: entries.size }, 'partition taken over: submit journal read; what was sent before is reported from it, not sent again');
        return journal;
      } catch (err) {
        this.metrics.journalReads.inc({ carrier: this.carrierId, result: 'failed' });
        if (attempt >= 5 || batch.signal.aborted) throw err;
        const delay = backoffDelay(attempt, { initialMs: 500, maxMs: 5_000, multiplier: 2, jitter: 0.2 });
        this.logger.error({ carrier: this.carrierId, partition: batch.partition, err: (err as Error).message, retryInMs: delay }, 'could not read the submit journal; the batch waits (sending without it could send segments twice)');
        await new Promise((r) => setTimeout(r, delay));
        await batch.heartbeat();
      }
    }
  }
}
