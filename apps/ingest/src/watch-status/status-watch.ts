import { Injectable } from '@nestjs/common';
import type { Principal } from '@smsgw/accounts/domain';
import { ValidationError } from '@smsgw/messages/domain';
import { MessageStatus, type StatusUpdate } from '@smsgw/shared/util-proto';
import { Observable } from 'rxjs';
import { MessageReader } from '../get-message/message.reader';

const FINAL = new Set([MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.EXPIRED, MessageStatus.REJECTED, MessageStatus.FAILED, MessageStatus.CANCELED]);
export const WATCH_POLL_MS = 250;
export const MAX_WATCHED_IDS = 1000;

export const isFinalStatus = (status: MessageStatus) => FINAL.has(status);

/**
 * The watch-status use case behind gRPC WatchStatus and the HTTP API's event streams: polls the
 * status store (bounded: at most MAX_WATCHED_IDS ids) and emits each change until all are final.
 * Ids of other accounts never appear, like ids that do not exist.
 */
@Injectable()
export class StatusWatch {
  constructor(private readonly reader: MessageReader) {}

  /** `authenticate` runs before every poll: a key revoked mid-stream ends the stream within KEY_CACHE_MS and a poll. */
  watch(requested: string[], authenticate: () => Promise<Principal>): Observable<StatusUpdate> {
    const ids = [...new Set(requested)];
    return new Observable<StatusUpdate>((subscriber) => {
      const seen = new Map<string, MessageStatus>();
      let timer: NodeJS.Timeout | undefined;
      let closed = false;
      const poll = async () => {
        try {
          const { accountId } = await authenticate();
          if (ids.length === 0 || ids.length > MAX_WATCHED_IDS) {
            throw new ValidationError('VALIDATION.WATCH_IDS', 'ids', `ids: watch 1 to ${MAX_WATCHED_IDS} messages, got ${ids.length}`);
          }
          const pending = ids.filter((id) => !FINAL.has(seen.get(id) ?? MessageStatus.UNSPECIFIED));
          for (const m of await this.reader.find(pending, accountId)) {
            if (seen.get(m.id) === m.status) continue;
            seen.set(m.id, m.status);
            subscriber.next({ id: m.id, status: m.status, reasonCode: m.reasonCode, reason: m.reason, clientReference: m.clientReference, updatedAt: m.updatedAt });
          }
          if (ids.every((id) => FINAL.has(seen.get(id) ?? MessageStatus.UNSPECIFIED))) subscriber.complete();
          else if (!closed) timer = setTimeout(poll, WATCH_POLL_MS);
        } catch (err) {
          subscriber.error(err);
        }
      };
      void poll();
      return () => {
        closed = true;
        clearTimeout(timer);
      };
    });
  }
}
