import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@smsgw/shared/feature-ops';
import { findSuppressed, suppressionKey } from '@smsgw/twoway/data-access-store';
import { isSuppressed } from '@smsgw/twoway/domain';
import type { Pool } from 'pg';
import { SameTurn } from './same-turn';

/** How long a handset's suppression rows are trusted: an opt-out or opt-in reaches every replica within this. */
export const SUPPRESSION_CACHE_MS = 1000;
const MAX_ENTRIES = 100_000;

export interface Addressed {
  accountId: string;
  /** E.164. */
  to: string;
  from: string;
}

interface Entry {
  senders: string[];
  readAtMs: number;
}

/**
 * Whether handsets opted out of an account (POLICY.OPTED_OUT). Rows are cached per account and
 * handset for SUPPRESSION_CACHE_MS (absent ones too); the misses of one call — and of every call
 * made in the same event-loop turn, so concurrent unary Sends share it — are read in one query.
 */
@Injectable()
export class SuppressionCheck {
  private readonly entries = new Map<string, Entry>();
  private readonly reads = new SameTurn((misses: Addressed[]) => this.readNow(misses));

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  private now(): number {
    return Date.now();
  }

  /** For each message, true when its handset opted out of its account (or of its sender). */
  async refused(messages: readonly Addressed[]): Promise<boolean[]> {
    const misses = messages.filter((m) => !this.fresh(suppressionKey(m.accountId, m.to)));
    if (misses.length > 0) await this.read(misses);
    return messages.map((m) => isSuppressed(this.entries.get(suppressionKey(m.accountId, m.to))?.senders ?? [], m.from));
  }

  private fresh(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && this.now() - entry.readAtMs < SUPPRESSION_CACHE_MS;
  }

  private read(misses: readonly Addressed[]): Promise<void> {
    return this.reads.add(misses);
  }

  private async readNow(misses: readonly Addressed[]): Promise<void> {
    const keys = new Map(misses.map((m) => [suppressionKey(m.accountId, m.to), { accountId: m.accountId, msisdn: m.to }]));
    const readAtMs = this.now();
    const found = await findSuppressed(this.pool, [...keys.values()]);
    for (const key of keys.keys()) {
      this.entries.delete(key); // re-inserted last: Map order is age order
      this.entries.set(key, { senders: found.get(key) ?? [], readAtMs });
    }
    this.evict();
  }

  private evict(): void {
    if (this.entries.size <= MAX_ENTRIES) return;
    for (const key of this.entries.keys()) {
      this.entries.delete(key);
      if (this.entries.size <= MAX_ENTRIES * 0.9) break;
    }
  }
}
