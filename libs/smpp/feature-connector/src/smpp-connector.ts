import type { Consumer, Kafka } from 'kafkajs';
import { ulid } from 'ulid';
import type { CarrierConfig } from '@smsgw/carriers/util-config';
import { ConcatReferenceAllocator, EncodingError, decode, type DecodedSegment } from '@smsgw/gsm/util-encoding';
import {
  EventProducer,
  TOPICS,
  decodeBatch,
  ensureTopics,
  outboundTopic,
  startBatchConsumer,
  type BatchProgress,
  type ConsumedBatch,
  type OutgoingEvent,
  type Topic,
} from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Registry } from '@smsgw/shared/util-metrics';
import { CarrierHealth, Encoding, InboundMessage, OutboundMessage, RawReceipt, RetryRequest, SubmitOutcome, SubmitReport } from '@smsgw/shared/util-proto';
import { CarrierSessionPool, SubmitTicket, type PoolSettings, type SubmitResult } from '@smsgw/smpp/data-access-session';
import {
  TLV,
  commandStatusName,
  isDeliveryReceipt,
  messageContent,
  readReceipt,
  receiptKey,
  renderSubmits,
  replicaRate,
  smppReasonCode,
  tlvInt,
  type IncomingMessagePdu,
  type RenderSettings,
  type SubmitSm,
} from '@smsgw/smpp/domain';
import { Checkpoints } from './checkpoints';
import { ConnectorMetrics } from './connector-metrics';
import { FinishedPrefix } from './finished-prefix';
import { MoReassembly, type MoPart } from './mo-reassembly';
import { murmur2Partitioner } from './murmur2-partitioner';
import { ReportStream } from './report-stream';

export interface SmppConnectorOptions {
  carrier: CarrierConfig;
  kafka: Kafka;
  logger: Logger;
  registry: Registry;
  /** Names this replica in CarrierHealth (pod name or host:pid). */
  instanceId: string;
  /** Replicas of this carrier's connector: the carrier's TPS is divided between them. */
  replicas: number;
  /** Kafka consumer group; default smsgw-connector-<carrier>. */
  groupId?: string;
  topicPartitions: number;
  replicationFactor: number;
  /** Partitions of the outbound topic handled at the same time. */
  consumerConcurrency: number;
  /** CarrierHealth to sms.carrier-health.v1 this often (0 = never). */
  healthIntervalMs: number;
  /** Graceful stop: how long to wait for in-flight segments before giving up on the batch. */
  shutdownTimeoutMs: number;
  /** How long parts of a concatenated MO wait for the rest. */
  moReassemblyTimeoutMs: number;
  /** Bytes fetched per partition and request (bounds a batch). */
  maxBytesPerPartition?: number;
  /** Reports are published in sendMany chunks of this many while a batch is in progress. */
  reportChunk?: number;
  /** …or after this long, whichever comes first. */
  reportLingerMs?: number;
  /** Receipts and MO wait this long to share a produce request (their deliver_sm_resp waits for the ack). */
  produceLingerMs?: number;
  /** A batch in progress commits its finished part this often (bounds what a crash repeats). */
  checkpointIntervalMs?: number;
}


type FinalResult = Exclude<SubmitResult, { kind: 'withdrawn' }>;

function isFinal(result: SubmitResult): result is FinalResult {
  return result.kind !== 'withdrawn';
}

/** The pool rejects a segment only when it stopped before sending it: the same as withdrawn. */
function notSentYet(): SubmitResult {
  return { kind: 'withdrawn', attempts: 0 };
}


const ENCODING: Record<string, Encoding> = { gsm7: Encoding.GSM7, ucs2: Encoding.UCS2, latin1: Encoding.LATIN1 };
const OUTCOME_LABEL: Record<number, string> = { [SubmitOutcome.SUBMITTED]: 'submitted', [SubmitOutcome.FAILED]: 'failed', [SubmitOutcome.UNKNOWN]: 'unknown', [SubmitOutcome.RETRYING]: 'retrying' };

function poolSettings(carrier: CarrierConfig, replicas: number): PoolSettings {
  return {
    carrierId: carrier.id,
    session: {
      host: carrier.host,
      port: carrier.port,
      tls: carrier.tls,
      tlsRejectUnauthorized: carrier.tlsRejectUnauthorized,
      systemId: carrier.systemId,
      password: carrier.password,
      systemType: carrier.systemType,
      window: carrier.window,
      timeouts: carrier.timeouts,
      submitCommand: carrier.submitCommand,
    },
    bindMode: carrier.bindMode,
    binds: carrier.binds,
    tps: replicaRate(carrier.tps, replicas),
    permanentErrors: carrier.permanentErrors,
    unknownOutcome: carrier.unknownOutcome,
    reconnect: carrier.reconnect,
  };
}

function renderSettings(carrier: CarrierConfig, references: RenderSettings['references']): RenderSettings {
  return { carrierId: carrier.id, ...carrier.encoding, registeredDelivery: carrier.registeredDelivery, serviceType: carrier.serviceType, references };
}

/**
 * The connector for one carrier: consumes sms.outbound.<carrier>.v1 in batches, renders each
 * message's segments with the carrier's encoding settings, submits them through the carrier's
 * binds, and publishes every segment's outcome to sms.submitted.v1 (and failover requests to
 * sms.retry.v1) before the batch is committed. deliver_sm receipts go to sms.dlr.raw.v1, MO to
 * sms.inbound.v1, each answered only after Kafka acknowledged it.
 */
export class SmppConnector {
  readonly pool: CarrierSessionPool;
  readonly metrics: ConnectorMetrics;
  private readonly producer: EventProducer;
  private readonly topic: Topic<OutboundMessage>;
  private renderSettings: RenderSettings;
  private carrier: CarrierConfig;
  private readonly references: RenderSettings['references'];
  private readonly reassembly: MoReassembly;
  private consumer: Consumer | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** One per batch in progress: withdrawing it takes back that batch's segments not yet sent. */
  private readonly tickets = new Set<SubmitTicket>();
  private paused = false;
  private stopping = false;
  private interval = { responses: 0, errors: 0, throttled: 0 };

  constructor(private readonly options: SmppConnectorOptions) {
    const { carrier, logger } = options;
    this.topic = outboundTopic(carrier.id);
    this.producer = new EventProducer(options.kafka, { createPartitioner: murmur2Partitioner, lingerMs: options.produceLingerMs ?? 10 });
    this.metrics = new ConnectorMetrics(options.registry, carrier.id, () => this.pool);
    this.pool = new CarrierSessionPool(
      poolSettings(carrier, options.replicas),
      (pdu) => this.onIncoming(pdu),
      logger,
      this.metrics.observer({
        response: (command, status) => {
          if (command !== 'submit_sm' && command !== 'data_sm') return;
          this.interval.responses++;
          if (status !== 0 && status !== 0x58 && status !== 0x14) this.interval.errors++;
        },
        throttled: () => this.interval.throttled++,
        unknownOutcome: () => this.interval.errors++,
        pressure: (saturated) => this.onPressure(saturated),
      }),
    );
    this.carrier = carrier;
    this.references = { udh8: new ConcatReferenceAllocator({ bits: 8 }), wide: new ConcatReferenceAllocator({ bits: 16 }) };
    this.renderSettings = renderSettings(carrier, this.references);
    this.reassembly = new MoReassembly(options.moReassemblyTimeoutMs, (parts, complete) => this.publishMo(parts, complete));
  }

  get carrierId(): string {
    return this.carrier.id;
  }

  /**
   * New settings for this carrier from the carriers file (hot reload): encoding, receipts, error
   * policy and TPS apply to the next segment; connection changes rebind the sessions one by one.
   */
  async updateCarrier(next: CarrierConfig): Promise<void> {
    if (next.id !== this.carrier.id) throw new Error(`updateCarrier: settings of ${next.id} given to the ${this.carrier.id} connector`);
    if (JSON.stringify(next) === JSON.stringify(this.carrier)) return;
    const changed = (Object.keys(next) as (keyof CarrierConfig)[]).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(this.carrier[k]));
    this.options.logger.info({ carrier: next.id, changed }, 'carrier settings changed; applying');
    this.carrier = next;
    this.renderSettings = renderSettings(next, this.references);
    await this.pool.updateSettings(poolSettings(next, this.options.replicas));
  }

  get consuming(): boolean {
    return this.consumer !== undefined && !this.stopping;
  }

  /** Creates the topics, connects the producer, starts the binds and the consumer. */
  async start(): Promise<void> {
    const { kafka, topicPartitions: partitions, replicationFactor } = this.options;
    const spec = (name: string) => ({ name, partitions, replicationFactor });
    await ensureTopics(kafka, [this.topic, TOPICS.submitted, TOPICS.retry, TOPICS.dlrRaw, TOPICS.inbound, TOPICS.carrierHealth].map((t) => spec(t.name)));
    await this.producer.connect();
    this.pool.start();
    this.consumer = await startBatchConsumer(kafka, {
      groupId: this.options.groupId ?? `smsgw-connector-${this.carrierId}`,
      topics: [this.topic],
      logger: this.options.logger,
      concurrency: this.options.consumerConcurrency,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 131_072,
      handle: (batch) => this.track(this.handleBatch(batch)),
    });
    if (this.paused) this.consumer.pause([{ topic: this.topic.name }]);
    if (this.options.healthIntervalMs > 0) {
      this.healthTimer = setInterval(() => void this.publishHealth(), this.options.healthIntervalMs);
      this.healthTimer.unref();
    }
    this.options.logger.info({ carrier: this.carrierId, topic: this.topic.name, binds: this.pool.bindsConfigured }, 'connector started');
  }

  /**
   * Graceful stop (SIGTERM): fetch nothing new, let in-flight batches finish (bounded), unbind,
   * commit. A batch still unfinished at the deadline is not committed and will be consumed again.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const { logger, shutdownTimeoutMs } = this.options;
    logger.info({ carrier: this.carrierId, inFlightBatches: this.inFlight.size }, 'stopping: no new batches, draining in-flight segments');
    clearInterval(this.healthTimer);
    this.consumer?.pause([{ topic: this.topic.name }]);
    // Take no new work: messages not yet sent are withdrawn (their batches commit what finished).
    for (const ticket of this.tickets) this.pool.withdraw(ticket);
    const deadline = Date.now() + shutdownTimeoutMs;
    this.stopDeadline = deadline;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, shutdownTimeoutMs).unref())]);
    // Fails whatever is still queued (its batch is not committed), waits for the windows, unbinds.
    await this.pool.stop(Math.max(0, deadline - Date.now()));
    await Promise.allSettled([...this.inFlight]);
    await this.reassembly.flushAll();
    await this.consumer?.disconnect();
    await this.publishHealth().catch(() => undefined);
    await this.producer.disconnect();
    logger.info({ carrier: this.carrierId }, 'connector stopped');
  }

  /** The replica's view of its carrier, as published to sms.carrier-health.v1. */
  health(): CarrierHealth {
    const { responses, errors, throttled } = this.interval;
    return CarrierHealth.create({
      carrierId: this.carrierId,
      instanceId: this.options.instanceId,
      bindsUp: this.pool.bindsUp,
      bindsConfigured: this.pool.bindsConfigured,
      errorRate: responses + errors > 0 ? Math.min(1, errors / Math.max(1, responses)) : 0,
      throttled: throttled > 0 || this.pool.throttledRecently,
      windowInUse: this.pool.windowInUse,
      reportedAtMs: Date.now(),
    });
  }

  private async publishHealth(): Promise<void> {
    const value = this.health();
    this.interval = { responses: 0, errors: 0, throttled: 0 };
    try {
      await this.producer.send({ topic: TOPICS.carrierHealth, key: this.carrierId, value });
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'could not publish carrier health');
    }
  }

  private stopDeadline = 0;

  private stopDeadlinePassed(): boolean {
    return Date.now() > this.stopDeadline;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private onPressure(saturated: boolean): void {
    this.paused = saturated;
    if (saturated) this.metrics.consumerPauses.inc({ carrier: this.carrierId });
    this.metrics.consumerPaused.set({ carrier: this.carrierId }, saturated ? 1 : 0);
    if (!this.consumer || this.stopping) return;
    if (saturated) this.consumer.pause([{ topic: this.topic.name }]);
    else this.consumer.resume([{ topic: this.topic.name }]);
  }

  /**
   * One partition's batch: every segment reaches a final outcome and its report is acknowledged
   * before this resolves. When the partition is being given up (rebalance, stop), messages not
   * yet sent are withdrawn and the commit stops before the first of them.
   */
  async handleBatch(batch: ConsumedBatch): Promise<void | BatchProgress> {
    const { events, undecodable } = decodeBatch(this.topic, batch.messages);
    const out = new ReportStream(this.producer, this.options.reportChunk ?? 500, this.options.reportLingerMs ?? 10, this.options.logger, () => this.stopping && this.stopDeadlinePassed());
    const prefix = new FinishedPrefix(batch.messages.map((m) => m.offset));
    for (const { message, error } of undecodable) {
      const messageId = message.key?.toString() ?? '';
      this.options.logger.error({ messageId, offset: message.offset, err: error.message }, 'undecodable outbound event; reported FAILED');
      out.push(this.report({ messageId, segmentIndex: -1, segmentCount: 0, outcome: SubmitOutcome.FAILED, reasonCode: 'CONNECTOR.UNDECODABLE', reason: `the outbound event could not be decoded: ${error.message}` }));
      prefix.finish(message.offset);
    }
    const ticket = new SubmitTicket();
    const giveUp = () => {
      const withdrawn = this.pool.withdraw(ticket);
      this.options.logger.info({ carrier: this.carrierId, partition: batch.partition, withdrawn }, 'partition being given up (group rebalancing or stopping): messages not yet sent are withdrawn; the batch is committed up to its last finished message');
    };
    if (this.stopping) ticket.withdrawn = true;
    this.tickets.add(ticket);
    batch.signal.addEventListener('abort', giveUp, { once: true });
    const checkpoints = new Checkpoints(batch, prefix, out, this.options.checkpointIntervalMs ?? 1_000, this.options.logger);
    let unfinished = 0;
    try {
      await Promise.all(
        events.map((e) =>
          this.processMessage(e.value, e.key, out, ticket).then((finished) => {
            if (finished) prefix.finish(e.offset);
            else unfinished++;
          }),
        ),
      );
    } finally {
      batch.signal.removeEventListener('abort', giveUp);
      this.tickets.delete(ticket);
      await checkpoints.stop();
    }
    // Reports went out in chunks while the batch was submitted; the batch is done when all are acknowledged.
    await out.acknowledged();
    if (unfinished === 0) return;
    this.metrics.withdrawn.inc({ carrier: this.carrierId }, unfinished);
    return { handledThrough: prefix.through() };
  }

  private report(fields: Partial<SubmitReport>, outbound?: OutboundMessage, encoding?: Encoding): OutgoingEvent<SubmitReport> {
    const m = outbound?.encoded?.message;
    const value = SubmitReport.create({
      carrierId: this.carrierId,
      reportedAtMs: Date.now(),
      acceptedAtMs: m?.acceptedAtMs ?? 0,
      encoding: encoding ?? outbound?.encoded?.encoding ?? Encoding.UNSPECIFIED,
      to: m?.to ?? '',
      from: m?.from ?? '',
      clientReference: m?.clientReference ?? '',
      ...fields,
    });
    this.metrics.segment(OUTCOME_LABEL[value.outcome] ?? 'unspecified');
    return { topic: TOPICS.submitted, key: value.messageId, value };
  }

  /**
   * Submits one message and pushes its reports. Resolves true once every segment has its final
   * outcome; false when the message was withdrawn (or the pool stopped) before all of it went out:
   * it then has no reports and its offset is not committed.
   */
  private async processMessage(outbound: OutboundMessage, key: string, out: ReportStream, ticket: SubmitTicket): Promise<boolean> {
    const m = outbound.encoded?.message;
    const messageId = m?.id || key;
    if (!m || !outbound.encoded) {
      out.push(this.report({ messageId, segmentIndex: -1, outcome: SubmitOutcome.FAILED, reasonCode: 'CONNECTOR.INVALID_EVENT', reason: 'the outbound event carries no encoded message' }, outbound));
      return true;
    }
    let submits: SubmitSm[];
    let encoding: Encoding;
    try {
      const rendered = renderSubmits({ to: m.to, from: m.from, text: outbound.encoded.text || m.text, validitySeconds: m.validitySeconds, priority: m.priority }, this.renderSettings);
      submits = rendered.submits;
      encoding = ENCODING[rendered.encoded.encoding] ?? Encoding.UNSPECIFIED;
    } catch (err) {
      const code = err instanceof EncodingError ? err.code : 'CONNECTOR.RENDER_FAILED';
      this.options.logger.warn({ messageId, code, err: (err as Error).message }, 'message cannot be rendered for this carrier');
      out.push(this.report({ messageId, segmentIndex: -1, outcome: SubmitOutcome.FAILED, reasonCode: code, reason: (err as Error).message }, outbound));
      return true;
    }
    const count = submits.length;
    // The first segment goes alone: if the carrier refuses it, nothing of the message went out
    // and another carrier can take all of it; the rest then follow in the window together.
    // Only the first can be withdrawn: a message that has started is finished.
    const first = await this.pool.submit(submits[0], ticket).catch(notSentYet);
    if (first.kind === 'withdrawn') return false;
    if (first.kind === 'rejected') {
      const retry = first.disposition === 'retryable' && this.carrier.failover;
      const status = first.commandStatus;
      const name = commandStatusName(status);
      if (retry) {
        const tried = outbound.triedCarriers.includes(this.carrierId) ? outbound.triedCarriers : [...outbound.triedCarriers, this.carrierId];
        const value = RetryRequest.create({ outbound: { ...outbound, triedCarriers: tried }, reasonCode: smppReasonCode(status), reason: `${this.carrierId} answered ${name} to submit_sm`, failedAtMs: Date.now() });
        out.push({ topic: TOPICS.retry, key: messageId, value });
        out.push(this.report({ messageId, segmentIndex: -1, segmentCount: count, outcome: SubmitOutcome.RETRYING, commandStatus: status, reasonCode: smppReasonCode(status), reason: `${name}: handed to the router for another carrier` }, outbound, encoding));
      } else {
        for (let i = 0; i < count; i++) {
          out.push(
            this.report(
              { messageId, segmentIndex: i, segmentCount: count, outcome: SubmitOutcome.FAILED, commandStatus: i === 0 ? status : 0, reasonCode: smppReasonCode(status), reason: i === 0 ? `${this.carrierId} answered ${name}` : `not sent: part 1 failed with ${name}` },
              outbound,
              encoding,
            ),
          );
        }
      }
      return true;
    }
    const rest = count > 1 ? await Promise.all(submits.slice(1).map((s) => this.pool.submit(s).catch(notSentYet))) : [];
    const results = [first, ...rest];
    if (!results.every(isFinal)) {
      this.options.logger.warn({ messageId, segments: count, sent: results.filter(isFinal).length }, 'stopped with part of a message sent; it will be consumed again and those parts sent twice');
      return false;
    }
    results.forEach((result, i) => out.push(this.segmentReport(result, messageId, i, count, outbound, encoding)));
    return true;
  }

  private segmentReport(result: FinalResult, messageId: string, segmentIndex: number, segmentCount: number, outbound: OutboundMessage, encoding: Encoding): OutgoingEvent<SubmitReport> {
    switch (result.kind) {
      case 'submitted':
        // Each part's own submit_sm_resp time, not the whole message's: the dlr-processor tells a
        // reused SMSC id's receipts apart by when they came relative to it.
        return this.report({ messageId, segmentIndex, segmentCount, outcome: SubmitOutcome.SUBMITTED, smscMessageId: result.smscMessageId, reportedAtMs: result.respondedAtMs }, outbound, encoding);
      case 'rejected': {
        const name = commandStatusName(result.commandStatus);
        return this.report(
          { messageId, segmentIndex, segmentCount, outcome: SubmitOutcome.FAILED, commandStatus: result.commandStatus, reasonCode: smppReasonCode(result.commandStatus), reason: `${this.carrierId} answered ${name} for part ${segmentIndex + 1} of ${segmentCount}` },
          outbound,
          encoding,
        );
      }
      case 'unknown':
        this.options.logger.warn({ messageId, segmentIndex, code: result.reasonCode }, 'unknown submit outcome: waiting for a receipt');
        return this.report({ messageId, segmentIndex, segmentCount, outcome: SubmitOutcome.UNKNOWN, reasonCode: result.reasonCode, reason: result.reason }, outbound, encoding);
    }
  }

  /** deliver_sm/data_sm: receipts to sms.dlr.raw.v1, the rest to sms.inbound.v1; resolves (→ resp 0) once Kafka has it. */
  private async onIncoming(pdu: IncomingMessagePdu): Promise<number> {
    const receipt = isDeliveryReceipt(pdu);
    const kind = receipt ? 'receipt' : 'mo';
    try {
      if (receipt) await this.publishReceipt(pdu);
      else await this.acceptMo(pdu);
      this.metrics.incomingPdu(kind, 'stored');
      return 0;
    } catch (err) {
      this.metrics.incomingPdu(kind, 'error');
      throw err;
    }
  }

  private async publishReceipt(pdu: IncomingMessagePdu): Promise<void> {
    const r = readReceipt(pdu);
    if (!r.smscMessageId) this.options.logger.warn({ carrier: this.carrierId }, 'receipt without an SMSC message id (no receipted_message_id TLV, no id: field); forwarded as is');
    const value = RawReceipt.create({
      carrierId: this.carrierId,
      smscMessageId: r.smscMessageId ?? '',
      shortMessage: r.text,
      receiptedMessageId: r.receiptedMessageId ?? '',
      messageState: r.messageState ?? 0,
      networkErrorCode: r.networkErrorCode ?? new Uint8Array(0),
      esmClass: pdu.esmClass,
      sourceAddr: pdu.sourceAddr,
      destinationAddr: pdu.destinationAddr,
      receivedAtMs: Date.now(),
    });
    await this.producer.send({ topic: TOPICS.dlrRaw, key: receiptKey(this.carrierId, r.smscMessageId), value });
  }

  private acceptMo(pdu: IncomingMessagePdu): Promise<void> {
    const raw = messageContent(pdu);
    let decoded: DecodedSegment;
    const sarTotal = tlvInt(pdu.tlvs, TLV.SAR_TOTAL_SEGMENTS);
    const sar =
      sarTotal !== undefined
        ? { msgRefNum: tlvInt(pdu.tlvs, TLV.SAR_MSG_REF_NUM) ?? 0, totalSegments: sarTotal, segmentSeqnum: tlvInt(pdu.tlvs, TLV.SAR_SEGMENT_SEQNUM) ?? 1 }
        : undefined;
    try {
      decoded = decode(raw, { dataCoding: pdu.dataCoding, udhi: (pdu.esmClass & 0x40) !== 0, sar });
    } catch (err) {
      // Binary or unknown data coding: forward the bytes, no text.
      this.options.logger.warn({ carrier: this.carrierId, dataCoding: pdu.dataCoding, err: (err as Error).message }, 'MO not decodable as text; forwarding its bytes');
      decoded = { text: '', encoding: 'gsm7', informationElements: [] };
    }
    return this.reassembly.add({ decoded, raw, dataCoding: pdu.dataCoding, from: pdu.sourceAddr, to: pdu.destinationAddr });
  }

  private async publishMo(parts: MoPart[], complete: boolean): Promise<void> {
    const first = parts[0];
    if (!complete) this.options.logger.warn({ carrier: this.carrierId, parts: parts.length, of: first.decoded.concat?.total }, 'concatenated MO incomplete after the reassembly timeout; publishing the parts that came');
    const value = InboundMessage.create({
      id: ulid(),
      carrierId: this.carrierId,
      from: first.from,
      to: first.to,
      text: parts.map((p) => p.decoded.text).join(''),
      dataCoding: first.dataCoding,
      parts: parts.map((p) => p.raw),
      receivedAtMs: Date.now(),
    });
    await this.producer.send({ topic: TOPICS.inbound, key: `${this.carrierId}/${first.from}`, value });
  }
}
