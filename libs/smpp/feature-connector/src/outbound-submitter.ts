import type { Consumer, Kafka } from 'kafkajs';
import type { CarrierConfig } from '@smsgw/carriers/util-config';
import {
  OUTBOUND_LANES,
  TOPICS,
  decodeBatch,
  outboundTopic,
  startBatchConsumer,
  submitJournalTopic,
  type BatchProgress,
  type ConsumedBatch,
  type EventProducer,
  type OutboundLane,
  type Topic,
} from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import { SubmitOutcome, type OutboundMessage } from '@smsgw/shared/util-proto';
import { SubmitTicket, type CarrierSessionPool } from '@smsgw/smpp/data-access-session';
import { submitReports, type MessageSubmission } from '@smsgw/smpp/domain';
import { Checkpoints } from './checkpoints';
import type { ConnectorMetrics } from './connector-metrics';
import { FinishedPrefix } from './finished-prefix';
import { MessageSender } from './message-sender';
import { ReportStream } from './report-stream';
import { LaneJournals, SubmitJournal } from './submit-journal';
import { SubmittedMessages, attemptKey } from './submitted-messages';
import { TakeOverJournal } from './take-over-journal';

export interface OutboundSettings {
  /** Kafka consumer group of the bulk lane; default smsgw-connector-<carrier>. The priority lane's is <groupId>-priority. */
  groupId?: string;
  /** Partitions of the outbound topic handled at the same time. */
  consumerConcurrency: number;
  /** Bytes fetched per partition and request (bounds a batch). */
  maxBytesPerPartition?: number;
  /** Reports are published in sendMany chunks of this many while a batch is in progress. */
  reportChunk?: number;
  /** …or after this long, whichever comes first. */
  reportLingerMs?: number;
  /** A batch in progress commits its finished part this often (bounds what a crash repeats). */
  checkpointIntervalMs?: number;
  /**
   * On taking over a partition, the journal is read from this long before the oldest message of
   * the first batch was produced (covers clock skew between the router's and this host's clocks).
   */
  journalLookbackMs?: number;
}

/** What the outbound side works with: the carrier's pool and the connector's producer, metrics and log. */
export interface OutboundParts {
  kafka: Kafka;
  producer: EventProducer;
  pool: CarrierSessionPool;
  metrics: ConnectorMetrics;
  logger: Logger;
  /** Names this replica in its journal records. */
  instanceId: string;
}

/**
 * One lane of the carrier's traffic (see outboundTopic): its own topic, consumer group, submit
 * journal and take-over bookkeeping, so a bulk backlog never holds back a priority fetch or commit.
 */
interface Lane {
  readonly name: OutboundLane;
  readonly topic: Topic<OutboundMessage>;
  readonly journal: SubmitJournal;
  readonly takeOver: TakeOverJournal;
  readonly groupId: string;
  consumer: Consumer | undefined;
  /** Paused for back-pressure (the pool's view of this lane). */
  paused: boolean;
}

const OUTCOME_LABEL: Record<number, string> = { [SubmitOutcome.SUBMITTED]: 'submitted', [SubmitOutcome.FAILED]: 'failed', [SubmitOutcome.UNKNOWN]: 'unknown', [SubmitOutcome.RETRYING]: 'retrying' };

/**
 * The carrier's MT traffic: consumes its two lanes, sms.outbound.<carrier>.priority.v1 (OTP,
 * transactional) and sms.outbound.<carrier>.v1 (bulk), each with its own consumer, in batches; the
 * pool sends priority segments first under the carrier's windows and TPS. Every segment's outcome
 * is journaled and reported to sms.submitted.v2 (failover requests to sms.retry.v1) before the
 * batch is committed; a copy of a message already sent is committed without a second submit.
 */
export class OutboundSubmitter {
  private carrier: CarrierConfig;
  private readonly sender: MessageSender;
  private readonly lanes: Record<OutboundLane, Lane>;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** One per batch in progress: withdrawing it takes back that batch's segments not yet sent. */
  private readonly tickets = new Set<SubmitTicket>();
  private stopping = false;
  private stopDeadline = 0;
  /** One for both lanes: a message and its copies are always in the same lane. */
  private readonly submitted = new SubmittedMessages();

  constructor(
    carrier: CarrierConfig,
    private readonly parts: OutboundParts,
    private readonly settings: OutboundSettings,
  ) {
    this.carrier = carrier;
    this.sender = new MessageSender(carrier, parts.pool, parts.metrics, parts.logger);
    const groupId = settings.groupId ?? `smsgw-connector-${carrier.id}`;
    const lane = (name: OutboundLane): Lane => {
      const journal = new SubmitJournal(parts.producer, submitJournalTopic(carrier.id, name), parts.instanceId);
      return {
        name,
        topic: outboundTopic(carrier.id, name),
        journal,
        takeOver: new TakeOverJournal(carrier.id, name, journal.topic, parts, settings.journalLookbackMs),
        groupId: name === 'bulk' ? groupId : `${groupId}-${name}`,
        consumer: undefined,
        paused: false,
      };
    };
    this.lanes = { priority: lane('priority'), bulk: lane('bulk') };
  }

  private get carrierId(): string {
    return this.carrier.id;
  }

  /** The pool's one journal, over the lanes' own. */
  intentJournal(): LaneJournals {
    return new LaneJournals({ priority: this.lanes.priority.journal, bulk: this.lanes.bulk.journal });
  }

  /** The names of the topics this side consumes and produces. */
  get topicNames(): string[] {
    return [...OUTBOUND_LANES.flatMap((l) => [this.lanes[l].topic.name, this.lanes[l].journal.topic.name]), TOPICS.submitted.name, TOPICS.retry.name];
  }

  /** The lanes' outbound topics. */
  get laneTopicNames(): string[] {
    return OUTBOUND_LANES.map((l) => this.lanes[l].topic.name);
  }

  get consuming(): boolean {
    return OUTBOUND_LANES.every((l) => this.lanes[l].consumer !== undefined) && !this.stopping;
  }

  get inFlightBatches(): number {
    return this.inFlight.size;
  }

  /** New carrier settings (hot reload): encoding, failover and the unknown-outcome policy apply to the next message. */
  useCarrier(carrier: CarrierConfig): void {
    this.carrier = carrier;
    this.sender.useCarrier(carrier);
  }

  /** Partition p of a lane's journal mirrors the lane's outbound partition p: it needs at least as many. */
  async checkJournalPartitions(): Promise<void> {
    await Promise.all(OUTBOUND_LANES.map((l) => this.checkJournalPartitionsOf(this.lanes[l])));
  }

  /** A consumer per lane. */
  async startConsuming(): Promise<void> {
    // Both groups at once: joining one waits for its other members to rejoin (up to a heartbeat).
    await Promise.all(OUTBOUND_LANES.map((l) => this.startLane(this.lanes[l])));
  }

  /**
   * The first step of a graceful stop: fetch nothing new and withdraw what is not sent yet (the
   * batches commit what finished); then waits, up to the deadline, for the batches in progress.
   */
  async stopTaking(deadline: number): Promise<void> {
    this.stopping = true;
    for (const l of OUTBOUND_LANES) this.lanes[l].consumer?.pause([{ topic: this.lanes[l].topic.name }]);
    for (const ticket of this.tickets) this.parts.pool.withdraw(ticket);
    this.stopDeadline = deadline;
    await Promise.race([this.settled(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref())]);
  }

  /** Resolves when every batch in progress has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async disconnect(): Promise<void> {
    await Promise.all(OUTBOUND_LANES.map((l) => this.lanes[l].consumer?.disconnect()));
  }

  /** The pool says a lane's queue is full (bulk: the whole queue; priority: its own) or has room again. */
  onPressure(saturated: boolean, name: OutboundLane): void {
    const lane = this.lanes[name];
    const { metrics } = this.parts;
    lane.paused = saturated;
    if (saturated) metrics.consumerPauses.inc({ carrier: this.carrierId, lane: name });
    metrics.consumerPaused.set({ carrier: this.carrierId, lane: name }, saturated ? 1 : 0);
    if (!lane.consumer || this.stopping) return;
    if (saturated) lane.consumer.pause([{ topic: lane.topic.name }]);
    else lane.consumer.resume([{ topic: lane.topic.name }]);
  }

  /**
   * One partition's batch: every segment reaches a final outcome and its report is acknowledged
   * before this resolves. When the partition is being given up (rebalance, stop), messages not
   * yet sent are withdrawn and the commit stops before the first of them.
   */
  async handleBatch(batch: ConsumedBatch): Promise<void | BatchProgress> {
    const { pool, producer, logger, metrics } = this.parts;
    const lane = this.laneOf(batch.topic);
    const { events, undecodable } = decodeBatch(lane.topic, batch.messages);
    const journaled = await lane.takeOver.forBatch(batch);
    const journal = { partition: batch.partition, records: (entries: Parameters<SubmitJournal['records']>[0]) => lane.journal.records(entries) };
    const out = new ReportStream(producer, this.settings.reportChunk ?? 500, this.settings.reportLingerMs ?? 10, logger, () => this.stopping && Date.now() > this.stopDeadline, journal);
    // A message's reports (and failover request) into the stream; true when it is finished, false when withdrawn.
    const pushReports = (submission: MessageSubmission): boolean => {
      const { reports, retry } = submitReports(submission, { carrierId: this.carrierId, failover: this.carrier.failover, unknownOutcome: this.carrier.unknownOutcome, nowMs: Date.now() });
      if (retry) out.push({ topic: TOPICS.retry, key: reports[0]?.messageId ?? '', value: retry });
      for (const value of reports) {
        metrics.segment(OUTCOME_LABEL[value.subject?.value.outcome ?? SubmitOutcome.UNSPECIFIED] ?? 'unspecified');
        out.push({ topic: TOPICS.submitted, key: value.messageId, value });
      }
      return submission.kind !== 'withdrawn';
    };
    const prefix = new FinishedPrefix(batch.messages.map((m) => m.offset));
    for (const { message, error } of undecodable) {
      const messageId = message.key?.toString() ?? '';
      logger.error({ messageId, offset: message.offset, err: error.message }, 'undecodable outbound event; reported FAILED');
      pushReports({ kind: 'undecodable', messageId, error: error.message });
      prefix.finish(message.offset);
    }
    const ticket = new SubmitTicket();
    const giveUp = () => {
      const withdrawn = pool.withdraw(ticket);
      logger.info({ carrier: this.carrierId, partition: batch.partition, withdrawn }, 'partition being given up (group rebalancing or stopping): messages not yet sent are withdrawn; the batch is committed up to its last finished message');
    };
    if (this.stopping) ticket.withdrawn = true;
    this.tickets.add(ticket);
    batch.signal.addEventListener('abort', giveUp, { once: true });
    const checkpoints = new Checkpoints(batch, prefix, out, this.settings.checkpointIntervalMs ?? 1_000, logger);
    let unfinished = 0;
    // A copy of a message (a retried upstream produce) shares the first's fate, and is not sent again.
    const firstCopies = new Map<string, Promise<boolean>>();
    const finishedHere: [key: string, offset: string][] = [];
    try {
      await Promise.all(
        events.map((e) => {
          const key = attemptKey(e.value, e.key);
          // Handled before at another offset — finished by this process, or journaled by any replica — is a copy.
          const before = this.submitted.offsetOf(key) ?? journaled?.first.get(key);
          const copy = before !== undefined && before !== e.offset;
          const finished = copy || this.submitted.offsetOf(key) === e.offset;
          const earlier = finished ? Promise.resolve(true) : firstCopies.get(key);
          if (copy || (!finished && earlier)) this.countDuplicate(e.value, e.key, batch.partition, e.offset);
          const place = { lane: lane.name, partition: batch.partition, offset: e.offset, attempt: e.value.attempt, journaled: journaled?.entries.get(e.offset) };
          const processing = earlier ?? this.sender.send(e.value, e.key, place, out, ticket).then(pushReports);
          if (!earlier) firstCopies.set(key, processing);
          return processing.then((finished) => {
            if (!finished) return void unfinished++;
            prefix.finish(e.offset);
            finishedHere.push([key, e.offset]);
          });
        }),
      );
    } finally {
      batch.signal.removeEventListener('abort', giveUp);
      this.tickets.delete(ticket);
      await checkpoints.stop();
    }
    // Reports went out in chunks while the batch was submitted; the batch is done when all are acknowledged.
    await out.acknowledged();
    for (const [key, offset] of finishedHere) this.submitted.add(key, offset);
    if (unfinished === 0) {
      lane.takeOver.finishedWhole(batch);
      return;
    }
    metrics.withdrawn.inc({ carrier: this.carrierId }, unfinished);
    return { handledThrough: prefix.through() };
  }

  private async startLane(lane: Lane): Promise<void> {
    const consumer = await startBatchConsumer(this.parts.kafka, {
      groupId: lane.groupId,
      topics: [lane.topic],
      logger: this.parts.logger,
      concurrency: this.settings.consumerConcurrency,
      maxBytesPerPartition: this.settings.maxBytesPerPartition ?? 131_072,
      // Priority: a fetch returns with the first OTP (no wait for 16 KiB), and an idle lane polls
      // 4× less often than the bulk one; under load, batches still grow while one is submitted.
      ...(lane.name === 'priority' ? { minBytes: 1, maxWaitTimeInMs: 100 } : {}),
      handle: (batch) => this.track(this.handleBatch(batch)),
    });
    consumer.on(consumer.events.GROUP_JOIN, () => lane.takeOver.forgetPartitions());
    lane.consumer = consumer;
    if (lane.paused) consumer.pause([{ topic: lane.topic.name }]);
  }

  private async checkJournalPartitionsOf(lane: Lane): Promise<void> {
    const admin = this.parts.kafka.admin();
    await admin.connect();
    try {
      const journal = lane.journal.topic.name;
      const outbound = lane.topic.name;
      const { topics } = await admin.fetchTopicMetadata({ topics: [outbound, journal] });
      const count = (name: string) => topics.find((t) => t.name === name)?.partitions.length ?? 0;
      if (count(journal) < count(outbound)) {
        throw new Error(`${journal} has ${count(journal)} partitions and ${outbound} ${count(outbound)}: the journal needs one per outbound partition (kafka-topics --alter --partitions ${count(outbound)})`);
      }
    } finally {
      await admin.disconnect();
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  /** The lane a batch was consumed from. */
  private laneOf(topic: string): Lane {
    const lane = OUTBOUND_LANES.map((l) => this.lanes[l]).find((l) => l.topic.name === topic);
    if (!lane) throw new Error(`a batch of ${topic}, not a topic of the ${this.carrierId} connector`);
    return lane;
  }

  private countDuplicate(outbound: OutboundMessage, key: string, partition: number, offset: string): void {
    this.parts.metrics.duplicateOutbound.inc({ carrier: this.carrierId });
    this.parts.logger.warn({ carrier: this.carrierId, messageId: outbound.encoded?.message?.id || key, attempt: outbound.attempt, partition, offset }, 'the same message is in the outbound topic twice (an upstream produce was retried); this copy is committed without being sent');
  }
}
