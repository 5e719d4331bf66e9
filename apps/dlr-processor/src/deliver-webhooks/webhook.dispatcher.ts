import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { TOPICS, decodeBatch, startFetchConsumer, type ConsumedFetch } from '@smsgw/shared/data-access-kafka';
import { CONFIG, HealthRegistry, LOGGER, METRICS } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, histogram, type Registry } from '@smsgw/shared/util-metrics';
import type { StatusEvent } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import type { DlrEnv } from '../env';
import { KAFKA, StatusProducer } from '../kafka.provider';
import { classifyResponse, webhookRequest, type AttemptOutcome } from './webhook-request';

const BACKOFF_MS = 500;

/**
 * Status callbacks: every sms.status.v1 event of a message that has a callback URL is POSTed
 * there as JSON (webhook-request.ts). A message's events go in order; different messages go in
 * parallel (WEBHOOK_CONCURRENCY). Timeouts, 408/429 and 5xx are retried with back-off up to
 * WEBHOOK_MAX_ATTEMPTS; then, or at once for other 4xx, the event goes to sms.webhook.failed.v1
 * with the URL and the reason, so nothing is dropped silently. A fetch (every partition it
 * returned) commits when every event is delivered or dead-lettered (at-least-once: receivers drop
 * repeats by X-Smsgw-Event-Id).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | undefined;
  private readonly deliveries;
  private readonly attempts;
  private readonly seconds;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: DlrEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) registry: Registry,
    private readonly producer: StatusProducer,
    health: HealthRegistry,
  ) {
    this.deliveries = counter(registry, 'smsgw_webhook_deliveries_total', 'Status callbacks by final result: delivered, or failed (sent to sms.webhook.failed.v1).', ['result']);
    this.attempts = counter(registry, 'smsgw_webhook_attempts_total', 'Status callback HTTP attempts by outcome: 2xx, 3xx, 4xx, 5xx, timeout, error (connection refused, DNS…).', ['outcome']);
    this.seconds = histogram(registry, 'smsgw_webhook_duration_seconds', 'Time of one status callback attempt, response or not.', [], [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    health.add('webhook-consumer', () => this.consumer !== undefined || 'sms.status.v1 webhook consumer not started');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startFetchConsumer(this.kafka, {
      groupId: 'smsgw-webhooks',
      topics: [TOPICS.status],
      logger: this.logger,
      handle: (fetch) => this.handle(fetch),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  async handle(fetch: ConsumedFetch): Promise<void> {
    const byMessage = new Map<string, StatusEvent[]>();
    for (const { value } of fetch.batches.flatMap((batch) => decodeBatch(TOPICS.status, batch.messages).events)) {
      if (!value.callbackUrl) continue;
      const list = byMessage.get(value.messageId);
      if (list) list.push(value);
      else byMessage.set(value.messageId, [value]);
    }
    const chains = [...byMessage.values()];
    // A receiver that exhausted its retries in this fetch gets one attempt for the rest of it, so
    // one dead endpoint costs a timeout per event of its own, not the whole back-off each time.
    const deadOrigins = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < chains.length) {
        for (const event of chains[next++]) await this.deliver(event, fetch.signal, deadOrigins);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.WEBHOOK_CONCURRENCY, chains.length) }, worker));
  }

  private async deliver(event: StatusEvent, stop: AbortSignal, deadOrigins: Set<string>): Promise<void> {
    const request = webhookRequest(event, this.config.WEBHOOK_SECRET);
    const origin = originOf(request.url);
    const maxAttempts = deadOrigins.has(origin) ? 1 : this.config.WEBHOOK_MAX_ATTEMPTS;
    let reason = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      // Stopping or rebalancing: the fetch is consumed again rather than dead-lettered.
      if (stop.aborted) throw new Error('webhook delivery interrupted: the consumer is giving up the partition');
      let outcome: AttemptOutcome;
      const started = performance.now();
      try {
        const res = await fetch(request.url, { method: 'POST', body: request.body, headers: request.headers, redirect: 'manual', signal: AbortSignal.timeout(this.config.WEBHOOK_TIMEOUT_MS) });
        await res.body?.cancel();
        outcome = classifyResponse(res.status);
        this.attempts.inc({ outcome: `${Math.floor(res.status / 100)}xx` });
        reason = `HTTP ${res.status}`;
      } catch (err) {
        const timeout = (err as Error).name === 'TimeoutError';
        this.attempts.inc({ outcome: timeout ? 'timeout' : 'error' });
        reason = timeout ? `no response within ${this.config.WEBHOOK_TIMEOUT_MS} ms` : `${(err as Error).message}${(err as { cause?: Error }).cause ? `: ${(err as { cause: Error }).cause.message}` : ''}`;
        outcome = 'retry';
      }
      this.seconds.observe((performance.now() - started) / 1000);
      if (outcome === 'delivered') {
        this.deliveries.inc({ result: 'delivered' });
        return;
      }
      if (outcome === 'refused' || attempt === maxAttempts) {
        if (outcome === 'retry') deadOrigins.add(origin);
        await this.deadLetter(event, reason, attempt);
        return;
      }
      await new Promise((r) => setTimeout(r, BACKOFF_MS * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4)));
    }
  }

  private async deadLetter(event: StatusEvent, reason: string, attempts: number): Promise<void> {
    this.deliveries.inc({ result: 'failed' });
    this.logger.warn({ messageId: event.messageId, url: event.callbackUrl, reason, attempts }, 'status callback failed; the event is on sms.webhook.failed.v1 for replay');
    await this.producer.send({ topic: TOPICS.webhookFailed, key: event.messageId, value: event, headers: { url: event.callbackUrl, reason, attempts: String(attempts) } });
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
