import { hostname } from 'node:os';
import { QualityBook, QualitySnapshot, type NumberLookup, type QualitySettings } from '@smsgw/routing/domain';
import { TOPICS, decodeBatch, ensureTopics, startFetchConsumer, topicSpecs, type ConsumedFetch, type TopicLayout } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import type { StatusEvent, SubmitEvent } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import { ResultTracker } from './result-tracker';

export interface QualityLearnerOptions {
  settings: QualitySettings;
  lookup: NumberLookup;
  logger: Logger;
  refreshMs: number;
  pendingMax: number;
  /** How the three topics are made when they do not exist yet (the config's KAFKA_* layout). */
  layout: TopicLayout;
  /** Group name before the replica's own suffix ("smsgw-router-quality"). */
  groupPrefix: string;
  /** After each rebuild, with the one before (metrics, logging breaker moves). */
  onSnapshot?(snapshot: QualitySnapshot, previous: QualitySnapshot): void;
}

/**
 * Learns route quality from sms.status.v1, sms.submitted.v2 and sms.carrier-health.v1. Every
 * replica must see the whole stream (each routes all destinations), so the group is the
 * replica's own (host and pid), starting at the end of the topics: a new replica learns from
 * what happens after it starts, and a replica's group is left behind when it stops (the broker
 * drops it after offsets.retention.minutes), so the retired sms.submitted.v1 needs no reading. One
 * fetch: one destination lookup for all of it.
 */
export class QualityLearner {
  private readonly book: QualityBook;
  private readonly tracker: ResultTracker;
  private current = QualitySnapshot.EMPTY;
  private consumer: Consumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: QualityLearnerOptions,
  ) {
    this.book = new QualityBook(options.settings);
    this.tracker = new ResultTracker(this.book, options.pendingMax);
  }

  /** What routing reads now (rebuilt every refreshMs; never per decision). */
  get snapshot(): QualitySnapshot {
    return this.current;
  }

  get started(): boolean {
    return this.consumer !== undefined;
  }

  /** Joins the group (the topics made if missing); stop() waits for a start still on its way. */
  start(): Promise<void> {
    this.starting ??= this.connect();
    return this.starting;
  }

  private async connect(): Promise<void> {
    this.timer = setInterval(() => this.refresh(), this.options.refreshMs);
    this.timer.unref();
    const topics = [TOPICS.status, TOPICS.submitted, TOPICS.carrierHealth];
    await ensureTopics(this.kafka, topicSpecs(topics, this.options.layout));
    const consumer = await startFetchConsumer(this.kafka, {
      groupId: `${this.options.groupPrefix}-${hostname()}-${process.pid}`,
      topics,
      fromBeginning: false,
      lagIntervalMs: 0, // the group's name is per process: no lag series per restart
      logger: this.options.logger,
      handle: (fetch) => this.learn(fetch),
    });
    if (this.stopped) await consumer.disconnect();
    else this.consumer = consumer;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.starting?.catch(() => undefined);
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  refresh(now = Date.now()): QualitySnapshot {
    const previous = this.current;
    this.current = this.book.snapshot(now);
    this.options.onSnapshot?.(this.current, previous);
    return this.current;
  }

  private async learn(fetch: ConsumedFetch): Promise<void> {
    const reports: SubmitEvent[] = [];
    const statuses: StatusEvent[] = [];
    let undecodable = 0;
    for (const batch of fetch.batches) {
      if (batch.topic === TOPICS.submitted.name) {
        const r = decodeBatch(TOPICS.submitted, batch.messages);
        undecodable += r.undecodable.length;
        for (const e of r.events) reports.push(e.value);
      } else if (batch.topic === TOPICS.status.name) {
        const r = decodeBatch(TOPICS.status, batch.messages);
        undecodable += r.undecodable.length;
        for (const e of r.events) statuses.push(e.value);
      } else {
        const r = decodeBatch(TOPICS.carrierHealth, batch.messages);
        undecodable += r.undecodable.length;
        for (const e of r.events) this.tracker.health(e.value);
      }
    }
    // Quality is an estimate: an event it cannot read is counted out, not a reason to stop learning.
    if (undecodable) this.options.logger.warn({ count: undecodable }, 'undecodable events left out of route quality');
    const wanted = reports.filter((r) => ResultTracker.wantsDestination(r));
    const destinations = wanted.length ? await this.options.lookup.lookup(wanted.map((r) => r.to)) : [];
    const byReport = new Map(wanted.map((r, i) => [r, destinations[i]]));
    for (const r of reports) this.tracker.submitted(r, byReport.get(r));
    for (const e of statuses) this.tracker.status(e); // after the reports: a message's submit and its receipt may share a fetch
  }
}
