import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { CONFIG, HealthRegistry, LOGGER, METRICS } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, type Counter, type Registry } from '@smsgw/shared/util-metrics';
import { request as httpRequest, createServer, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ConsoleEnv } from '../env';
import { NO_STORE, SECURITY_HEADERS } from './security-headers';
import { loadStaticFiles, type StaticFile } from './static-files';

// Connection-level headers (RFC 9110 7.6.1) are the proxy's own business on each side.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);
// The page keeps its key in sessionStorage and sends it as a header; cookies play no part.
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'cookie', 'set-cookie']);

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

/**
 * The web console's own port: the built page at / and its assets, and /v1/* passed on, streamed
 * both ways, to ingest's HTTP API (CONSOLE_API_URL), so the browser talks to one origin (no CORS,
 * a strict CSP with connect-src 'self'). Server-Sent Events stream through unbuffered: each chunk
 * is written as it arrives, and a browser that goes away closes the upstream stream too.
 */
@Injectable()
export class ConsoleServer implements BeforeApplicationShutdown {
  private readonly server: Server;
  private readonly files: Map<string, StaticFile>;
  private readonly api: URL;
  private readonly requests: Counter<string>;
  private listening = false;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) config: ConsoleEnv,
    @Inject(METRICS) registry: Registry,
    health: HealthRegistry,
  ) {
    this.api = new URL(config.CONSOLE_API_URL);
    if (this.api.protocol !== 'http:' && this.api.protocol !== 'https:') throw new Error(`CONSOLE_API_URL must be an http:// or https:// URL (got ${config.CONSOLE_API_URL})`);
    // This file is dist/apps/console/apps/console/src/serve-console/ and Vite writes dist/apps/console/web
    // (in the image: dist/apps/console/src/serve-console/ and dist/web): four folders up, both ways.
    this.files = loadStaticFiles(config.CONSOLE_STATIC_DIR || join(__dirname, '../../../../web'));
    this.requests = counter(registry, 'smsgw_console_requests_total', 'Requests to the web console, by kind (page: its files; api: passed on to the HTTP API; events: SSE streams passed on) and status class.', ['kind', 'status']);
    health.add('console', () => this.listening || 'web console not listening yet');
    this.server = createServer((req, res) => this.handle(req, res));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    this.listening = true;
    this.logger.info({ consolePort: this.port, api: this.api.origin }, 'web console listening');
    return this.port;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise((resolve) => this.server.close(resolve));
    this.server.closeAllConnections(); // open event streams would hold the close forever
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://console.invalid');
    } catch {
      return this.problem(res, 'page', 400, 'HTTP.BAD_REQUEST', 'the request path is not a URL path');
    }
    if (url.pathname.startsWith('/v1/')) return this.pass(req, res, url);
    const file = this.files.get(url.pathname);
    if (!file) return this.problem(res, 'page', 404, 'HTTP.NOT_FOUND', `no page ${url.pathname.slice(0, 100)}: the console is at /`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return this.problem(res, 'page', 405, 'HTTP.METHOD_NOT_ALLOWED', `${req.method} is not allowed here: the console's pages are read with GET`);
    }
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.length, 'cache-control': file.cacheControl });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    this.requests.inc({ kind: 'page', status: '2xx' });
  }

  /** /v1/* to the API: the path as the URL parser normalised it (no "..": only /v1/ is reachable). */
  private pass(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const kind = url.pathname.endsWith('/events') ? 'events' : 'api';
    const headers: OutgoingHttpHeaders = { ...forwardable(req.headers), host: this.api.host, 'x-forwarded-for': req.socket.remoteAddress ?? '' };
    const send = this.api.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstream = send({ protocol: this.api.protocol, hostname: this.api.hostname, port: this.api.port, method: req.method, path: url.pathname + url.search, headers });
    upstream.on('response', (answer) => {
      const out: OutgoingHttpHeaders = forwardable(answer.headers);
      out['cache-control'] = NO_STORE;
      res.writeHead(answer.statusCode ?? 502, out);
      res.flushHeaders();
      if (kind === 'events') res.socket?.setNoDelay(true);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
      this.requests.inc({ kind, status: statusClass(answer.statusCode ?? 502) });
    });
    upstream.on('error', (err: Error & { code?: string }) => {
      if (res.headersSent) return void res.destroy();
      this.logger.warn({ code: err.code, api: this.api.origin }, 'HTTP API unreachable from the console');
      this.problem(res, kind, 502, 'CONSOLE.API_UNAVAILABLE', `the console could not reach the HTTP API at ${this.api.origin} (${err.code ?? err.message}); is ingest running with its HTTP API on?`);
    });
    // The browser went away (closed tab, new stream): end the upstream request, and with it ingest's watch.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  private problem(res: ServerResponse, kind: string, status: number, code: string, detail: string): void {
    const body = JSON.stringify({ type: `urn:smsgw:problem:${code}`, title: code.split('.').pop(), status, detail, code });
    res.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': NO_STORE });
    res.end(body);
    this.requests.inc({ kind, status: statusClass(status) });
  }
}

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !NOT_FORWARDED.has(name)) out[name] = value;
  return out;
}
