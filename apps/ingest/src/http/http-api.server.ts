import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Principal } from '@smsgw/accounts/domain';
import { ValidationError } from '@smsgw/messages/domain';
import { HealthRegistry, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { Channel } from '@smsgw/shared/util-proto';
import fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { ApiKeyAuthenticator } from '../authenticate/api-key.authenticator';
import { CancelMessageService } from '../cancel-message/cancel-message.service';
import { MessageReader } from '../get-message/message.reader';
import { SendMessageService } from '../send-message/send-message.service';
import { MAX_WATCHED_IDS, StatusWatch } from '../watch-status/status-watch';
import { UsageReader } from '../get-usage/usage.reader';
import { inboundPageQuery, type InboundPageParams } from '../list-inbound/inbound-page';
import { InboundReader } from '../watch-inbound/inbound.reader';
import { InboundWatch } from '../watch-inbound/inbound-watch';
import type { Observable } from 'rxjs';
import { cleartextHttp1And2, type ConnectionTimeouts } from './cleartext-http1-and-2';
import { callerAccountJson, cancelJson, messageJson, sendRequestFromJson, sendResponseJson, sendResultJson, statusUpdateJson, usageJson, type SendRequestJson } from './json-mapping';
import { openApiDocument } from './openapi';
import { API_OPERATIONS, MESSAGE_BODY_LIMIT, type ApiOperation } from './operations';
import { HttpProblem, problem, problemFor, retryAfterSeconds, type Problem } from './problem';

type Handler = (req: FastifyRequest, reply: FastifyReply, principal: Principal) => Promise<unknown>;

const SSE_PING_MS = 15_000;
const CLOSE_GRACE_MS = 5_000;
const UNAVAILABLE = 'the gateway could not do this right now (Kafka or PostgreSQL unavailable); retry, with the same Idempotency-Key for a send';

/**
 * The HTTP/JSON API on its own port (INGEST_API_PORT), beside gRPC: the same use cases, API keys,
 * policy, rate limits and idempotency keys, and the same error codes, as application/problem+json.
 * Its own listener (Fastify), not the /metrics and /healthz server: the API is what one exposes
 * to clients (load balancer, TLS in front), the ops port stays inside the cluster.
 */
@Injectable()
export class HttpApiServer implements BeforeApplicationShutdown {
  private readonly app: FastifyInstance;
  private readonly openApiJson = JSON.stringify(openApiDocument('1.0.0'));
  private readonly principals = new WeakMap<FastifyRequest, Principal>();
  private readonly streams = new Set<ServerResponse>();
  private http2?: { closeHttp2Sessions(): void; destroyHttp2Sessions(): void };
  private listening = false;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly sending: SendMessageService,
    private readonly reader: MessageReader,
    private readonly watching: StatusWatch,
    private readonly canceling: CancelMessageService,
    private readonly auth: ApiKeyAuthenticator,
    private readonly usage: UsageReader,
    private readonly inbound: InboundReader,
    private readonly inboundWatch: InboundWatch,
    health: HealthRegistry,
  ) {
    // /healthz passes once the API listens too, so a started stack answers HTTP at once.
    health.add('http-api', () => this.listening || 'HTTP API not listening yet');
    this.app = fastify({
      // HTTP/1.1 and h2c on the one port (cleartext-http1-and-2.ts).
      serverFactory: (handler, options) => {
        const listener = cleartextHttp1And2(handler, options as unknown as ConnectionTimeouts);
        this.http2 = listener;
        return listener.server;
      },
      logger: false,
      bodyLimit: MESSAGE_BODY_LIMIT,
      return503OnClosing: true,
      exposeHeadRoutes: false,
      // Refuse, never drop, what the schema does not know; no type coercion ("5" is not 5).
      ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false, allowUnionTypes: true } },
    });
    this.app.removeContentTypeParser('text/plain'); // JSON only: anything else is 415
    this.app.addHook('onRequest', async (req) => {
      // Before the body is read: a caller without a key never gets a large body parsed.
      if ((req.routeOptions.config as { auth?: boolean } | undefined)?.auth) this.principals.set(req, await this.auth.authenticateHeader(req.headers.authorization));
    });
    this.app.addHook('preClose', async () => {
      for (const res of this.streams) res.end();
      this.http2?.closeHttp2Sessions(); // GOAWAY: calls under way finish, new ones go elsewhere
    });
    this.app.setErrorHandler((err, _req, reply) => this.reply(reply, this.problemOf(err)));
    this.app.setNotFoundHandler((req, reply) => this.reply(reply, problem(404, 'HTTP.NOT_FOUND', `no operation ${req.method} ${req.url.slice(0, 100)}; the operations are in GET /v1/openapi.json`)));
    const handlers = this.handlers();
    for (const op of API_OPERATIONS) {
      const handler = handlers[op.operationId];
      this.app.route({
        method: op.method,
        url: op.url,
        bodyLimit: op.bodyLimit,
        config: { auth: op.auth },
        schema: { ...structuredClone(op.schema), response: jsonResponses(op) },
        handler: (req, reply) => handler(req, reply, this.principals.get(req) as Principal), // set by onRequest for every operation with auth
      });
    }
  }

  /** The port it listens on (the one the system chose for 0). */
  get port(): number {
    return (this.app.server.address() as AddressInfo).port;
  }

  /** Started by main.ts beside gRPC (app contexts in tests that do not call it serve no HTTP). */
  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    await this.app.listen({ port, host });
    this.listening = true;
    this.logger.info({ apiPort: this.port }, 'HTTP API listening (OpenAPI at /v1/openapi.json)');
    return this.port;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.listening) return;
    // In-flight calls get a moment to finish; connections still open then (seen after event
    // streams whose clients went away) are cut, instead of holding the shutdown for the keep-alive timeout.
    const grace = setTimeout(() => {
      this.app.server.closeAllConnections();
      this.http2?.destroyHttp2Sessions();
    }, CLOSE_GRACE_MS);
    await this.app.close();
    clearTimeout(grace);
  }

  private handlers(): Record<ApiOperation['operationId'], Handler> {
    return {
      sendMessage: async (req, reply, { accountId, policy }) => {
        const body = req.body as SendRequestJson;
        const key = req.headers['idempotency-key'];
        if (typeof key === 'string' && key !== '') {
          if (body.idempotencyKey && body.idempotencyKey !== key) throw new HttpProblem(400, 'VALIDATION.IDEMPOTENCY_KEY_CONFLICT', 'the Idempotency-Key header and the body\'s idempotencyKey differ: give one, or the same in both', 'idempotencyKey');
          body.idempotencyKey = key;
        }
        const res = await this.sending.send(sendRequestFromJson(body), Channel.HTTP, accountId, policy);
        reply.code(202).header('location', `/v1/messages/${res.id}`);
        return sendResponseJson(res);
      },
      sendBatch: async (req, _reply, { accountId, policy }) => {
        const { messages } = req.body as { messages: SendRequestJson[] };
        const results = await this.sending.sendBatch(messages.map(sendRequestFromJson), Channel.HTTP, accountId, policy);
        return { results: results.map(sendResultJson) };
      },
      getMessage: async (req, _reply, { accountId }) => {
        const { id } = req.params as { id: string };
        const [message] = await this.reader.find([id], accountId);
        if (!message) throw new HttpProblem(404, 'MESSAGE.NOT_FOUND', `id: no message ${id} (ids come from POST /v1/messages; a message just accepted appears within a moment)`, 'id');
        return messageJson(message);
      },
      cancelMessage: async (req, _reply, { accountId }) => {
        const { id } = req.params as { id: string };
        const outcome = await this.canceling.cancel(id, accountId);
        if (!outcome) throw new HttpProblem(404, 'MESSAGE.NOT_FOUND', `id: no message ${id}`, 'id');
        return cancelJson(outcome);
      },
      watchStatus: async (req, reply) => {
        const ids = (req.query as { ids: string }).ids.split(',').map((id) => id.trim()).filter(Boolean);
        return this.stream(req, reply, [...new Set(ids)]);
      },
      watchMessage: async (req, reply) => this.stream(req, reply, [(req.params as { id: string }).id]),
      getAccount: async (_req, _reply, { accountId, accountName, keyId, policy }) => {
        const today = new Date().toISOString().slice(0, 10);
        return callerAccountJson({ accountId, accountName: accountName ?? '', keyId, policy }, await this.usage.usage(accountId, today, today));
      },
      getUsage: async (req, _reply, { accountId }) => {
        const { fromDay = '', toDay = '' } = req.query as { fromDay?: string; toDay?: string };
        return usageJson(await this.usage.usage(accountId, fromDay, toDay));
      },
      listInbound: async (req, _reply, { accountId }) => this.inbound.page(accountId, inboundPageQuery(req.query as InboundPageParams)),
      watchInbound: async (req, reply) => {
        const header = req.headers.authorization;
        const source = this.inboundWatch.watch((req.query as { afterId?: string }).afterId ?? '', () => this.auth.authenticateHeader(header));
        this.eventStream(reply, 'inbound messages', source, (m) => sseEvent('inbound', m, m.id));
      },
      openApi: async (_req, reply) => reply.type('application/json').header('cache-control', 'no-cache').send(this.openApiJson),
    };
  }

  /** Server-Sent Events fed by the same StatusWatch as gRPC WatchStatus (which re-checks the key every poll). */
  private stream(req: FastifyRequest, reply: FastifyReply, ids: string[]): void {
    // Refused before the stream opens, so the caller gets a status code rather than an error event.
    if (ids.length === 0 || ids.length > MAX_WATCHED_IDS) throw new ValidationError('VALIDATION.WATCH_IDS', 'ids', `ids: watch 1 to ${MAX_WATCHED_IDS} messages, got ${ids.length}`);
    const header = req.headers.authorization;
    this.eventStream(reply, 'status events', this.watching.watch(ids, () => this.auth.authenticateHeader(header)), (u) => sseEvent('status', statusUpdateJson(u)));
  }

  /** One event stream: each item as `toEvent` writes it, an error as a Problem event, the end as "end"; a ping comment keeps proxies from closing it. */
  private eventStream<T>(reply: FastifyReply, what: string, source: Observable<T>, toEvent: (item: T) => string): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write(`: smsgw ${what}\n\n`);
    const subscription = source.subscribe({
      next: (item) => res.write(toEvent(item)),
      error: (err) => res.end(sseEvent('error', this.problemOf(err))),
      complete: () => res.end(sseEvent('end', {})),
    });
    const ping = setInterval(() => res.write(': ping\n\n'), SSE_PING_MS);
    this.streams.add(res);
    res.on('close', () => {
      subscription.unsubscribe();
      clearInterval(ping);
      this.streams.delete(res);
    });
  }

  private problemOf(err: unknown): Problem {
    const known = problemFor(err);
    if (known) return known;
    const e = err as FastifyError & { validationContext?: string };
    if (e.validation) return validationProblem(e);
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return problem(415, 'HTTP.UNSUPPORTED_MEDIA_TYPE', 'the body must be JSON: send Content-Type: application/json');
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return problem(413, 'HTTP.BODY_TOO_LARGE', 'the body is larger than this operation takes (1 MiB for one message, 16 MiB for a batch); send fewer or smaller messages');
    if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError || /prototype property/.test(e.message ?? '')) {
      const at = /position (\d+)/.exec(e.message ?? '')?.[1];
      return problem(400, 'HTTP.INVALID_JSON', `the body is not valid JSON${at ? ` (at character ${at})` : ''}: send one JSON object as the operation's schema says (GET /v1/openapi.json)`);
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return problem(e.statusCode, 'HTTP.BAD_REQUEST', e.message);
    this.logger.error({ err }, 'HTTP API request failed');
    return problem(503, 'SERVICE.UNAVAILABLE', UNAVAILABLE);
  }

  private reply(reply: FastifyReply, p: Problem): FastifyReply {
    if (p.retryAfterMs !== undefined) reply.header('retry-after', retryAfterSeconds(p.retryAfterMs));
    if (p.status === 401) reply.header('www-authenticate', 'Bearer realm="smsgw"');
    return reply.code(p.status).type('application/problem+json').send(JSON.stringify(p));
  }
}

const sseEvent = (name: string, data: unknown, id?: string) => `event: ${name}\n${id ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

/** Fastify serialises JSON answers with their schemas (fast-json-stringify); event streams and this document are written as they are. */
function jsonResponses(op: ApiOperation): Record<number, unknown> | undefined {
  if (op.operationId === 'openApi') return undefined;
  const entries = Object.entries(op.ok).filter(([, [, type]]) => type === 'application/json');
  return entries.length ? Object.fromEntries(entries.map(([code, [, , schema]]) => [code, schema])) : undefined;
}

/** A body, query or path that does not fit the schema: which field, and what it must be. */
function validationProblem(err: FastifyError & { validationContext?: string }): Problem {
  const [first] = err.validation ?? [];
  const where = err.validationContext === 'body' ? '' : `${err.validationContext ?? ''} `;
  const path = (first?.instancePath ?? '').split('/').filter(Boolean).map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('').replace(/^\./, '');
  const unknown = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
  if (first?.keyword === 'additionalProperties' && unknown !== undefined) {
    const field = path ? `${path}.${unknown}` : unknown;
    const camel = unknown.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const hint = camel !== unknown ? ` (field names are lowerCamelCase: ${camel})` : '';
    return problem(400, 'VALIDATION.UNKNOWN_FIELD', `${where}${field.slice(0, 80)}: no such field${hint}; the fields are listed in GET /v1/openapi.json`, { field: field.slice(0, 80) });
  }
  const field = path || (first?.params as { missingProperty?: string } | undefined)?.missingProperty || (where.trim() || 'body');
  return problem(400, 'VALIDATION.WRONG_TYPE', `${where}${field} ${first?.message ?? 'does not fit the schema'}`, { field });
}
