import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { RouteTable } from '@smsgw/routing/domain';
import { EventProducer, TOPICS, createKafka, decodeBatch, ensureTopics, outboundTopic, startFetchConsumer, topicSpecs, type ConsumedFetch, type FetchedBatch, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { CONFIG, HealthRegistry, LOGGER, METRICS } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, gauge, histogram, type Registry } from '@smsgw/shared/util-metrics';
import { pipelineStartMs, type OutboundMessage, type SubmitReport } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import type { RouterEnv } from '../env';
import { rerouteMessage, routeMessage } from './route-message';
import { loadRouteTable, watchRouteTable } from './route-table.loader';

/** sms.encoded.v1 and sms.retry.v1 → sms.outbound.<carrier>.v1, or FAILED (NO_ROUTE) on sms.submitted.v1. */
@Injectable()
export class RouteMessageConsumer implements OnModuleInit, OnApplicationShutdown {
  private readonly kafka: Kafka;
  private readonly producer: EventProducer;
  private table: RouteTable;
  private consumer: Consumer | undefined;
  private stopWatching: (() => void) | undefined;
  private readonly routed;
  private readonly failed;
  private readonly routes;
  private readonly stageSeconds;

  constructor(
    @Inject(CONFIG) private readonly config: RouterEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) registry: Registry,
    health: HealthRegistry,
  ) {
    this.kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-router`, logger });
    this.producer = new EventProducer(this.kafka);
    this.table = loadRouteTable(config.ROUTES_FILE);
    this.routed = counter(registry, 'smsgw_messages_routed_total', 'Messages sent to a carrier topic, by carrier and attempt kind.', ['carrier', 'attempt']);
    this.failed = counter(registry, 'smsgw_messages_route_failed_total', 'Messages that ended FAILED at the router, by reason.', ['reason']);
    this.routes = gauge(registry, 'smsgw_routes_loaded', 'Routes in the loaded route table.');
    this.stageSeconds = histogram(registry, 'smsgw_stage_latency_seconds', 'Time from acceptance to the end of each pipeline stage.', ['stage']);
    this.routes.set(this.table.routes.length);
    health.add('kafka-consumer', () => this.consumer !== undefined || 'sms.encoded.v1 consumer not started');
  }

  async onModuleInit(): Promise<void> {
    await this.ensureTopics(this.table);
    await this.producer.connect();
    this.stopWatching = watchRouteTable(
      this.config.ROUTES_FILE,
      (table) => {
        void this.ensureTopics(table).then(() => {
          this.table = table;
          this.routes.set(table.routes.length);
          this.logger.info({ routes: table.routes.length, carriers: table.carriers }, 'route table reloaded');
        });
      },
      (err) => this.logger.error({ err }, 'route table change refused; keeping the previous table'),
    );
    this.consumer = await startFetchConsumer(this.kafka, {
      groupId: 'smsgw-router',
      topics: [TOPICS.encoded, TOPICS.retry],
      logger: this.logger,
      handle: (fetch) => this.handle(fetch),
    });
    this.logger.info({ routes: this.table.routes.length, carriers: this.table.carriers }, 'route table loaded');
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopWatching?.();
    await this.consumer?.disconnect();
    await this.producer.disconnect();
  }

  private ensureTopics(table: RouteTable): Promise<string[]> {
    const names = [TOPICS.encoded.name, TOPICS.retry.name, TOPICS.submitted.name, ...table.carriers.map((c) => outboundTopic(c).name)];
    return ensureTopics(this.kafka, topicSpecs(names, this.config));
  }

  /** Every partition of a fetch: one produce request for all of it. */
  private async handle(fetch: ConsumedFetch): Promise<void> {
    const now = Date.now();
    const out: OutgoingEvent[] = [];
    for (const batch of fetch.batches) {
      if (batch.topic === TOPICS.encoded.name) {
        const { events, undecodable } = decodeBatch(TOPICS.encoded, batch.messages);
        this.logUndecodable(batch, undecodable.length);
        for (const e of events) out.push(routeMessage(e.value, this.table, now));
      } else {
        const { events, undecodable } = decodeBatch(TOPICS.retry, batch.messages);
        this.logUndecodable(batch, undecodable.length);
        for (const e of events) out.push(rerouteMessage(e.value, this.table, now));
      }
    }
    await this.producer.sendMany(out);
    for (const event of out) {
      if (event.topic.name === TOPICS.submitted.name) {
        this.failed.inc({ reason: (event.value as SubmitReport).reasonCode });
      } else {
        const outbound = event.value as OutboundMessage;
        this.routed.inc({ carrier: outbound.carrierId, attempt: outbound.attempt === 1 ? 'first' : 'failover' });
        this.stageSeconds.observe({ stage: 'routed' }, (now - (outbound.encoded?.message ? pipelineStartMs(outbound.encoded.message) : now)) / 1000);
      }
    }
  }

  private logUndecodable(batch: FetchedBatch, n: number): void {
    if (n) this.logger.error({ topic: batch.topic, partition: batch.partition, count: n }, 'undecodable internal events skipped');
  }
}
