import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { RoutingConfigFollower, compileRoutesYaml, routingConfigName, routingConfigPublisher, type RoutingConfigState } from '@smsgw/routing/data-access-config';
import { OfflineNumberLookup, type NumberLookup, type RouteRules } from '@smsgw/routing/domain';
import { createPool } from '@smsgw/shared/data-access-db';
import { carries, consumerLiveness, OUTBOUND_LANES, TOPICS, decodeBatch, ensureTopics, outboundTopic, startFetchConsumer, topicSpecs, type ConsumedFetch, type FetchedBatch, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { AppProducer, CONFIG, HealthRegistry, KAFKA, LOGGER, type AppKafkaOptions } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { OutboundMessage, SubmitEvent, SubmitOutcome, pipelineStartMs, type MessageEncoded, type RetryRequest } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { RouterEnv } from '../env';
import { RouteQualityService } from '../learn-quality/route-quality.service';
import { RouterMetrics } from '../router.metrics';
import { rerouteMessage, routeMessage, type RoutingState } from './route-message';

/** The router's Kafka client and producer (the carriers' outbound topics come with the rules). */
export const ROUTER_KAFKA: AppKafkaOptions = { name: 'router', topics: [TOPICS.encoded, TOPICS.retry, TOPICS.submitted] };

const rateCardNames = (state: RoutingConfigState) => state.rates.cards.map((c) => `${c.carrier} v${c.version}`);

/**
 * sms.encoded.v1 and sms.retry.v1 → sms.outbound.<carrier>[.priority].v1 (by traffic class) plus a ROUTED report (the decision
 * and its price) on sms.submitted.v2, or FAILED (NO_ROUTE, ROUTING.NO_CARRIER) there.
 */
@Injectable()
export class RouteMessageConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly routingConfig: RoutingConfigFollower;
  private readonly lookup: NumberLookup = new OfflineNumberLookup(undefined, false);
  private consumer: Consumer | undefined;
  private liveness: (() => true | string) | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: RouterEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: RouterMetrics,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly producer: AppProducer,
    health: HealthRegistry,
    private readonly quality: RouteQualityService,
  ) {
    // Its own small pool, not databaseProviders: rate cards are read at a version switch and at an
    // effective date only, and the router routes on the ones in memory while PostgreSQL is away,
    // so the database is not one of its health checks.
    this.pool = createPool(config.DATABASE_URL, { max: Math.min(2, config.DATABASE_POOL_SIZE), application_name: 'smsgw-router', onIdleError: (err) => logger.warn({ err }, 'PostgreSQL client error') });
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
    health.add('kafka-consumer', () => this.liveness?.() ?? 'sms.encoded.v1 consumer not started');
  }

  // After every onModuleInit: the producer has created the topics and connected.
  async onApplicationBootstrap(): Promise<void> {
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

  // Before the producer flushes and disconnects (onApplicationShutdown).
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
    await this.routingConfig.stop();
  }

  async onApplicationShutdown(): Promise<void> {
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
      if (carries(event, SubmitEvent)) {
        const about = event.value.subject?.value;
        if (about?.outcome === SubmitOutcome.FAILED) this.metrics.failed.inc({ reason: about.reasonCode });
      } else if (carries(event, OutboundMessage)) {
        const outbound = event.value;
        this.metrics.routed.inc({ carrier: outbound.carrierId, attempt: outbound.attempt === 1 ? 'first' : 'failover' });
        if (outbound.currency) this.metrics.cost.inc({ carrier: outbound.carrierId, currency: outbound.currency }, outbound.totalMicros);
        this.metrics.stageSeconds.observe({ stage: 'routed' }, (now - (outbound.encoded?.message ? pipelineStartMs(outbound.encoded.message) : now)) / 1000);
      }
    }
  }

  private switched(next: RoutingConfigState, previous: RoutingConfigState | undefined): void {
    const r = next.record;
    this.metrics.configVersion.set(r.version);
    this.metrics.routes.set(next.rules.rules.length);
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
