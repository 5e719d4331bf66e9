import type { EventProducer, OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import type { SubmitJournalEntry } from '@smsgw/shared/util-proto';
import { backoffDelay } from '@smsgw/smpp/domain';

/** Where a batch's journal outcomes go: one record per chunk, in the chunk's own produce request. */
export interface OutcomeJournal {
  partition: number;
  records(entries: readonly { partition: number; entry: SubmitJournalEntry }[]): OutgoingEvent[];
}

/**
 * Publishes a batch's reports in sendMany chunks as they become final (so Kafka work overlaps
 * with submitting); acknowledged() resolves once every chunk pushed so far is. A chunk Kafka refuses
 * is sent again (with back-off) rather than failing the batch: failing it would submit its
 * segments to the carrier a second time when the batch is consumed again.
 */
export class ReportStream {
  private pending: OutgoingEvent[] = [];
  private outcomes: { partition: number; entry: SubmitJournalEntry }[] = [];
  private readonly sends: Promise<void>[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly producer: EventProducer,
    private readonly chunk: number,
    private readonly lingerMs: number,
    private readonly logger: Logger,
    private readonly giveUp: () => boolean,
    private readonly journal?: OutcomeJournal,
  ) {}

  /**
   * A segment's outcome for the submit journal, as soon as it is known (before the message's
   * reports): after a crash it is reported from the journal instead of being sent again.
   */
  journalOutcome(entry: SubmitJournalEntry): void {
    if (!this.journal) return;
    this.outcomes.push({ partition: this.journal.partition, entry });
    if (this.pending.length + this.outcomes.length >= this.chunk) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
  }

  push(event: OutgoingEvent): void {
    this.pending.push(event);
    if (this.pending.length >= this.chunk) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
  }

  /** Resolves when everything pushed so far is acknowledged (more may be pushed after). */
  async acknowledged(): Promise<void> {
    this.flush();
    await Promise.all(this.sends);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 && this.outcomes.length === 0) return;
    const events = this.pending;
    this.pending = [];
    if (this.journal && this.outcomes.length > 0) {
      // In the reports' own produce request, no round trip of their own.
      events.unshift(...this.journal.records(this.outcomes));
      this.outcomes = [];
    }
    const send = this.sendUntilAcknowledged(events);
    send.catch(() => undefined); // observed by acknowledged()
    this.sends.push(send);
  }

  private async sendUntilAcknowledged(events: OutgoingEvent[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.sendMany(events);
        return;
      } catch (err) {
        if (this.giveUp()) throw err;
        const delay = backoffDelay(attempt, { initialMs: 200, maxMs: 5_000, multiplier: 2, jitter: 0.2 });
        this.logger.error({ err: (err as Error).message, reports: events.length, attempt, retryInMs: delay }, 'could not publish submit reports; retrying (the batch waits)');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
