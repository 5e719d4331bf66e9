import { Inject, Injectable } from '@nestjs/common';
import { ReceiptError, parseReceipt, type DeliveryReceipt } from '@smsgw/dlr/domain';
import { TOPICS, decodeBatch, type ConsumedFetch, type DecodedEvent, type FetchedBatch, type Topic } from '@smsgw/shared/data-access-kafka';
import { LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import type { MessageAccepted, RawReceipt, StatusEvent, SubmitEvent } from '@smsgw/shared/util-proto';
import { SubmitOutcome, carrierOfEvent, submitEventFromV1 } from '@smsgw/shared/util-proto';
import { inTransaction, projectAccepted, projectReceipts, projectSubmitEvents, recordUnreadableReceipts, type ProjectionResult, type Queryable, type UnreadableReceipt } from '@smsgw/status/data-access-store';
import type { Pool } from 'pg';
import { ReceiptIdFormats } from '../carriers/receipt-id-formats';
import { PG_POOL } from '@smsgw/shared/feature-ops';
import { AppProducer } from '@smsgw/shared/feature-ops';
import { DlrMetrics } from './dlr.metrics';

type RawReceiptEvent = DecodedEvent<RawReceipt> & { partition: number };

/**
 * Projects one fetch (every partition of the topics it returned) into the status store in
 * one transaction — accepted events, then submit reports, then receipts, so a message whose whole
 * life is in one fetch ends in its final status — publishes the fetch's status changes with one
 * produce request, and only then commits the transaction; the consumer commits the offsets after
 * that. A crash between the publish and the commit republishes those events when the fetch is
 * consumed again (status events are at-least-once; consumers dedupe on message id + status).
 */
@Injectable()
export class StatusProjector {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly producer: AppProducer,
    private readonly formats: ReceiptIdFormats,
    private readonly metrics: DlrMetrics,
  ) {}

  async handle(fetch: ConsumedFetch): Promise<void> {
    const stop = this.metrics.batchSeconds.startTimer();
    const accepted: MessageAccepted[] = [];
    const reports: SubmitEvent[] = [];
    const raw: RawReceiptEvent[] = [];
    for (const batch of fetch.batches) {
      switch (batch.topic) {
        case TOPICS.accepted.name:
          for (const e of this.decode(TOPICS.accepted, batch)) accepted.push(e.value);
          break;
        case TOPICS.submitted.name:
          for (const e of this.decode(TOPICS.submitted, batch)) reports.push(e.value);
          break;
        case TOPICS.submittedV1.name:
          for (const e of this.decode(TOPICS.submittedV1, batch)) reports.push(submitEventFromV1(e.value));
          break;
        case TOPICS.dlrRaw.name:
          for (const e of this.decode(TOPICS.dlrRaw, batch)) raw.push({ ...e, partition: batch.partition });
          break;
        default:
          this.logger.warn({ topic: batch.topic }, 'batch from a topic the dlr-processor does not project; skipped');
          continue;
      }
      this.metrics.events.inc({ topic: batch.topic }, batch.messages.length);
    }
    const { receipts, unreadable } = this.parseReceipts(raw);
    let stored: UnreadableReceipt[] = [];
    const lateMatches = await this.project(async (db) => {
      const events: StatusEvent[] = [];
      let late = 0;
      stored = await recordUnreadableReceipts(db, unreadable);
      if (accepted.length) events.push(...(await projectAccepted(db, accepted)).events);
      if (reports.length) {
        const r = await projectSubmitEvents(db, reports, (carrier) => this.formats.of(carrier));
        events.push(...r.events);
        late = r.lateMatches;
      }
      if (receipts.length) events.push(...(await projectReceipts(db, receipts)).events);
      return { events, lateMatches: late };
    });
    for (const r of reports) if (r.subject?.value.outcome === SubmitOutcome.UNKNOWN) this.metrics.submitUnknown.inc({ carrier: carrierOfEvent(r) || 'none' });
    if (lateMatches) this.metrics.lateMatches.inc(lateMatches);
    for (const r of receipts) this.metrics.receipts.inc({ carrier: r.carrierId, stat: r.stat });
    for (const r of stored) this.metrics.unmatchedReceipts.inc({ carrier: r.carrierId || 'none', reason: r.reason });
    const seconds = stop();
    this.logger.debug({ accepted: accepted.length, reports: reports.length, receipts: receipts.length, ms: Math.round(seconds * 1000) }, 'fetch projected');
  }

  private async project(work: (db: Queryable) => Promise<ProjectionResult & { lateMatches: number }>): Promise<number> {
    const result = await inTransaction(
      this.pool,
      async (client) => {
        const started = performance.now();
        const r = await work(client);
        const written = performance.now();
        await this.publish(r.events);
        this.logger.debug({ dbMs: Math.round(written - started), publishMs: Math.round(performance.now() - written), statusEvents: r.events.length }, 'fetch written and published');
        return r;
      },
      {
        onRetry: (err, attempt) => {
          this.metrics.deadlockRetries.inc();
          this.logger.warn({ err, attempt }, 'projection transaction retried');
        },
      },
    );
    this.metrics.recordChanges(result.events);
    return result.lateMatches;
  }

  private publish(events: StatusEvent[]): Promise<void> {
    return this.producer.sendMany(events.map((value) => ({ topic: TOPICS.status, key: value.messageId, value })));
  }

  private decode<T>(topic: Topic<T>, batch: FetchedBatch): DecodedEvent<T>[] {
    const { events, undecodable } = decodeBatch(topic, batch.messages);
    for (const { message, error } of undecodable) {
      // Not a message of this topic's type: nothing can project it. It stays in the topic for a person to look at.
      this.metrics.undecodable.inc({ topic: topic.name });
      this.logger.error({ topic: topic.name, partition: batch.partition, offset: message.offset, err: error }, 'undecodable event skipped');
    }
    return events;
  }

  /** Receipts understood, and those that are not: kept (unmatched_receipts) with their reason, never dropped. */
  private parseReceipts(events: RawReceiptEvent[]): { receipts: DeliveryReceipt[]; unreadable: UnreadableReceipt[] } {
    const receipts: DeliveryReceipt[] = [];
    const unreadable: UnreadableReceipt[] = [];
    for (const { value, offset, partition } of events) {
      try {
        receipts.push(parseReceipt(value, this.formats.of(value.carrierId), this.formats.statWords(value.carrierId)));
      } catch (err) {
        if (!(err instanceof ReceiptError)) throw err;
        this.metrics.receipts.inc({ carrier: value.carrierId || 'none', stat: 'INVALID' });
        this.logger.warn({ code: err.code, carrier: value.carrierId, smscMessageId: err.smscMessageId, statWord: err.statWord, offset }, `${err.message}; kept as an unmatched receipt (smsgw receipts unmatched)`);
        unreadable.push({ carrierId: value.carrierId, smscMessageId: err.smscMessageId, reason: err.code, detail: err.message, statWord: err.statWord, receivedAtMs: value.receivedAtMs, source: `${partition}/${offset}/${value.receivedAtMs}` });
      }
    }
    return { receipts, unreadable };
  }
}
