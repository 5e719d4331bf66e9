import { Inject, Injectable } from '@nestjs/common';
import { ReceiptError, parseReceipt, type DeliveryReceipt } from '@smsgw/dlr/domain';
import { TOPICS, decodeBatch, type ConsumedBatch, type DecodedEvent, type Topic } from '@smsgw/shared/data-access-kafka';
import { LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import type { RawReceipt, StatusEvent } from '@smsgw/shared/util-proto';
import { SubmitOutcome } from '@smsgw/shared/util-proto';
import { inTransaction, projectAccepted, projectReceipts, projectSubmitReports, type ProjectionResult, type Queryable } from '@smsgw/status/data-access-store';
import type { Pool } from 'pg';
import { ReceiptIdFormats } from '../carriers/receipt-id-formats';
import { PG_POOL } from '@smsgw/shared/feature-ops';
import { StatusProducer } from '../kafka.provider';
import { DlrMetrics } from './dlr.metrics';

/**
 * Projects one consumed batch into the status store in one transaction, publishes the batch's
 * status changes with one produce request, and only then commits the transaction; the consumer
 * commits the offsets after that. A crash between the publish and the commit republishes those
 * events when the batch is consumed again (status events are at-least-once; consumers dedupe on
 * message id + status).
 */
@Injectable()
export class StatusProjector {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly producer: StatusProducer,
    private readonly formats: ReceiptIdFormats,
    private readonly metrics: DlrMetrics,
  ) {}

  async handle(batch: ConsumedBatch): Promise<void> {
    const stop = this.metrics.batchSeconds.startTimer({ topic: batch.topic });
    switch (batch.topic) {
      case TOPICS.accepted.name: {
        const events = this.decode(TOPICS.accepted, batch);
        await this.project((db) => projectAccepted(db, events.map((e) => e.value)));
        break;
      }
      case TOPICS.submitted.name: {
        const reports = this.decode(TOPICS.submitted, batch).map((e) => e.value);
        const result = await this.project((db) => projectSubmitReports(db, reports, (carrier) => this.formats.of(carrier)));
        for (const r of reports) if (r.outcome === SubmitOutcome.UNKNOWN) this.metrics.submitUnknown.inc({ carrier: r.carrierId || 'none' });
        if (result.lateMatches) this.metrics.lateMatches.inc(result.lateMatches);
        break;
      }
      case TOPICS.dlrRaw.name: {
        const receipts = this.parseReceipts(this.decode(TOPICS.dlrRaw, batch));
        await this.project((db) => projectReceipts(db, receipts));
        for (const r of receipts) this.metrics.receipts.inc({ carrier: r.carrierId, stat: r.stat });
        break;
      }
      default:
        this.logger.warn({ topic: batch.topic }, 'batch from a topic the dlr-processor does not project; skipped');
    }
    this.metrics.events.inc({ topic: batch.topic }, batch.messages.length);
    const seconds = stop();
    this.logger.debug({ topic: batch.topic, partition: batch.partition, size: batch.messages.length, ms: Math.round(seconds * 1000) }, 'batch projected');
  }

  private async project<R extends ProjectionResult>(work: (db: Queryable) => Promise<R>): Promise<R> {
    const result = await inTransaction(
      this.pool,
      async (client) => {
        const started = performance.now();
        const r = await work(client);
        const written = performance.now();
        await this.publish(r.events);
        this.logger.debug({ dbMs: Math.round(written - started), publishMs: Math.round(performance.now() - written), statusEvents: r.events.length }, 'batch written and published');
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
    return result;
  }

  private publish(events: StatusEvent[]): Promise<void> {
    return this.producer.sendMany(events.map((value) => ({ topic: TOPICS.status, key: value.messageId, value })));
  }

  private decode<T>(topic: Topic<T>, batch: ConsumedBatch): DecodedEvent<T>[] {
    const { events, undecodable } = decodeBatch(topic, batch.messages);
    for (const { message, error } of undecodable) {
      // Not a message of this topic's type: nothing can project it. It stays in the topic for a person to look at.
      this.metrics.undecodable.inc({ topic: topic.name });
      this.logger.error({ topic: topic.name, partition: batch.partition, offset: message.offset, err: error }, 'undecodable event skipped');
    }
    return events;
  }

  private parseReceipts(events: DecodedEvent<RawReceipt>[]): DeliveryReceipt[] {
    const receipts: DeliveryReceipt[] = [];
    for (const { value, offset } of events) {
      try {
        receipts.push(parseReceipt(value, this.formats.of(value.carrierId)));
      } catch (err) {
        if (!(err instanceof ReceiptError)) throw err;
        this.metrics.receipts.inc({ carrier: value.carrierId || 'none', stat: 'INVALID' });
        this.logger.warn({ code: err.code, carrier: value.carrierId, offset }, err.message);
      }
    }
    return receipts;
  }
}
