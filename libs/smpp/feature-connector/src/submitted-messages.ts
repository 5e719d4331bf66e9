import type { OutboundMessage } from '@smsgw/shared/util-proto';

/**
 * Messages this process has finished (every segment submitted or failed), by message id and
 * attempt. The stages upstream produce without Kafka's idempotence and retry failed requests, so
 * one message can land twice in its outbound partition (same key, a later offset) when a request
 * was written but its answer lost. The journal guards offsets; this guards the message, so the copy
 * is committed without a second SMS.
 * (The same record consumed again, after a batch given up part way, is not a copy.) Bounded: a retried produce lands within seconds, not hours.
 */
export class SubmittedMessages {
  /** Attempt key → the offset of the record it was finished from. */
  private readonly offsets = new Map<string, string>();

  constructor(private readonly capacity = 100_000) {}

  /** Where this attempt was finished from; undefined: not finished here (or long forgotten). */
  offsetOf(key: string): string | undefined {
    return this.offsets.get(key);
  }

  add(key: string, offset: string): void {
    if (this.offsets.has(key)) return;
    this.offsets.set(key, offset);
    if (this.offsets.size > this.capacity) this.offsets.delete(this.offsets.keys().next().value as string);
  }
}

/** A router attempt of a message: the same message rerouted here later is a new attempt, not a copy. */
export function attemptKey(outbound: OutboundMessage, recordKey: string): string {
  return `${outbound.encoded?.message?.id || recordKey}#${outbound.attempt}`;
}
