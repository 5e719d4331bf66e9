import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@smsgw/shared/feature-ops';
import { InboundAction, type InboundSms } from '@smsgw/shared/util-proto';
import { inboundCursor, listInbound, readInbound, type InboundPageQuery, type InboundRecord } from '@smsgw/twoway/data-access-store';
import type { Pool } from 'pg';

const ACTIONS: Record<number, string> = { [InboundAction.OPT_OUT]: 'opt_out', [InboundAction.OPT_IN]: 'opt_in', [InboundAction.HELP]: 'help' };

const inboundSms = (r: InboundRecord): InboundSms => ({
  id: r.id,
  from: r.from,
  to: r.to,
  text: r.text,
  receivedAtMs: r.receivedAtMs,
  relatedMessageId: r.relatedMessageId,
  action: ACTIONS[r.action] ?? 'message',
  keyword: r.keyword,
  autoReplyMessageId: r.autoReplyMessageId,
  carrier: r.carrierId,
});

/** Reads the inbound messages the dlr-processor's inbound router stored for each account. */
@Injectable()
export class InboundReader {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Where a stream starts: after this inbound id, or after everything stored now. */
  cursor(accountId: string, afterId: string): Promise<string> {
    return inboundCursor(this.pool, accountId, afterId);
  }

  /** The account's messages stored after the cursor, and the next cursor. */
  async next(accountId: string, cursor: string): Promise<{ messages: InboundSms[]; cursor: string }> {
    const read = await readInbound(this.pool, accountId, cursor);
    return { cursor: read.cursor, messages: read.records.map(inboundSms) };
  }

  /** One page of the account's messages, newest first (GET /v1/inbound). */
  async page(accountId: string, query: InboundPageQuery): Promise<{ messages: InboundSms[]; nextCursor: string }> {
    const read = await listInbound(this.pool, accountId, query);
    return { nextCursor: read.nextCursor, messages: read.records.map(inboundSms) };
  }
}
