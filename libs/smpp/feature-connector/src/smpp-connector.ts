import type { Kafka } from 'kafkajs';
import type { CarrierConfig } from '@smsgw/carriers/util-config';
import { EventProducer, TOPICS, ensureTopics } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Registry } from '@smsgw/shared/util-metrics';
import type { CarrierHealth } from '@smsgw/shared/util-proto';
import { CarrierSessionPool, type PoolSettings } from '@smsgw/smpp/data-access-session';
import { replicaRate } from '@smsgw/smpp/domain';
import { CarrierHealthReporter, type CarrierHealthSettings } from './carrier-health-reporter';
import { ConnectorMetrics } from './connector-metrics';
import { InboundPublisher } from './inbound-publisher';
import { murmur2Partitioner } from './murmur2-partitioner';
import { OutboundSubmitter, type OutboundSettings } from './outbound-submitter';

export interface SmppConnectorOptions extends OutboundSettings, CarrierHealthSettings {
  carrier: CarrierConfig;
  kafka: Kafka;
  logger: Logger;
  registry: Registry;
  /** Replicas of this carrier's connector: the carrier's TPS is divided between them. */
  replicas: number;
  topicPartitions: number;
  replicationFactor: number;
  /** Graceful stop: how long to wait for in-flight segments before giving up on the batch. */
  shutdownTimeoutMs: number;
  /** How long parts of a concatenated MO wait for the rest. */
  moReassemblyTimeoutMs: number;
  /** Receipts and MO wait this long to share a produce request (their deliver_sm_resp waits for the ack). */
  produceLingerMs?: number;
}

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

/**
 * The connector for one carrier: the carrier's session pool (binds, windows, TPS) between an
 * OutboundSubmitter (sms.outbound.<carrier>[.priority].v1 → submit_sm → sms.submitted.v2,
 * sms.retry.v1), an InboundPublisher (deliver_sm receipts → sms.dlr.raw.v1, MO → sms.inbound.v1)
 * and a CarrierHealthReporter (sms.carrier-health.v1). It owns their order at start, on a hot
 * reload of the carrier's settings, and at shutdown.
 */
export class SmppConnector {
  readonly pool: CarrierSessionPool;
  readonly metrics: ConnectorMetrics;
  private readonly producer: EventProducer;
  private readonly outbound: OutboundSubmitter;
  private readonly inbound: InboundPublisher;
  private readonly healthReporter: CarrierHealthReporter;
  private carrier: CarrierConfig;
  private stopping = false;

  constructor(private readonly options: SmppConnectorOptions) {
    const { carrier, kafka, logger } = options;
    this.carrier = carrier;
    this.producer = new EventProducer(kafka, { createPartitioner: murmur2Partitioner, lingerMs: options.produceLingerMs ?? 10 });
    this.metrics = new ConnectorMetrics(options.registry, carrier.id, () => this.pool);
    this.inbound = new InboundPublisher(carrier.id, this.producer, this.metrics, logger, options.moReassemblyTimeoutMs);
    this.healthReporter = new CarrierHealthReporter(carrier.id, () => this.pool, this.producer, logger, options);
    this.pool = new CarrierSessionPool(
      poolSettings(carrier, options.replicas),
      (pdu) => this.inbound.receive(pdu),
      logger,
      this.metrics.observer({ ...this.healthReporter.poolHooks, pressure: (saturated, lane) => this.outbound.onPressure(saturated, lane) }),
    );
    this.outbound = new OutboundSubmitter(carrier, { kafka, producer: this.producer, pool: this.pool, metrics: this.metrics, logger, instanceId: options.instanceId }, options);
    this.pool.useJournal(this.outbound.intentJournal());
  }

  get carrierId(): string {
    return this.carrier.id;
  }

  get consuming(): boolean {
    return this.outbound.consuming;
  }

  /** The replica's view of its carrier, as published to sms.carrier-health.v1. */
  health(): CarrierHealth {
    return this.healthReporter.health();
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
    this.outbound.useCarrier(next);
    await this.pool.updateSettings(poolSettings(next, this.options.replicas));
  }

  /** Creates the topics, connects the producer, starts the binds and a consumer per lane, then the health reports. */
  async start(): Promise<void> {
    const { kafka, topicPartitions: partitions, replicationFactor } = this.options;
    const topics = [...this.outbound.topicNames, TOPICS.dlrRaw.name, TOPICS.inbound.name, TOPICS.carrierHealth.name];
    await ensureTopics(kafka, topics.map((name) => ({ name, partitions, replicationFactor })));
    await this.outbound.checkJournalPartitions();
    await this.producer.connect();
    this.pool.start();
    await this.outbound.startConsuming();
    this.healthReporter.start();
    this.options.logger.info({ carrier: this.carrierId, topics: this.outbound.laneTopicNames, binds: this.pool.bindsConfigured }, 'connector started');
  }

  /**
   * Graceful stop (SIGTERM): fetch nothing new, let in-flight batches finish (bounded), unbind,
   * commit. A batch still unfinished at the deadline is not committed and will be consumed again.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const { logger, shutdownTimeoutMs } = this.options;
    logger.info({ carrier: this.carrierId, inFlightBatches: this.outbound.inFlightBatches }, 'stopping: no new batches, draining in-flight segments');
    this.healthReporter.stop();
    const deadline = Date.now() + shutdownTimeoutMs;
    await this.outbound.stopTaking(deadline);
    // Fails whatever is still queued (its batch is not committed), waits for the windows, unbinds.
    await this.pool.stop(Math.max(0, deadline - Date.now()));
    await this.outbound.settled();
    await this.inbound.flush();
    await this.outbound.disconnect();
    await this.healthReporter.publish().catch(() => undefined);
    await this.producer.disconnect();
    logger.info({ carrier: this.carrierId }, 'connector stopped');
  }
}
