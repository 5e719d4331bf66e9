import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { carrierFromFile, type CarrierConfig } from '@smsgw/carriers/util-config';
import { CONFIG, HealthRegistry, KAFKA, LOGGER, METRICS } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Registry } from '@smsgw/shared/util-metrics';
import { SmppConnector } from '@smsgw/smpp/feature-connector';
import type { Kafka } from 'kafkajs';
import type { ConnectorEnv } from '../env';
import { watchCarrier } from './carrier.loader';

/**
 * The connector's lifecycle in the Nest app: sms.outbound.<carrier>[.priority].v1 → SMPP binds → reports,
 * receipts and MO to Kafka. /healthz fails while no bind is up.
 */
@Injectable()
export class SubmitSegmentsService implements OnModuleInit, OnApplicationShutdown {
  carrier: CarrierConfig;
  readonly connector: SmppConnector;
  private stopWatching: (() => void) | undefined;

  constructor(@Inject(CONFIG) private readonly config: ConnectorEnv, @Inject(LOGGER) private readonly logger: Logger, @Inject(METRICS) registry: Registry, @Inject(KAFKA) kafka: Kafka, health: HealthRegistry) {
    this.carrier = carrierFromFile(config.CARRIERS_FILE, config.CARRIER_ID);
    this.connector = new SmppConnector({
      carrier: this.carrier,
      kafka,
      logger,
      registry,
      instanceId: config.CONNECTOR_INSTANCE_ID || `${hostname()}:${process.pid}`,
      replicas: config.CONNECTOR_REPLICAS,
      topicPartitions: config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
      consumerConcurrency: config.CONNECTOR_CONCURRENCY,
      maxBytesPerPartition: config.CONNECTOR_FETCH_BYTES,
      healthIntervalMs: config.CONNECTOR_HEALTH_INTERVAL_MS,
      shutdownTimeoutMs: config.CONNECTOR_SHUTDOWN_TIMEOUT_MS,
      moReassemblyTimeoutMs: config.CONNECTOR_MO_REASSEMBLY_TIMEOUT_MS,
    });
    const pool = this.connector.pool;
    health.add('smpp', () => pool.bindsUp > 0 || `no bind up to ${this.carrier.host}:${this.carrier.port} (0 of ${pool.bindsConfigured}); see the log for the bind errors`);
    health.add('kafka-consumer', () => this.connector.consuming || `${this.carrier.id} outbound consumer not running`);
  }

  async onModuleInit(): Promise<void> {
    this.logger.info({ host: this.carrier.host, port: this.carrier.port, tls: this.carrier.tls, binds: this.carrier.binds, window: this.carrier.window, tps: this.carrier.tps }, 'starting connector');
    await this.connector.start();
    // The carriers file is hot: a valid change applies without a restart; an invalid one is refused.
    this.stopWatching = watchCarrier(
      this.config.CARRIERS_FILE,
      this.carrier.id,
      (carrier) => {
        this.carrier = carrier;
        this.connector.updateCarrier(carrier).catch((err: Error) => this.logger.error({ err: err.message }, 'could not apply the new carrier settings'));
      },
      (err) => this.logger.error({ err: err.message }, 'carriers file change refused; keeping the previous settings'),
    );
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    this.logger.info({ signal }, 'shutting down');
    this.stopWatching?.();
    await this.connector.stop();
  }
}
