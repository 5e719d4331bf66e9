import { Inject, Injectable } from '@nestjs/common';
import { getMessages } from '@smsgw/status/data-access-store';
import type { Message } from '@smsgw/shared/util-proto';
import type { Pool } from 'pg';
import { PG_POOL } from '@smsgw/shared/feature-ops';

/** Reads the status store that the dlr-processor projects from the events. */
@Injectable()
export class MessageReader {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The account's messages among these ids (others' are left out, as if they did not exist). */
  find(ids: string[], accountId: string): Promise<Message[]> {
    return getMessages(this.pool, ids, accountId);
  }
}
