import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, METRICS } from '@smsgw/shared/feature-ops';
import { counter, histogram, type Registry } from '@smsgw/shared/util-metrics';
import type { DlrEnv } from '../env';
import { classifyResponse, type AttemptOutcome, type WebhookRequest } from './webhook-request';

const BACKOFF_MS = 500;

/** Why a webhook could not be delivered, for the dead-letter headers. */
export interface WebhookFailure {
  reason: string;
  attempts: number;
}

/**
 * POSTs webhooks (status callbacks, inbound messages): chains of events, each chain in order and
 * chains in parallel (WEBHOOK_CONCURRENCY). Timeouts, 408/429 and 5xx are retried with back-off
 * up to WEBHOOK_MAX_ATTEMPTS; then, or at once for other 4xx, the event goes to onFailed (the
 * caller's dead-letter topic), so nothing is dropped silently.
 */
@Injectable()
export class WebhookSender {
  private readonly deliveries;
  private readonly attempts;
  private readonly seconds;

  constructor(
    @Inject(CONFIG) private readonly config: DlrEnv,
    @Inject(METRICS) registry: Registry,
  ) {
    this.deliveries = counter(registry, 'smsgw_webhook_deliveries_total', 'Webhooks (status callbacks and inbound messages) by final result: delivered, or failed (sent to the dead-letter topic).', ['result']);
    this.attempts = counter(registry, 'smsgw_webhook_attempts_total', 'Webhook HTTP attempts by outcome: 2xx, 3xx, 4xx, 5xx, timeout, error (connection refused, DNS…).', ['outcome']);
    this.seconds = histogram(registry, 'smsgw_webhook_duration_seconds', 'Time of one webhook attempt, response or not.', [], [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  }

  /** Resolves when every event is delivered or handed to onFailed; throws when `stop` aborts (the fetch is consumed again). */
  async deliverChains<T>(chains: T[][], request: (event: T) => WebhookRequest, onFailed: (event: T, failure: WebhookFailure) => Promise<void>, stop: AbortSignal): Promise<void> {
    // A receiver that exhausted its retries in this fetch gets one attempt for the rest of it, so
    // one dead endpoint costs a timeout per event of its own, not the whole back-off each time.
    const deadOrigins = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < chains.length) {
        for (const event of chains[next++]) {
          const failure = await this.deliver(request(event), stop, deadOrigins);
          if (failure) await onFailed(event, failure);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.WEBHOOK_CONCURRENCY, chains.length) }, worker));
  }

  private async deliver(request: WebhookRequest, stop: AbortSignal, deadOrigins: Set<string>): Promise<WebhookFailure | undefined> {
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
        return undefined;
      }
      if (outcome === 'refused' || attempt === maxAttempts) {
        if (outcome === 'retry') deadOrigins.add(origin);
        this.deliveries.inc({ result: 'failed' });
        return { reason, attempts: attempt };
      }
      await new Promise((r) => setTimeout(r, BACKOFF_MS * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4)));
    }
    return { reason, attempts: maxAttempts };
  }
}

/** Events grouped into in-order chains by key (undefined: no webhook, left out), in first-seen order. */
export function chainsBy<T>(events: Iterable<T>, key: (event: T) => string | undefined): T[][] {
  const chains = new Map<string, T[]>();
  for (const event of events) {
    const k = key(event);
    if (k === undefined) continue;
    const list = chains.get(k);
    if (list) list.push(event);
    else chains.set(k, [event]);
  }
  return [...chains.values()];
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
