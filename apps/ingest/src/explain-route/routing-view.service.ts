import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { getAccount } from '@smsgw/accounts/data-access-store';
import { RateCardWatcher, RoutingConfigFollower, loadRouteRules, routingConfigName, watchRouteRules } from '@smsgw/routing/data-access-config';
import { QualityLearner, qualitySettings } from '@smsgw/routing/data-access-quality';
import { OfflineNumberLookup, RateBook, RoutingConfigError, TRAFFIC_CLASSES, explainRoute, trafficClassOfPriority, worstCasePrice, type RouteRules, type TrafficClass, type WorstCasePrice } from '@smsgw/routing/domain';
import { ValidationError, readDestination } from '@smsgw/messages/domain';
import { CONFIG, LOGGER, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { ENCODING_NAMES, RouteExplanation, isEncodingName, type ExplainRouteRequest, type MessageAccepted } from '@smsgw/shared/util-proto';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { IngestEnv } from '../env';
import { KAFKA } from '@smsgw/shared/feature-ops';

/**
 * ExplainRoute without asking the router: ingest follows the same routing configuration version
 * as every router (sms.routing-config.v1, its own consumer, the same RoutingConfigFollower) and
 * runs the same pure explainRoute; while no version is published (a gateway whose router has not
 * started yet) it uses ROUTES_FILE and the active rate cards, as before versions existed. Chosen over a
 * gRPC call to the router, which serves no gRPC and would need a port, a Service and discovery
 * for one admin call. Quality and breakers are learned here too, from the same topics with the
 * same code and settings as each router replica (its own group), so Explain shows what a router
 * sees — give or take the moment each replica moved a breaker.
 */
@Injectable()
export class RoutingView implements OnModuleInit, OnApplicationShutdown {
  private rules: RouteRules | undefined;
  private rulesError = '';
  private rates = new RateBook();
  private stopWatching: (() => void) | undefined;
  private readonly watcher: RateCardWatcher;
  private readonly lookup = new OfflineNumberLookup();
  /** The router's lookup (no number type): what its rules see. */
  private readonly networks = new OfflineNumberLookup(undefined, false);
  private readonly quality: QualityLearner;
  private readonly versions: RoutingConfigFollower;

  constructor(
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(KAFKA) kafka: Kafka,
  ) {
    this.quality = new QualityLearner(kafka, {
      settings: qualitySettings(config),
      lookup: new OfflineNumberLookup(undefined, false),
      logger,
      refreshMs: config.ROUTE_QUALITY_REFRESH_MS,
      pendingMax: config.ROUTE_QUALITY_PENDING_MAX,
      layout: config,
      groupPrefix: 'smsgw-ingest-quality',
    });
    this.versions = new RoutingConfigFollower({
      kafka,
      db: pool,
      name: routingConfigName(config),
      layout: config,
      logger,
      groupPrefix: 'smsgw-ingest-config',
      rateCardRefreshMs: config.RATE_CARD_REFRESH_MS,
      onSwitch: (next) => this.logger.info({ configVersion: next.record.version }, `ExplainRoute uses routing configuration version ${next.record.version}`),
      onError: (err, what) => this.logger.warn({ err }, `${what} (ExplainRoute)`),
    });
    this.watcher = new RateCardWatcher(pool, {
      intervalMs: config.RATE_CARD_REFRESH_MS,
      onChange: (rates) => (this.rates = rates),
      onError: (err) => this.logger.warn({ err }, 'rate cards not refreshed for ExplainRoute; keeping the loaded ones'),
    });
  }

  async onModuleInit(): Promise<void> {
    // Ingest serves sends without the rules file: a missing or bad one only turns ExplainRoute off.
    try {
      this.rules = loadRouteRules(this.config.ROUTES_FILE);
    } catch (err) {
      this.rulesError = (err as Error).message;
      this.logger.warn({ err }, 'route rules not loaded; ExplainRoute answers FAILED_PRECONDITION [ROUTING.INVALID_RULES] until the file is fixed');
    }
    this.stopWatching = watchRouteRules(
      this.config.ROUTES_FILE,
      (rules) => {
        this.rules = rules;
        this.rulesError = '';
      },
      (err) => this.logger.warn({ err }, 'route rules change refused for ExplainRoute; keeping the previous rules'),
    );
    // Explain works without it (quality n/a): ingest must not wait on Kafka to serve sends.
    void this.quality.start().catch((err: Error) => this.logger.warn({ err }, 'route quality not learned for ExplainRoute'));
    void this.versions.start().catch((err: Error) => this.logger.warn({ err }, 'routing configuration versions not followed for ExplainRoute; using ROUTES_FILE'));
    await this.watcher.start().catch((err: Error) => this.logger.warn({ err }, 'rate cards not loaded yet for ExplainRoute; retrying in the background'));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopWatching?.();
    this.watcher.stop();
    await Promise.all([this.quality.stop(), this.versions.stop()]);
  }

  /** The rules and rate cards routers use: the version in force, else the file's. */
  private inForce(): { rules: RouteRules | undefined; rates: RateBook } {
    const v = this.versions.current;
    return v ? { rules: v.rules, rates: v.rates } : { rules: this.rules, rates: this.rates };
  }

  /** The currency routes are priced in (and prepaid balances kept in): the rules', EUR until they are loaded. */
  currency(): string {
    return this.inForce().rules?.currency ?? 'EUR';
  }

  /**
   * The most the message may cost (worstCasePrice, the rules the router has at the time it is due),
   * for prepaid accounts; undefined while the route rules are not loaded.
   */
  worstCase(accepted: MessageAccepted, encoding: string, segments: number): WorstCasePrice | undefined {
    const { rules, rates } = this.inForce();
    if (!rules) return undefined;
    const destination = this.networks.destinationOf(accepted.to);
    return worstCasePrice(
      { messageId: accepted.id, destination, account: accepted.clientId, sender: accepted.from, trafficClass: trafficClassOfPriority(accepted.priority), encoding, segments, nowMs: Math.max(accepted.sendAtMs, accepted.acceptedAtMs) },
      rules,
      rates,
    );
  }

  async explain(request: ExplainRouteRequest): Promise<RouteExplanation> {
    const { rules, rates } = this.inForce();
    if (!rules) throw new RoutingConfigError('ROUTING.INVALID_RULES', `the route rules are not loaded (${this.rulesError}); fix ROUTES_FILE`);
    const to = readDestination(request.to, this.config.INGEST_DEFAULT_REGION).number;
    const trafficClass = (request.trafficClass || 'transactional').toLowerCase() as TrafficClass;
    if (!TRAFFIC_CLASSES.includes(trafficClass)) throw new ValidationError('VALIDATION.INVALID_TRAFFIC_CLASS', 'traffic_class', `traffic_class "${request.trafficClass.slice(0, 20)}" must be one of ${TRAFFIC_CLASSES.join(', ')}`);
    const encoding = (request.encoding || 'gsm7').toLowerCase();
    if (!isEncodingName(encoding)) throw new ValidationError('VALIDATION.INVALID_ENCODING', 'encoding', `encoding "${request.encoding.slice(0, 20)}" must be one of ${ENCODING_NAMES.join(', ')}`);
    const account = request.account ? (await getAccount(this.pool, request.account)).id : '';
    const [destination] = await this.lookup.lookup([to]);
    const quality = this.quality.snapshot;
    const e = explainRoute(
      { messageId: `explain-${to}`, destination, account, sender: request.from, trafficClass, encoding, segments: request.segments || 1, nowMs: request.atMs || Date.now() },
      rules,
      rates,
      quality,
    );
    const d = e.decision;
    return RouteExplanation.create({
      routed: d.routed,
      ruleId: d.ruleId,
      ...(d.routed
        ? { carrierId: d.carrier, pricePerSegmentMicros: d.pricePerSegmentMicros, totalMicros: d.totalMicros, currency: d.currency, failover: d.failover }
        : { code: d.code, reason: d.reason }),
      to,
      country: destination.country,
      network: destination.network,
      networkName: destination.networkName,
      trafficClass,
      rulesCurrency: rules.currency,
      rules: e.rules.map((r) => ({ id: r.id, matched: r.matched, why: r.why ?? '' })),
      candidates: e.candidates.map((c) => ({
        carrierId: c.carrier,
        role: c.role,
        priced: c.priceMicros !== undefined,
        priceMicros: c.priceMicros ?? 0,
        currency: c.currency ?? '',
        priceBasis: c.priceBasis ?? '',
        comparableMicros: c.comparableMicros ?? 0,
        quality: c.quality,
        ...(c.figures && {
          deliveryRatio: c.figures.deliveryRatio,
          qualitySamples: c.figures.samples,
          receiptP50Ms: c.figures.receiptP50Ms ?? 0,
          receiptP90Ms: c.figures.receiptP90Ms ?? 0,
          submitErrorRate: c.figures.submitErrorRate,
          throttledShare: c.figures.throttledShare,
          qualityBasis: c.figures.basis,
        }),
        breaker: quality.breaker(c.carrier).state,
        chosen: c.chosen,
        passedOverCode: c.passedOver?.code ?? '',
        passedOverReason: c.passedOver?.reason ?? '',
      })),
    });
  }
}
