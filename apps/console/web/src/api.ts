// The HTTP API as the page calls it: same origin (the console passes /v1/* on to ingest), the key
// as a Bearer header, refusals as application/problem+json with a stable code.
import type { InboundPage, InboundSms, Usage } from './inbound';
import type { Message, SendResponse, StatusUpdate } from './messages';
import { sseParser, type SseEvent } from './sse';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

/** GET /v1/account: who the key belongs to (sms.v1.CallerAccount), with today's usage. */
export interface CallerAccount {
  accountId: string;
  accountName: string;
  keyId: string;
  policy: { senders: string[]; countries: string[]; ratePerSecond: number; rateBurst: number; defaultSender: string };
  usageToday: Usage;
}

export interface SendInput {
  to: string;
  from: string;
  text: string;
  smartEncoding?: boolean;
}

async function problemOf(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as { code?: string; detail?: string; field?: string };
  return new ApiError(res.status, body.code ?? `HTTP.${res.status}`, body.detail ?? `the gateway answered ${res.status} ${res.statusText}`, body.field);
}

export class Api {
  constructor(private readonly key: string) {}

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: { authorization: `Bearer ${this.key}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'CONSOLE.OFFLINE', 'the console server did not answer: check the connection and try again');
    }
    if (!res.ok) throw await problemOf(res);
    return (await res.json()) as T;
  }

  send(input: SendInput, idempotencyKey: string): Promise<SendResponse> {
    return this.call('POST', '/v1/messages', input, { 'idempotency-key': idempotencyKey });
  }

  get(id: string): Promise<Message> {
    return this.call('GET', `/v1/messages/${encodeURIComponent(id)}`);
  }

  /** Who the key belongs to: the sign-in check (401/403 with the reason for a bad key) and the header's name. */
  account(): Promise<CallerAccount> {
    return this.call('GET', '/v1/account');
  }

  usage(fromDay: string, toDay: string): Promise<Usage> {
    return this.call('GET', `/v1/usage?fromDay=${encodeURIComponent(fromDay)}&toDay=${encodeURIComponent(toDay)}`);
  }

  /** One page of inbound messages, newest first; `cursor` is the previous page's nextCursor. */
  inbound(cursor = ''): Promise<InboundPage> {
    return this.call('GET', `/v1/inbound${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
  }

  /**
   * Status changes of `ids` until every one is final (the stream's "end") or `signal` aborts.
   * Resolves when the stream ends by itself; rejects on a refusal (ApiError) or a broken stream.
   */
  async watch(ids: string[], onUpdate: (u: StatusUpdate) => void, signal: AbortSignal): Promise<void> {
    const path = ids.length === 1 ? `/v1/messages/${encodeURIComponent(ids[0])}/events` : `/v1/messages/events?ids=${ids.map(encodeURIComponent).join(',')}`;
    let ended = false;
    await this.events(path, signal, (e) => {
      if (e.event === 'status') onUpdate(JSON.parse(e.data) as StatusUpdate);
      else if (e.event === 'end') ended = true;
    });
    if (!ended) throw new ApiError(0, 'CONSOLE.STREAM_CLOSED', 'the status stream closed early');
  }

  /** Inbound messages routed after `afterId` ('' : from now on) as they come, until `signal` aborts; rejects when the stream breaks. */
  async watchInbound(afterId: string, onMessage: (m: InboundSms) => void, signal: AbortSignal): Promise<void> {
    await this.events(`/v1/inbound/events${afterId ? `?afterId=${encodeURIComponent(afterId)}` : ''}`, signal, (e) => e.event === 'inbound' && onMessage(JSON.parse(e.data) as InboundSms));
    throw new ApiError(0, 'CONSOLE.STREAM_CLOSED', 'the inbound stream closed');
  }

  /** Reads an event stream to its end; an "error" event (a Problem) rejects with its code. */
  private async events(path: string, signal: AbortSignal, onEvent: (e: SseEvent) => void): Promise<void> {
    const res = await fetch(path, { headers: { authorization: `Bearer ${this.key}`, accept: 'text/event-stream' }, cache: 'no-store', signal });
    if (!res.ok || !res.body) throw await problemOf(res);
    let failure: ApiError | undefined;
    const feed = sseParser((e) => {
      if (e.event !== 'error') return onEvent(e);
      const p = JSON.parse(e.data) as { status: number; code: string; detail: string };
      failure = new ApiError(p.status, p.code, p.detail);
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      feed(value);
    }
    if (failure) throw failure;
  }
}
