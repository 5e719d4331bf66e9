// What a router replica routes with: the routing configuration version of sms.routing-config.v1,
// followed by a consumer of the replica's own (every replica reads every record), and taken into
// use whole — rules and rate cards in one assignment — once its prices are loaded.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { RateBook, RoutingConfigError, RoutingConfigVersionError, shouldSwitch, type HeldVersion, type RateCardPins, type RouteRules, type RoutingConfigVersionRecord } from '@smsgw/routing/domain';
import { TOPICS, ensureTopics, prefixed, routingConfigTopicSpec, type TopicLayout } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { loadRateCards, pinnedRateCardHeaders, rateCardsFingerprint, type Queryable } from './rate-card.store';
import { bootstrapRoutingConfig, compileRoutesYaml, type PublishRoutingConfig } from './routing-config.store';
import { fromRoutingConfigMessage } from './routing-config.topic';

/** A version in use: its rules compiled, its pinned rate cards loaded. */
export interface RoutingConfigState {
  record: RoutingConfigVersionRecord;
  rules: RouteRules;
  rates: RateBook;
}

export interface RoutingConfigFollowerOptions {
  kafka: Kafka;
  db: Queryable;
  /** The configuration's name (the topic's key). */
  name: string;
  layout: TopicLayout;
  logger: Logger;
  /** The consumer group's prefix; each follower adds host, pid and a random part. */
  groupPrefix: string;
  /** How often the pinned cards' effective dates are checked (a card that comes into effect is loaded). */
  rateCardRefreshMs: number;
  /** Runs before a version is taken into use; a failure keeps the old one and is retried (the router creates its carriers' topics). */
  prepare?: (rules: RouteRules) => Promise<void>;
  onSwitch?: (next: RoutingConfigState, previous: RoutingConfigState | undefined) => void;
  /** The same version's rate cards were reloaded (an effective date came). */
  onRates?: (state: RoutingConfigState) => void;
  onError: (err: Error, what: string) => void;
  /** When the topic has no version of this configuration: store and publish this one (the router's ROUTES_FILE). */
  bootstrap?: { pool: Pool; routesYaml: () => string; createdBy: string; publish: PublishRoutingConfig };
  /** How long start() waits for the topic and the first version. */
  startTimeoutMs?: number;
  retryMs?: number;
  now?: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RoutingConfigFollower {
  private consumer: Consumer | undefined;
  private state: RoutingConfigState | undefined;
  private held: HeldVersion | undefined;
  /** The newest record read for this configuration (latest wins: an older one is never applied after it). */
  private newest: RoutingConfigVersionRecord | undefined;
  /** Versions this replica cannot compile: logged once, not retried. */
  private readonly refused = new Set<string>();
  private draining: Promise<void> | undefined;
  private readThrough = -1n;
  private ratesFingerprint = '';
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: RoutingConfigFollowerOptions) {}

  /** The version in use; undefined until start() resolved (or, without bootstrap, until one is published). */
  get current(): RoutingConfigState | undefined {
    return this.state;
  }

  /**
   * Reads the topic to its end and takes its newest version into use (bootstrapping one when
   * there is none and `bootstrap` is given); resolves once that version is in use. Then follows.
   */
  async start(): Promise<RoutingConfigState | undefined> {
    const o = this.options;
    const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
    await ensureTopics(o.kafka, [routingConfigTopicSpec(o.layout)]);
    const end = await this.endOffset();
    this.consumer = o.kafka.consumer({ groupId: prefixed(`${o.groupPrefix}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`), maxWaitTimeInMs: 100, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: TOPICS.routingConfig.name, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false, // the group is this process's alone: it reads from the start every time
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          if (m.key?.toString() !== o.name || !m.value) continue; // another configuration, or a tombstone
          try {
            this.offer(fromRoutingConfigMessage(TOPICS.routingConfig.codec.decode(m.value)));
          } catch (err) {
            o.logger.error({ topic: batch.topic, offset: m.offset, err: (err as Error).message }, 'undecodable routing configuration record; skipped');
          }
        }
        this.readThrough = BigInt(batch.lastOffset());
      },
    });
    await this.until(deadline, () => this.readThrough >= end - 1n, `reading ${TOPICS.routingConfig.name} to its end (offset ${end})`);
    if (!this.newest && o.bootstrap) {
      const b = o.bootstrap;
      const { record } = await bootstrapRoutingConfig(b.pool, o.name, b.routesYaml, b.createdBy, b.publish);
      o.logger.info({ version: record?.version, config: o.name }, record?.action === 'bootstrap' ? 'routing configuration version 1 stored from ROUTES_FILE' : 'topic had no routing configuration; published the newest stored version again');
    }
    if (this.newest || o.bootstrap) await this.until(deadline, () => !!this.held && !this.pending() && !this.draining, 'the newest routing configuration version to load');
    this.timer = setInterval(() => void this.refreshRates(), o.rateCardRefreshMs);
    this.timer.unref();
    return this.state;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.consumer?.disconnect();
    await this.draining;
  }

  private async endOffset(): Promise<bigint> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(TOPICS.routingConfig.name);
      return BigInt(offsets.find((p) => p.partition === 0)?.high ?? '0');
    } finally {
      await admin.disconnect();
    }
  }

  private async until(deadline: number, done: () => boolean, what: string): Promise<void> {
    while (!done()) {
      if (this.stopped) throw new Error(`stopped while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; is Kafka up and PostgreSQL reachable?`);
      await sleep(50);
    }
  }

  private offer(record: RoutingConfigVersionRecord): void {
    this.newest = record;
    this.kick();
  }

  private kick(): void {
    if (this.draining || !this.pending()) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (!this.stopped) this.kick(); // a record that came as the loop ended
    });
  }

  /** The newest record, when this replica should and can still take it. */
  private pending(): RoutingConfigVersionRecord | undefined {
    const next = this.newest;
    return next && shouldSwitch(this.held, next) && !this.refused.has(`${next.version}/${next.contentSha256}`) ? next : undefined;
  }

  /** Takes the newest record into use; a load that fails (PostgreSQL down) is retried until it works or a newer record comes. */
  private async drain(): Promise<void> {
    const o = this.options;
    while (!this.stopped) {
      const next = this.pending();
      if (!next) return;
      try {
        await this.take(next);
      } catch (err) {
        if (err instanceof RoutingConfigError || err instanceof RoutingConfigVersionError) {
          this.refused.add(`${next.version}/${next.contentSha256}`);
          o.onError(err, `routing configuration version ${next.version} refused by this replica; keeping version ${this.held?.version ?? 'none'}`);
          return;
        }
        o.onError(err as Error, `routing configuration version ${next.version} not loaded yet; retrying`);
        await sleep(o.retryMs ?? 1000);
      }
    }
  }

  private async take(record: RoutingConfigVersionRecord): Promise<void> {
    const o = this.options;
    const rules = compileRoutesYaml(record.routesYaml, `routing configuration ${record.name} v${record.version}`);
    const { rates, fingerprint } = await this.loadRates(record.rateCardPins);
    await o.prepare?.(rules);
    const previous = this.state;
    this.state = { record, rules, rates };
    this.held = { version: record.version, contentSha256: record.contentSha256 };
    this.ratesFingerprint = fingerprint;
    o.onSwitch?.(this.state, previous);
  }

  private async loadRates(pins: RateCardPins): Promise<{ rates: RateBook; fingerprint: string }> {
    const headers = await pinnedRateCardHeaders(this.options.db, pins, (this.options.now ?? Date.now)());
    return { rates: new RateBook(await loadRateCards(this.options.db, headers)), fingerprint: rateCardsFingerprint(headers) };
  }

  /** A pinned card whose effective date came is loaded; the version stays the same. */
  private async refreshRates(): Promise<void> {
    const state = this.state;
    if (!state || this.draining) return;
    try {
      const headers = await pinnedRateCardHeaders(this.options.db, state.record.rateCardPins, (this.options.now ?? Date.now)());
      if (rateCardsFingerprint(headers) === this.ratesFingerprint) return;
      const rates = new RateBook(await loadRateCards(this.options.db, headers));
      if (this.state !== state) return; // a new version came meanwhile
      this.state = { ...state, rates };
      this.ratesFingerprint = rateCardsFingerprint(headers);
      this.options.onRates?.(this.state);
    } catch (err) {
      this.options.onError(err as Error, 'rate cards not refreshed; keeping the loaded ones');
    }
  }
}
