import type { DecodedSegment } from '@smsgw/gsm/util-encoding';

/** A part of a concatenated message: its decoded segment (concat info from the UDH or SAR TLVs) and its addresses. */
export interface ConcatPart {
  decoded: DecodedSegment;
  from: string;
  to: string;
}

interface Pending<P, R> {
  parts: Map<number, P>;
  total: number;
  waiters: { resolve(result: R): void; reject(err: Error): void }[];
  timer: NodeJS.Timeout;
}

/**
 * Holds the parts of concatenated messages (UDH 8- or 16-bit references, SAR) until all have
 * arrived, then hands them to `complete` once; every part's promise settles with its outcome, so
 * each part's response waits for the whole message (MO: stored in Kafka; the SMPP server:
 * accepted by ingest). After `timeoutMs` without completion what arrived goes as it is.
 */
export class ConcatReassembly<P extends ConcatPart, R> {
  private readonly pending = new Map<string, Pending<P, R>>();

  constructor(
    private readonly timeoutMs: number,
    private readonly complete: (parts: P[], complete: boolean) => Promise<R>,
    /** Keeps messages of different senders apart (the SMPP server: the bind's account). */
    private readonly scope: (part: P) => string = () => '',
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Adds a part; settles when the message it belongs to has been handed on. */
  add(part: P): Promise<R> {
    const concat = part.decoded.concat;
    if (!concat || concat.total <= 1) return this.complete([part], true);
    const key = `${this.scope(part)}|${part.from}|${part.to}|${concat.referenceBits}:${concat.reference}|${concat.total}`;
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { parts: new Map(), total: concat.total, waiters: [], timer: setTimeout(() => this.flush(key, false), this.timeoutMs) };
      entry.timer.unref?.();
      this.pending.set(key, entry);
    }
    // A repeated part (resent after a lost response) replaces the earlier copy.
    entry.parts.set(concat.sequence, part);
    const done = new Promise<R>((resolve, reject) => entry.waiters.push({ resolve, reject }));
    if (entry.parts.size >= entry.total) void this.flush(key, true);
    return done;
  }

  /** Hands on everything still waiting (graceful stop). */
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
      const result = await this.complete(parts, complete);
      for (const w of entry.waiters) w.resolve(result);
    } catch (err) {
      for (const w of entry.waiters) w.reject(err as Error);
    }
  }
}
