import { status } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import {
  getRoutingConfig,
  importRateCardVersion,
  importRoutes,
  listRoutingConfigs,
  rollbackRoutingConfig,
  routingConfigName,
  routingConfigPublisher,
  toRoutingConfigMessage,
  type ChangeAuthor,
  type PublishRoutingConfig,
  type RateCardSummary,
  type RoutingConfigChangeResult,
} from '@smsgw/routing/data-access-config';
import { RoutingConfigError, type RateCard } from '@smsgw/routing/domain';
import { CONFIG, LOGGER, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { RoutingConfigChange, RoutingConfigVersion } from '@smsgw/shared/util-proto';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { IngestEnv } from '../env';
import { AppProducer, KAFKA } from '@smsgw/shared/feature-ops';

const LIST_DEFAULT_LIMIT = 50;
const LIST_MAX_LIMIT = 1000;

/**
 * The admin API's side of routing configuration versions (ROUTING_CONFIG_NAME): imports, rate
 * card imports and rollbacks each store the next version and publish it on sms.routing-config.v1
 * with ingest's producer, in one step (routing-config.store.ts has the invariant).
 */
@Injectable()
export class RoutingConfigAdmin {
  private readonly publish: PublishRoutingConfig;
  private readonly name: string;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA) kafka: Kafka,
    producer: AppProducer,
    @Inject(CONFIG) config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.publish = routingConfigPublisher(kafka, producer, config);
    this.name = routingConfigName(config);
  }

  async importRoutes(content: string, author: ChangeAuthor): Promise<RoutingConfigChange> {
    let result: RoutingConfigChangeResult;
    try {
      result = await importRoutes(this.pool, this.name, content, author, this.publish);
    } catch (err) {
      // A bad file is the caller's here (for ExplainRoute, bad loaded rules are the server's).
      if (err instanceof RoutingConfigError) throw new RpcException({ code: status.INVALID_ARGUMENT, message: `${err.message} [${err.code}]` });
      throw err;
    }
    return this.changed(result, 'route rules imported');
  }

  async rollback(version: number, author: ChangeAuthor): Promise<RoutingConfigChange> {
    return this.changed(await rollbackRoutingConfig(this.pool, this.name, version, author, this.publish), 'routing configuration rolled back');
  }

  /** The card and the configuration version that pins it (0 when there is no configuration yet). */
  async importRateCard(card: Omit<RateCard, 'version'>, author: ChangeAuthor): Promise<{ card: RateCardSummary; configVersion: number }> {
    const { card: stored, config } = await importRateCardVersion(this.pool, this.name, card, author, this.publish);
    if (config.record && !config.unchanged) this.logChange(config, 'rate card imported');
    return { card: stored, configVersion: config.record?.version ?? 0 };
  }

  async list(limit: number): Promise<RoutingConfigVersion[]> {
    const versions = await listRoutingConfigs(this.pool, this.name, Math.min(LIST_MAX_LIMIT, limit || LIST_DEFAULT_LIMIT));
    return versions.map((v) => ({ ...toRoutingConfigMessage(v), routesYaml: '' })); // the text only with show
  }

  async get(version: number): Promise<RoutingConfigVersion> {
    return toRoutingConfigMessage(await getRoutingConfig(this.pool, this.name, version));
  }

  private changed(result: RoutingConfigChangeResult, what: string): RoutingConfigChange {
    if (!result.unchanged) this.logChange(result, what);
    return RoutingConfigChange.create({ version: result.record && toRoutingConfigMessage(result.record), unchanged: result.unchanged });
  }

  private logChange(result: RoutingConfigChangeResult, what: string): void {
    const r = result.record;
    if (r) this.logger.info({ config: r.name, configVersion: r.version, action: r.action, sourceVersion: r.sourceVersion || undefined, createdBy: r.createdBy }, `${what}: routing configuration version ${r.version} published`);
  }
}
