import type { Consumer } from 'kafkajs';

/** A consumer that neither fetched nor heartbeated for this long has lost its broker (or is stuck). */
export const CONSUMER_STALE_MS = 20_000;

/**
 * A health check for a running consumer: true while it fetches or heartbeats (an idle topic still
 * answers an empty fetch every maxWaitTime), else why not — so /healthz fails while the broker is
 * away, and passes again once the consumer (which kafkajs retries and restarts) is back.
 */
export function consumerLiveness(consumer: Consumer, staleMs = CONSUMER_STALE_MS, now: () => number = Date.now): () => true | string {
  let lastMs = now();
  let crash: string | undefined;
  const alive = () => {
    lastMs = now();
    crash = undefined;
  };
  consumer.on(consumer.events.FETCH, alive);
  consumer.on(consumer.events.HEARTBEAT, alive);
  consumer.on(consumer.events.CRASH, (e) => (crash = String((e.payload as { error?: Error }).error?.message ?? 'crashed')));
  return () => {
    const idleMs = now() - lastMs;
    if (idleMs < staleMs) return true;
    return `no fetch or heartbeat for ${Math.round(idleMs / 1000)} s${crash ? ` (last crash: ${crash})` : ''}: Kafka unreachable?`;
  };
}
