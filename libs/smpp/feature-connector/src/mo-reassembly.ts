import type { DecodedSegment } from '@smsgw/gsm/util-encoding';

export interface MoPart {
  decoded: DecodedSegment;
  raw: Uint8Array;
  dataCoding: number;
  from: string;
  to: string;
}

interface Pending {
  parts: Map<number, MoPart>;
  total: number;
  waiters: { resolve(): void; reject(err: Error): void }[];
  timer: NodeJS.Timeout;
}

/**
 * Holds the parts of concatenated MO messages until all have arrived, then publishes them as one
 * message. Each part's promise resolves only once the whole message is stored, so the SMSC's
 * deliver_sm_resp for every part waits for Kafka: a crash makes the SMSC send the parts again.
 * After `timeoutMs` without completion what arrived is published as it is (nothing is dropped).
 */
export class MoReassembly {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly timeoutMs: number,
    private readonly publish: (parts: MoPart[], complete: boolean) => Promise<void>,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Adds a part; resolves when the message it belongs to has been published. */
  add(part: MoPart): Promise<void> {
    const concat = part.decoded.concat;
    if (!concat || concat.total <= 1) return this.publish([part], true);
    const key = `${part.from}|${part.to}|${concat.referenceBits}:${concat.reference}|${concat.total}`;
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { parts: new Map(), total: concat.total, waiters: [], timer: setTimeout(() => this.flush(key, false), this.timeoutMs) };
      entry.timer.unref?.();
      this.pending.set(key, entry);
    }
    // A repeated part (the SMSC resending after a lost response) replaces the earlier copy.
    entry.parts.set(concat.sequence, part);
    const done = new Promise<void>((resolve, reject) => entry.waiters.push({ resolve, reject }));
    if (entry.parts.size >= entry.total) this.flush(key, true);
    return done;
  }

  /** Publishes everything still waiting (graceful stop). */
  async flushAll(): Promise<void> {
    await Promise.allSettled([...this.pending.keys()].map((key) => this.flush(key, false)));
  }

  private async flush(key: string, complete: boolean): Promise<void> {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    clearTimeout(entry.timer);
    const parts = [...entry.parts.entries()].sort(([a], [b]) => a - b).map(([, p]) => p);
    try {
      await this.publish(parts, complete);
      for (const w of entry.waiters) w.resolve();
    } catch (err) {
      for (const w of entry.waiters) w.reject(err as Error);
    }
  }
}
