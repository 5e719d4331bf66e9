// The console's own server over real HTTP: its page and headers, and /v1/* passed on to an HTTP
// server standing where ingest's API is (the whole stack, with the real API, is the browser test
// in apps/gateway-e2e). What matters here is the passing on: headers both ways, bodies, no
// caching, and event streams that arrive chunk by chunk and close upstream when the browser goes.
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../app.module';
import { CONSOLE_ENV } from '../env';
import { ConsoleServer } from './console.server';

/** The problem+json body of an error answer. */
const problemOf = async (res: Response) => (await res.json()) as { code: string; detail?: string };

jest.setTimeout(30_000);

const web = mkdtempSync(join(tmpdir(), 'console-web-'));
mkdirSync(join(web, 'assets'));
writeFileSync(join(web, 'index.html'), '<!doctype html><title>smsgw console</title><script type="module" src="/assets/app-abc123.js"></script>');
writeFileSync(join(web, 'assets/app-abc123.js'), 'console.log("hi")');

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
let upstream: Server;
let upstreamPort: number;
let onRequest: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void = () => undefined;
let app: INestApplication;
let base: string;

const listenOn = (server: Server) => new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));

async function startConsole(apiUrl: string): Promise<{ app: INestApplication; base: string }> {
  const config = loadConfig(CONSOLE_ENV, { LOG_LEVEL: 'fatal', CONSOLE_API_URL: apiUrl, CONSOLE_STATIC_DIR: web });
  const logger = createLogger({ app: 'console-it', level: 'fatal' });
  const started = await startService({ module: AppModule.register({ logger, registry: createMetricsRegistry('console'), config }), logger, httpPort: 0 });
  return { app: started, base: `http://127.0.0.1:${await started.get(ConsoleServer).listen(0, '127.0.0.1')}` };
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => onRequest(req, res, { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }));
  });
  upstreamPort = await listenOn(upstream);
  ({ app, base } = await startConsole(`http://127.0.0.1:${upstreamPort}`));
});

afterAll(async () => {
  await app?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

function expectSecurityHeaders(res: Response): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("connect-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

describe('the page', () => {
  it('serves index.html at / (revalidated) and hashed assets (cached for good), with the security headers', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<title>smsgw console</title>');
    expectSecurityHeaders(page);
    const asset = await fetch(`${base}/assets/app-abc123.js`);
    expect([asset.status, asset.headers.get('content-type'), asset.headers.get('cache-control')]).toEqual([200, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable']);
    expectSecurityHeaders(asset);
  });

  it('answers other paths 404 and other methods 405, as problem+json; ".." never leaves /v1/ or the built files', async () => {
    const missing = await fetch(`${base}/etc/passwd`);
    expect([missing.status, missing.headers.get('content-type'), (await problemOf(missing)).code]).toEqual([404, 'application/problem+json; charset=utf-8', 'HTTP.NOT_FOUND']);
    expectSecurityHeaders(missing);
    const post = await fetch(`${base}/`, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow'), (await problemOf(post)).code]).toEqual([405, 'GET, HEAD', 'HTTP.METHOD_NOT_ALLOWED']);
    let reached = false;
    onRequest = (_req, res) => ((reached = true), res.end());
    const escape = await rawGet('/v1/../../index.html/../healthz');
    expect(escape.status).toBe(404);
    expect(reached).toBe(false);
  });
});

/** A GET with the path exactly as written (fetch would normalise it first). */
function rawGet(path: string): Promise<{ status: number }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => (res.resume(), resolve({ status: res.statusCode ?? 0 })));
    req.on('error', reject);
    req.end();
  });
}

describe('/v1/* passed on to the API', () => {
  it('passes method, path, query, body and the API headers on, and the answer back with no-store and the security headers', async () => {
    let seen: Seen | undefined;
    onRequest = (_req, res, s) => {
      seen = s;
      res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', location: '/v1/messages/m1', 'cache-control': 'public, max-age=600', 'set-cookie': 'a=b' });
      res.end(JSON.stringify({ id: 'm1', status: 'ACCEPTED' }));
    };
    const res = await fetch(`${base}/v1/messages?x=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer smsgw_key', 'content-type': 'application/json', 'idempotency-key': 'k-1', cookie: 'session=secret' },
      body: JSON.stringify({ to: '+447911123456', from: 'SMSGW', text: 'hi' }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: 'm1', status: 'ACCEPTED' });
    expect(res.headers.get('location')).toBe('/v1/messages/m1');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('set-cookie')).toBeNull();
    expectSecurityHeaders(res);
    expect(seen).toMatchObject({ method: 'POST', url: '/v1/messages?x=1', body: '{"to":"+447911123456","from":"SMSGW","text":"hi"}' });
    expect(seen?.headers).toMatchObject({ authorization: 'Bearer smsgw_key', 'content-type': 'application/json', 'idempotency-key': 'k-1', host: `127.0.0.1:${upstreamPort}` });
    expect(seen?.headers['cookie']).toBeUndefined();
  });

  it('passes refusals on as they are (status, problem+json, WWW-Authenticate)', async () => {
    onRequest = (_req, res) => {
      res.writeHead(401, { 'content-type': 'application/problem+json; charset=utf-8', 'www-authenticate': 'Bearer realm="smsgw"' });
      res.end(JSON.stringify({ status: 401, code: 'AUTH.INVALID_KEY', detail: 'unknown key' }));
    };
    const res = await fetch(`${base}/v1/messages/x`);
    expect([res.status, res.headers.get('content-type'), res.headers.get('www-authenticate'), (await problemOf(res)).code]).toEqual([401, 'application/problem+json; charset=utf-8', 'Bearer realm="smsgw"', 'AUTH.INVALID_KEY']);
  });

  it('streams Server-Sent Events through unbuffered, and closes the upstream stream when the browser goes away', async () => {
    let second = () => undefined as void;
    const secondWanted = new Promise<void>((r) => (second = r));
    const upstreamClosed = new Promise<void>((resolve) => {
      onRequest = (req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
        res.write('event: status\ndata: {"id":"m1","status":"ROUTED"}\n\n');
        // The second event only once the first has reached the browser: a buffering proxy would hold the first and never get here.
        void secondWanted.then(() => res.write('event: status\ndata: {"id":"m1","status":"SUBMITTED"}\n\n'));
        res.on('close', () => resolve());
        void req;
      };
    });
    const abort = new AbortController();
    const res = await fetch(`${base}/v1/messages/m1/events`, { headers: { authorization: 'Bearer k', accept: 'text/event-stream' }, signal: abort.signal });
    expect([res.status, res.headers.get('content-type'), res.headers.get('cache-control')]).toEqual([200, 'text/event-stream; charset=utf-8', 'no-store']);
    if (!res.body) throw new Error('no body');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('ROUTED')) text += (await reader.read()).value ?? '';
    expect(text).not.toContain('SUBMITTED');
    second();
    while (!text.includes('SUBMITTED')) text += (await reader.read()).value ?? '';
    abort.abort();
    await upstreamClosed;
  });

  it('answers 502 CONSOLE.API_UNAVAILABLE when the API does not answer', async () => {
    const gone = createServer();
    const port = await listenOn(gone);
    await new Promise((r) => gone.close(r));
    const other = await startConsole(`http://127.0.0.1:${port}`);
    try {
      const res = await fetch(`${other.base}/v1/messages/x`);
      const body = await problemOf(res);
      expect([res.status, res.headers.get('content-type'), body.code]).toEqual([502, 'application/problem+json; charset=utf-8', 'CONSOLE.API_UNAVAILABLE']);
      expect(body.detail).toContain('ECONNREFUSED');
    } finally {
      await other.app.close();
    }
  });
});
