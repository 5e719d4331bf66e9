import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS, startFetchConsumer, type ConsumedFetch } from '@smsgw/shared/data-access-kafka';
import { CONFIG, HealthRegistry, LOGGER, METRICS } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, histogram, type Registry } from '@smsgw/shared/util-metrics';
import { MessageAccepted, SubmitOutcome, SubmitReport, heldForSchedule } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import type { IngestEnv } from '../env';
import { IngestProducer, KAFKA } from '../kafka/kafka.provider';
import { ScheduleStore, type HeldMessage } from './schedule.store';

const RELEASE_BATCH = 500;
const SWEEP_EVERY_MS = 10 * 60_000;
const RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * Scheduling (send_at in the future). The accepted event of a scheduled message is held: this
 * consumer of sms.accepted.v1 stores it in PostgreSQL, and the encoder passes it by. At its send
 * time the release loop publishes it to sms.accepted.v1 again with released_at_ms set, and it
 * goes on like any other message. Until then it can be canceled.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: Consumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private releasing: Promise<void> | undefined;
  private lastSweep = Date.now();
  private readonly events;
  private readonly releaseDelay;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) registry: Registry,
    private readonly producer: IngestProducer,
    private readonly store: ScheduleStore,
    health: HealthRegistry,
  ) {
    this.events = counter(registry, 'smsgw_scheduled_messages_total', 'Scheduled messages by what happened: held (waiting for send_at), released (sent on), canceled.', ['event']);
    this.releaseDelay = histogram(registry, 'smsgw_schedule_release_delay_seconds', 'How long after its send_at a scheduled message was released.', [], [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300]);
    health.add('scheduler-consumer', () => this.consumer !== undefined || 'sms.accepted.v1 scheduler consumer not started');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startFetchConsumer(this.kafka, { groupId: 'smsgw-ingest-scheduler', topics: [TOPICS.accepted], logger: this.logger, handle: (f) => this.hold(f) });
    this.timer = setInterval(() => {
      this.releasing ??= this.releaseDue().finally(() => (this.releasing = undefined));
    }, this.config.INGEST_SCHEDULER_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.releasing;
    await this.consumer?.disconnect();
  }

  /**
   * Cancels a scheduled message that has not been released; true when it is (now) canceled.
   * The CANCELED report goes to sms.submitted.v1 for the status store, again on a repeated cancel
   * (in case the first report was not published).
   */
  async cancel(messageId: string): Promise<boolean> {
    const result = await this.store.cancel(messageId);
    if (result === 'released') return false;
    const value = SubmitReport.create({ messageId, segmentIndex: -1, outcome: SubmitOutcome.CANCELED, reasonCode: 'CANCELED', reason: 'canceled by the client before its send time', reportedAtMs: Date.now() });
    await this.producer.sendMany([{ topic: TOPICS.submitted, key: messageId, value }]);
    if (result === 'canceled') this.events.inc({ event: 'canceled' });
    return true;
  }

  private async hold(fetch: ConsumedFetch): Promise<void> {
    const held: HeldMessage[] = [];
    for (const message of fetch.batches.flatMap((b) => b.messages)) {
      if (!message.value) continue;
      let accepted: MessageAccepted;
      try {
        accepted = MessageAccepted.decode(message.value);
      } catch {
        continue; // the encoder logs undecodable events on this topic
      }
      if (heldForSchedule(accepted)) held.push({ messageId: accepted.id, sendAtMs: accepted.sendAtMs, accepted: message.value });
    }
    const stored = await this.store.hold(held);
    if (stored) this.events.inc({ event: 'held' }, stored);
  }

  /** Releases everything due, a transaction of up to RELEASE_BATCH at a time. */
  private async releaseDue(): Promise<void> {
    try {
      for (;;) {
        const released = await this.store.releaseDue(RELEASE_BATCH, (due) => this.publishReleased(due));
        const now = Date.now();
        for (const m of released) this.releaseDelay.observe(Math.max(0, now - m.sendAtMs) / 1000);
        if (released.length) this.events.inc({ event: 'released' }, released.length);
        if (released.length < RELEASE_BATCH) break;
      }
      if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
        this.lastSweep = Date.now();
        await this.store.sweep(RETENTION_MS);
      }
    } catch (err) {
      this.logger.error({ err }, 'could not release due scheduled messages (PostgreSQL or Kafka unavailable); they stay held and the next round tries again');
    }
  }

  private async publishReleased(due: HeldMessage[]): Promise<void> {
    const releasedAtMs = Date.now();
    await this.producer.sendMany(
      due.map((m) => {
        const accepted = MessageAccepted.decode(m.accepted);
        return { topic: TOPICS.accepted, key: accepted.id, value: { ...accepted, releasedAtMs } };
      }),
    );
  }
}
