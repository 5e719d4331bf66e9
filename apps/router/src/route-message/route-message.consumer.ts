import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { RoutingConfigFollower, compileRoutesYaml, routingConfigName, routingConfigPublisher, type RoutingConfigState } from '@smsgw/routing/data-access-config';
import { OfflineNumberLookup, type NumberLookup, type RouteRules } from '@smsgw/routing/domain';
import { createPool } from '@smsgw/shared/data-access-db';
import { consumerLiveness, EventProducer, OUTBOUND_LANES, TOPICS, createKafka, decodeBatch, ensureTopics, outboundTopic, startFetchConsumer, topicSpecs, type ConsumedFetch, type FetchedBatch, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { CONFIG, HealthRegistry, LOGGER, METRICS } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, gauge, histogram, type Registry } from '@smsgw/shared/util-metrics';
import { SubmitOutcome, pipelineStartMs, type MessageEncoded, type OutboundMessage, type RetryRequest, type SubmitReport } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { RouterEnv } from '../env';
import { RouteQualityService } from '../learn-quality/route-quality.service';
import { rerouteMessage, routeMessage, type RoutingState } from './route-message';

const rateCardNames = (state: RoutingConfigState) => state.rates.cards.map((c) => `${c.carrier} v${c.version}`);

/**
 * sms.encoded.v1 and sms.retry.v1 → sms.outbound.<carrier>[.priority].v1 (by traffic class) plus a ROUTED report (the decision
 * and its price) on sms.submitted.v1, or FAILED (NO_ROUTE, ROUTING.NO_CARRIER) there.
 */
@Injectable()
export class RouteMessageConsumer implements OnModuleInit, OnApplicationShutdown {
  private readonly kafka: Kafka;
  private readonly producer: EventProducer;
  private readonly pool: Pool;
  private readonly routingConfig: RoutingConfigFollower;
  private readonly lookup: NumberLookup = new OfflineNumberLookup(undefined, false);
  private consumer: Consumer | undefined;
  private liveness: (() => true | string) | undefined;
  private readonly routed;
  private readonly failed;
  private readonly routes;
  private readonly configVersion;
  private readonly cost;
  private readonly stageSeconds;

  constructor(
    @Inject(CONFIG) private readonly config: RouterEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) registry: Registry,
    health: HealthRegistry,
    private readonly quality: RouteQualityService,
  ) {
    this.kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-router`, logger, security: config });
    this.producer = new EventProducer(this.kafka);
    this.pool = createPool(config.DATABASE_URL, { max: 2, onIdleError: (err) => logger.warn({ err }, 'PostgreSQL client error') });
    this.routingConfig = new RoutingConfigFollower({
      kafka: this.kafka,
      db: this.pool,
      name: routingConfigName(config),
      layout: config,
      logger,
      groupPrefix: 'smsgw-router-config',
      rateCardRefreshMs: config.RATE_CARD_REFRESH_MS,
      // A rule's new carrier gets its outbound topics before the first message is routed to it.
      prepare: (rules) => this.ensureTopics(rules).then(() => undefined),
      onSwitch: (next, previous) => this.switched(next, previous),
      onRates: (state) => this.logger.info({ configVersion: state.record.version, rateCards: rateCardNames(state) }, 'rate cards loaded (an effective date came)'),
      onError: (err, what) => this.logger.error({ err }, what),
      bootstrap: {
        pool: this.pool,
        routesYaml: () => {
          const text = readFileSync(config.ROUTES_FILE, 'utf8');
          compileRoutesYaml(text, config.ROUTES_FILE);
          return text;
        },
        createdBy: `router (ROUTES_FILE ${config.ROUTES_FILE})`,
        publish: routingConfigPublisher(this.kafka, this.producer, config),
      },
    });
    this.routed = counter(registry, 'smsgw_messages_routed_total', 'Messages sent to a carrier topic, by carrier and attempt kind.', ['carrier', 'attempt']);
    this.failed = counter(registry, 'smsgw_messages_route_failed_total', 'Messages that ended FAILED at the router, by reason.', ['reason']);
    this.cost = counter(registry, 'smsgw_route_cost_micros_total', 'What routed messages cost on their carriers (price per segment × segments, micro-units), by carrier and currency.', ['carrier', 'currency']);
    this.routes = gauge(registry, 'smsgw_routes_loaded', 'Route rules of the routing configuration version in use.');
    this.configVersion = gauge(registry, 'smsgw_router_config_version', 'The routing configuration version this replica routes with (sms.routing-config.v1).');
    this.stageSeconds = histogram(registry, 'smsgw_stage_latency_seconds', 'Time from acceptance to the end of each pipeline stage.', ['stage']);
    health.add('kafka-consumer', () => this.liveness?.() ?? 'sms.encoded.v1 consumer not started');
  }

  async onModuleInit(): Promise<void> {
    await this.producer.connect();
    // Nothing is routed before the newest version is in use (read from the topic, or bootstrapped).
    await this.routingConfig.start();
    this.consumer = await startFetchConsumer(this.kafka, {
      groupId: 'smsgw-router',
      topics: [TOPICS.encoded, TOPICS.retry],
      logger: this.logger,
      handle: (fetch) => this.handle(fetch),
    });
    this.liveness = consumerLiveness(this.consumer);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
    await this.routingConfig.stop();
    await this.producer.disconnect();
    await this.pool.end();
  }

  private ensureTopics(rules: RouteRules): Promise<string[]> {
    const names = [TOPICS.encoded.name, TOPICS.retry.name, TOPICS.submitted.name, ...rules.carriers.flatMap((c) => OUTBOUND_LANES.map((lane) => outboundTopic(c, lane).name))];
    return ensureTopics(this.kafka, topicSpecs(names, this.config));
  }

  /** Every partition of a fetch: one number lookup and one produce request for all of it. */
  private async handle(fetch: ConsumedFetch): Promise<void> {
    const now = Date.now();
    const work: ({ encoded: MessageEncoded } | { retry: RetryRequest })[] = [];
    for (const batch of fetch.batches) {
      if (batch.topic === TOPICS.encoded.name) {
        const { events, undecodable } = decodeBatch(TOPICS.encoded, batch.messages);
        this.logUndecodable(batch, undecodable.length);
        for (const e of events) work.push({ encoded: e.value });
      } else {
        const { events, undecodable } = decodeBatch(TOPICS.retry, batch.messages);
        this.logUndecodable(batch, undecodable.length);
        for (const e of events) work.push({ retry: e.value });
      }
    }
    const destinations = await this.lookup.lookup(work.map((w) => ('encoded' in w ? w.encoded : w.retry.outbound!.encoded!).message!.to));
    // One version and the latest learned quality for the whole fetch.
    const config = this.routingConfig.current!;
    const state: RoutingState = { rules: config.rules, rates: config.rates, health: this.quality.snapshot };
    const out: OutgoingEvent[] = work.flatMap((w, i) => ('encoded' in w ? routeMessage(w.encoded, destinations[i], state, now) : rerouteMessage(w.retry, destinations[i], state, now)));
    await this.producer.sendMany(out);
    for (const event of out) {
      if (event.topic.name === TOPICS.submitted.name) {
        const report = event.value as SubmitReport;
        if (report.outcome === SubmitOutcome.FAILED) this.failed.inc({ reason: report.reasonCode });
      } else {
        const outbound = event.value as OutboundMessage;
        this.routed.inc({ carrier: outbound.carrierId, attempt: outbound.attempt === 1 ? 'first' : 'failover' });
        if (outbound.currency) this.cost.inc({ carrier: outbound.carrierId, currency: outbound.currency }, outbound.totalMicros);
        this.stageSeconds.observe({ stage: 'routed' }, (now - (outbound.encoded?.message ? pipelineStartMs(outbound.encoded.message) : now)) / 1000);
      }
    }
  }

  private switched(next: RoutingConfigState, previous: RoutingConfigState | undefined): void {
    const r = next.record;
    this.configVersion.set(r.version);
    this.routes.set(next.rules.rules.length);
    // The comment is free text from an operator: not logged (the admin API and history show it).
    this.logger.info(
      { configVersion: r.version, previousVersion: previous?.record.version ?? 0, action: r.action, sourceVersion: r.sourceVersion || undefined, createdBy: r.createdBy, rules: next.rules.rules.length, carriers: next.rules.carriers, rateCards: rateCardNames(next) },
      `routing configuration version ${r.version} in use`,
    );
  }

  private logUndecodable(batch: FetchedBatch, n: number): void {
    if (n) this.logger.error({ topic: batch.topic, partition: batch.partition, count: n }, 'undecodable internal events skipped');
  }
}
