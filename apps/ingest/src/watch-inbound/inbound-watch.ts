import { Injectable } from '@nestjs/common';
import type { Principal } from '@smsgw/accounts/domain';
import type { InboundSms } from '@smsgw/shared/util-proto';
import { Observable } from 'rxjs';
import { WATCH_POLL_MS } from '../watch-status/status-watch';
import { InboundReader } from './inbound.reader';

/**
 * The watch-inbound use case behind gRPC WatchInbound and GET /v1/inbound/events: polls the
 * account's stored inbound messages (one query per poll, at once again while there were some)
 * and emits each once, in the order they were routed, until the caller unsubscribes.
 */
@Injectable()
export class InboundWatch {
  constructor(private readonly reader: InboundReader) {}

  /** `authenticate` runs before every poll: a key revoked mid-stream ends the stream with its error. */
  watch(afterId: string, authenticate: () => Promise<Principal>): Observable<InboundSms> {
    return new Observable<InboundSms>((subscriber) => {
      let cursor: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      let closed = false;
      const poll = async () => {
        try {
          const { accountId } = await authenticate();
          cursor ??= await this.reader.cursor(accountId, afterId);
          const read = await this.reader.next(accountId, cursor);
          cursor = read.cursor;
          for (const m of read.messages) subscriber.next(m);
          if (!closed) timer = setTimeout(poll, read.messages.length > 0 ? 0 : WATCH_POLL_MS);
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
