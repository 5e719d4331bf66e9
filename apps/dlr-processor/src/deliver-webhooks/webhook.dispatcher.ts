import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { TOPICS, decodeBatch, startFetchConsumer, type ConsumedFetch, type Topic } from '@smsgw/shared/data-access-kafka';
import { CONFIG, HealthRegistry, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import type { InboundMessage, StatusEvent } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import type { DlrEnv } from '../env';
import { AppProducer, KAFKA } from '@smsgw/shared/feature-ops';
import { inboundWebhookRequest, webhookRequest, type WebhookRequest } from './webhook-request';
import { WebhookSender, chainsBy, type WebhookFailure } from './webhook.sender';

/** One kind of webhook: the topic it comes from, its own consumer group, and where failures go. */
interface WebhookFeed<T> {
  name: string;
  groupId: string;
  topic: Topic<T>;
  deadLetter: Topic<T>;
  /** Events of one chain are posted in order; undefined: no webhook for this event. */
  chain(event: T): string | undefined;
  request(event: T, secret: string): WebhookRequest;
  /** The dead letter's key and log fields (no numbers, no text). */
  describe(event: T): { key: string; fields: Record<string, string> };
}

const STATUS_FEED: WebhookFeed<StatusEvent> = {
  name: 'status callback',
  groupId: 'smsgw-webhooks',
  topic: TOPICS.status,
  deadLetter: TOPICS.webhookFailed,
  chain: (e) => (e.callbackUrl ? e.messageId : undefined),
  request: webhookRequest,
  describe: (e) => ({ key: e.messageId, fields: { messageId: e.messageId } }),
};

const INBOUND_FEED: WebhookFeed<InboundMessage> = {
  name: 'inbound webhook',
  groupId: 'smsgw-inbound-webhooks',
  topic: TOPICS.inboundRouted,
  deadLetter: TOPICS.inboundWebhookFailed,
  chain: (e) => (e.webhookUrl ? `${e.accountId}/${e.from}` : undefined),
  request: inboundWebhookRequest,
  describe: (e) => ({ key: `${e.carrierId}/${e.from}`, fields: { inboundId: e.id, accountId: e.accountId } }),
};

const urlOf = (e: StatusEvent | InboundMessage) => ('callbackUrl' in e ? e.callbackUrl : e.webhookUrl);

/**
 * Webhooks, one consumer group per kind: status callbacks (every sms.status.v1 event of a message
 * with a callback URL; a message's events in order) and inbound webhooks (every
 * sms.inbound.routed.v1 message of an account with a webhook URL; a handset's in order), POSTed
 * as signed JSON (webhook-request.ts) by the WebhookSender. One that cannot be delivered goes to
 * the feed's dead-letter topic (sms.webhook.failed.v1, sms.inbound.webhook.failed.v1) with the
 * URL and the reason. A fetch commits when every event is delivered or dead-lettered
 * (at-least-once: receivers drop repeats by X-Smsgw-Event-Id).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumers: Consumer[] = [];
  private readonly feeds = [STATUS_FEED, INBOUND_FEED] as WebhookFeed<StatusEvent | InboundMessage>[];

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: DlrEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly sender: WebhookSender,
    private readonly producer: AppProducer,
    health: HealthRegistry,
  ) {
    health.add('webhook-consumer', () => this.consumers.length === this.feeds.length || 'webhook consumers not started');
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const feed of this.feeds) {
      this.consumers.push(await startFetchConsumer(this.kafka, { groupId: feed.groupId, topics: [feed.topic], logger: this.logger, handle: (fetch) => this.handle(feed, fetch) }));
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    const consumers = this.consumers;
    this.consumers = [];
    await Promise.all(consumers.map((c) => c.disconnect()));
  }

  private async handle<T extends StatusEvent | InboundMessage>(feed: WebhookFeed<T>, fetch: ConsumedFetch): Promise<void> {
    const events = fetch.batches.flatMap((batch) => decodeBatch(feed.topic, batch.messages).events.map((e) => e.value));
    const chains = chainsBy(events, feed.chain);
    await this.sender.deliverChains(chains, (e) => feed.request(e, this.config.WEBHOOK_SECRET), (e, failure) => this.deadLetter(feed, e, failure), fetch.signal);
  }

  private async deadLetter<T extends StatusEvent | InboundMessage>(feed: WebhookFeed<T>, event: T, { reason, attempts }: WebhookFailure): Promise<void> {
    const url = urlOf(event);
    const { key, fields } = feed.describe(event);
    this.logger.warn({ ...fields, url, reason, attempts }, `${feed.name} failed; the event is on ${feed.deadLetter.name} for replay`);
    await this.producer.send({ topic: feed.deadLetter, key, value: event, headers: { url, reason, attempts: String(attempts) } });
  }
}
