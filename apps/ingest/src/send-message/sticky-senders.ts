import { Inject, Injectable } from '@nestjs/common';
import { readDestination } from '@smsgw/messages/domain';
import { CONFIG, PG_POOL } from '@smsgw/shared/feature-ops';
import { assignmentKey, findAssignments, saveAssignments, senderPools, type SenderAssignment } from '@smsgw/twoway/data-access-store';
import { senderOfPoolNumber, stickySender } from '@smsgw/twoway/domain';
import type { Pool } from 'pg';
import type { IngestEnv } from '../env';
import type { Submission } from './send-message.service';

/** How long an account's pool is trusted: a number added or removed counts within this. */
export const POOL_CACHE_MS = 1000;

/**
 * Sticky senders: a message of an account that names no sender goes from a number of the
 * account's pool (its inbound numbers), the same one for the same handset every time, so replies
 * join one conversation. Pools are cached per account; the assignments of a batch are one read,
 * plus one write for handsets new to the pool. Accounts without numbers are left alone (an empty
 * sender is refused as before).
 */
@Injectable()
export class StickySenders {
  private readonly pools = new Map<string, { numbers: string[]; readAtMs: number }>();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: IngestEnv,
  ) {}

  /** Sets `from` of the submissions that name no sender and whose account has a pool. */
  async fill(submissions: readonly Submission[]): Promise<void> {
    const open = submissions.filter((s) => s.clientId && s.request.from.trim() === '');
    if (open.length === 0) return;
    const pools = await this.poolsOf(open.map((s) => s.clientId));
    const wanted: { submission: Submission; msisdn: string; numbers: string[] }[] = [];
    for (const s of open) {
      const numbers = pools.get(s.clientId);
      if (!numbers?.length) continue;
      let msisdn: string;
      try {
        msisdn = readDestination(s.request.to, this.config.INGEST_DEFAULT_REGION).number;
      } catch {
        continue; // refused for its destination by validation, with its own error
      }
      wanted.push({ submission: s, msisdn, numbers });
    }
    if (wanted.length === 0) return;
    const current = await findAssignments(this.pool, wanted.map((w) => ({ accountId: w.submission.clientId, msisdn: w.msisdn })));
    const changed: SenderAssignment[] = [];
    for (const w of wanted) {
      const accountId = w.submission.clientId;
      const had = current.get(assignmentKey(accountId, w.msisdn));
      const number = stickySender(w.numbers, w.msisdn, had) as string;
      if (number !== had) {
        changed.push({ accountId, msisdn: w.msisdn, number });
        current.set(assignmentKey(accountId, w.msisdn), number); // a second message to the handset in this batch
      }
      w.submission.request.from = senderOfPoolNumber(number);
    }
    await saveAssignments(this.pool, changed);
  }

  private async poolsOf(accountIds: string[]): Promise<Map<string, string[]>> {
    const now = Date.now();
    const stale = [...new Set(accountIds)].filter((id) => {
      const cached = this.pools.get(id);
      return !cached || now - cached.readAtMs >= POOL_CACHE_MS;
    });
    if (stale.length > 0) {
      const read = await senderPools(this.pool, stale);
      for (const id of stale) this.pools.set(id, { numbers: read.get(id) ?? [], readAtMs: now });
    }
    return new Map(accountIds.map((id) => [id, this.pools.get(id)?.numbers ?? []]));
  }
}
