import { Inject, Injectable } from '@nestjs/common';
import { getSpend } from '@smsgw/accounts/data-access-store';
import { usageRange } from '@smsgw/accounts/domain';
import { PG_POOL } from '@smsgw/shared/feature-ops';
import type { Usage } from '@smsgw/shared/util-proto';
import { getUsage } from '@smsgw/status/data-access-store';
import type { Pool } from 'pg';

/**
 * An account's usage by day and status, from the status store, and its spend by day and currency,
 * from its ledger (two queries side by side); throws ACCOUNT.INVALID_USAGE_RANGE.
 */
@Injectable()
export class UsageReader {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async usage(accountId: string, fromDay: string, toDay: string): Promise<Usage> {
    const range = usageRange(fromDay, toDay);
    const [rows, spend] = await Promise.all([getUsage(this.pool, accountId, range.fromMs, range.untilMs), getSpend(this.pool, accountId, range.fromMs, range.untilMs)]);
    return { accountId, fromDay: range.fromDay, toDay: range.toDay, rows, spend };
  }
}
