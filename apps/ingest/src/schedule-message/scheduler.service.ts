import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS, startFetchConsumer, type ConsumedFetch } from '@smsgw/shared/data-access-kafka';
import { CONFIG, HealthRegistry, LOGGER, METRICS } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, gauge, histogram, type Registry } from '@smsgw/shared/util-metrics';
import { MessageAccepted, SubmitOutcome, heldByPumping, heldForSchedule, messageEvent } from '@smsgw/shared/util-proto';
import { closeReservations, findOpenReservations } from '@smsgw/accounts/data-access-store';
import { PUMPING_HOLD, closeReservation, type Closing } from '@smsgw/accounts/domain';
import type { Consumer, Kafka } from 'kafkajs';
import type { PoolClient } from 'pg';
import type { IngestEnv } from '../env';
import { AppProducer, KAFKA } from '@smsgw/shared/feature-ops';
import { ScheduleStore, type HeldMessage, type HoldSelection, type TakenHold } from './schedule.store';

const RELEASE_BATCH = 500;
const SWEEP_EVERY_MS = 10 * 60_000;
const RETENTION_MS = 7 * 24 * 3_600_000;
/** Ended holds are refused, and the held-messages gauge read, this often. */
const HOLD_CHECK_EVERY_MS = 5_000;
/** An operator's release or rejection takes this many rows per transaction. */
const HOLD_BATCH = 500;

/**
 * Scheduling (send_at in the future). The accepted event of a scheduled message is held: this
 * consumer of sms.accepted.v1 stores it in PostgreSQL, and the encoder passes it by. At its send
 * time the release loop publishes it to sms.accepted.v1 again with released_at_ms set, and it
 * goes on like any other message. Until then it can be canceled. Messages SMS-pumping protection
 * held (policy "hold") wait the same way, for an operator's release or rejection, or the end of
 * their hold (then refused).
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: Consumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private releasing: Promise<void> | undefined;
  private lastSweep = Date.now();
  private lastHoldCheck = 0;
  private readonly events;
  private readonly releaseDelay;
  private readonly holds;
  private readonly heldNow;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) registry: Registry,
    private readonly producer: AppProducer,
    private readonly store: ScheduleStore,
    health: HealthRegistry,
  ) {
    this.events = counter(registry, 'smsgw_scheduled_messages_total', 'Scheduled messages by what happened: held (waiting for send_at), released (sent on), canceled.', ['event']);
    this.releaseDelay = histogram(registry, 'smsgw_schedule_release_delay_seconds', 'How long after its send_at a scheduled message was released.', [], [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300]);
    this.holds = counter(registry, 'smsgw_pumping_holds_total', 'Messages held by SMS-pumping protection (policy "hold"), by what happened: held, released (by an operator), rejected (by an operator), expired (the hold time ended: refused).', ['event']);
    this.heldNow = gauge(registry, 'smsgw_pumping_held_messages', 'Messages SMS-pumping protection holds now, waiting for an operator (read every few seconds by one of the replicas\' release loops).');
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
   * The CANCELED event goes to sms.submitted.v2 for the status store, again on a repeated cancel
   * (in case the first report was not published).
   */
  async cancel(messageId: string): Promise<boolean> {
    const result = await this.store.cancel(messageId);
    if (result === 'released') return false;
    const value = messageEvent({ messageId, reportedAtMs: Date.now() }, { outcome: SubmitOutcome.CANCELED, reasonCode: 'CANCELED', reason: 'canceled by the client before its send time' });
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
      if (!heldForSchedule(accepted)) continue;
      held.push(
        heldByPumping(accepted)
          ? { messageId: accepted.id, sendAtMs: accepted.pumpingHeldUntilMs, accepted: message.value, pumping: { accountId: accepted.clientId, country: accepted.pumpingCountry, acceptedAtMs: accepted.acceptedAtMs } }
          : { messageId: accepted.id, sendAtMs: accepted.sendAtMs, accepted: message.value },
      );
    }
    const stored = await this.store.hold(held);
    if (stored.scheduled) this.events.inc({ event: 'held' }, stored.scheduled);
    if (stored.pumping) this.holds.inc({ event: 'held' }, stored.pumping);
  }

  /**
   * Sends held messages on: published to sms.accepted.v1 again with released_at_ms (as a
   * scheduled message at its send time); one whose own send_at is still ahead goes back to the
   * schedule instead. Returns the ids released.
   */
  async releaseHeld(selection: HoldSelection): Promise<string[]> {
    return this.settleHeld(selection, async (taken) => {
      const now = Date.now();
      const states = new Map<string, 'released' | 'pending'>();
      const publish: MessageAccepted[] = [];
      for (const t of taken) {
        const accepted = MessageAccepted.decode(t.accepted);
        if (accepted.sendAtMs > now) {
          t.sendAtMs = accepted.sendAtMs;
          states.set(t.messageId, 'pending');
        } else {
          publish.push({ ...accepted, releasedAtMs: now });
          states.set(t.messageId, 'released');
        }
      }
      await this.producer.sendMany(publish.map((value) => ({ topic: TOPICS.accepted, key: value.id, value })));
      this.holds.inc({ event: 'released' }, taken.length);
      return states;
    });
  }

  /** Refuses held messages (an operator's decision): FAILED with RATE.PUMPING_REJECTED, refunded. Returns the ids rejected. */
  rejectHeld(selection: HoldSelection): Promise<string[]> {
    return this.settleHeld(selection, (taken, db) => this.refuse(taken, db, 'rejected'));
  }

  /** A selection in transactions of HOLD_BATCH rows, until none is left (rows other replicas hold are skipped). */
  private async settleHeld(selection: HoldSelection, settle: (taken: TakenHold[], db: PoolClient) => Promise<Map<string, 'released' | 'rejected' | 'pending'>>): Promise<string[]> {
    const done: string[] = [];
    for (;;) {
      const taken = await this.store.takeHeld(selection, HOLD_BATCH, settle);
      done.push(...taken.map((t) => t.messageId));
      if (taken.length < HOLD_BATCH || 'ids' in selection) return done;
    }
  }

  /**
   * The FAILED report of held messages (segment -1, as the router's no-route: the status store
   * makes them final and sms.status.v1 says why) and, in the same transaction as their new state,
   * the refund of their reservations (the billing consumer would refund a message final before any
   * carrier too; the ledger closes a message once, whichever comes first).
   */
  private async refuse(taken: TakenHold[], db: PoolClient, why: 'rejected' | 'expired'): Promise<Map<string, 'rejected'>> {
    const reasonCode = why === 'rejected' ? PUMPING_HOLD.rejectedCode : PUMPING_HOLD.expiredCode;
    const reason = why === 'rejected' ? 'held by SMS-pumping protection and rejected by an operator' : 'held by SMS-pumping protection; no operator released it before the hold time ended';
    const open = await findOpenReservations(db, taken.map((t) => t.messageId));
    const refunds = open.flatMap((o) => closeReservation(o.reservation, { chargedMicros: 0, chargeCurrency: '', final: true }) ?? []) as Closing[];
    await closeReservations(db, refunds);
    const reportedAtMs = Date.now();
    await this.producer.sendMany(
      taken.map((t) => ({ topic: TOPICS.submitted, key: t.messageId, value: messageEvent({ messageId: t.messageId, reportedAtMs }, { outcome: SubmitOutcome.FAILED, reasonCode, reason }) })),
    );
    this.holds.inc({ event: why }, taken.length);
    return new Map(taken.map((t) => [t.messageId, 'rejected' as const]));
  }

  /** Refuses held messages whose hold has ended, and reads how many are held (every HOLD_CHECK_EVERY_MS). */
  private async checkHolds(): Promise<void> {
    if (Date.now() - this.lastHoldCheck < HOLD_CHECK_EVERY_MS) return;
    this.lastHoldCheck = Date.now();
    await this.settleHeld({ expired: true }, (taken, db) => this.refuse(taken, db, 'expired'));
    this.heldNow.set(await this.store.countHeld());
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
      await this.checkHolds();
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
