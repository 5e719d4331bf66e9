import type { StoredKey } from '@smsgw/accounts/domain';

interface Entry<T> {
  stored: T | undefined;
  /** When the read that produced it started: an entry is never older than ttlMs from the database's view. */
  readAtMs: number;
}

/**
 * Stored keys by key id (or other records by id: the accounts of client certificates), each kept for at most ttlMs (unknown ids too, so a flood of bad keys costs
 * one query per id and second). Concurrent misses of one id share one query. Bounded: past
 * maxEntries the oldest entries go first.
 */
export class KeyCache<T = StoredKey> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly inFlight = new Map<string, Promise<T | undefined>>();

  constructor(
    private readonly load: (keyIds: string[]) => Promise<Map<string, T>>,
    private readonly ttlMs = 1000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(keyId: string): Promise<T | undefined> {
    const entry = this.entries.get(keyId);
    if (entry && this.now() - entry.readAtMs < this.ttlMs) return Promise.resolve(entry.stored);
    let pending = this.inFlight.get(keyId);
    if (!pending) {
      pending = this.read(keyId).finally(() => this.inFlight.delete(keyId));
      this.inFlight.set(keyId, pending);
    }
    return pending;
  }

  private async read(keyId: string): Promise<T | undefined> {
    const readAtMs = this.now();
    const stored = (await this.load([keyId])).get(keyId);
    this.entries.delete(keyId); // re-inserted last: Map order is age order
    this.entries.set(keyId, { stored, readAtMs });
    if (this.entries.size > this.maxEntries) {
      for (const id of this.entries.keys()) {
        this.entries.delete(id);
        if (this.entries.size <= this.maxEntries * 0.9) break;
      }
    }
    return stored;
  }
}
