// The HTTP/JSON API over real HTTP against a whole ingest in-process (real Kafka, PostgreSQL and
// Redis): the answers, the problem+json refusals with the gRPC codes, idempotency, rate limits,
// what reaches sms.accepted.v1, and hostile bodies that must never get a 500.
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { createAccount, setPolicy } from '@smsgw/accounts/data-access-store';
import { DEFAULT_POLICY } from '@smsgw/accounts/domain';
import { TOPICS, setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { PG_POOL, startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { Channel, MessageAccepted } from '@smsgw/shared/util-proto';
import { projectAccepted } from '@smsgw/status/data-access-store';
import fc from 'fast-check';
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { Pool } from 'pg';
import { AppModule } from '../app.module';
import { INGEST_ENV } from '../env';
import { grpcOptions } from '../grpc/grpc-options';
import { HttpApiServer } from './http-api.server';
import { openApiDocument } from './openapi';

jest.setTimeout(120_000);

const run = `${Date.now().toString(36)}${process.pid}`;
const PREFIX = `it-http-${run}.`;
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const GOOD = { to: '+447911123456', from: 'SMSGW', text: 'Your code is 123456' };
const names = [`http-${run}`, `http-other-${run}`, `http-limited-${run}`];

let app: INestApplication;
let pool: Pool;
let base: string;
let key: string;
let otherKey: string;
let limitedKey: string;
let consumer: Consumer;
const accepted = new Map<string, MessageAccepted>();

interface Answer {
  status: number;
  type: string;
  headers: Headers;
  body: Record<string, unknown> & { results?: Record<string, Record<string, unknown>>[] };
}

async function call(method: string, path: string, options: { body?: unknown; raw?: string | Buffer; key?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const apiKey = options.key === undefined ? key : options.key;
  if (apiKey !== null) headers['authorization'] ??= `Bearer ${apiKey}`;
  let body: string | Buffer | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: text ? JSON.parse(text) : {} };
}

/** A refusal: problem+json with the RFC 9457 members and the stable code. */
function expectProblem(a: Answer, status: number, code: string): void {
  expect({ status: a.status, type: a.type, code: a.body['code'] }).toEqual({ status, type: 'application/problem+json; charset=utf-8', code });
  expect(a.body).toMatchObject({ type: `urn:smsgw:problem:${code}`, title: expect.any(String), status, detail: expect.any(String) });
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  setTopicPrefix(PREFIX);
  const config = loadConfig(INGEST_ENV, { ...process.env, LOG_LEVEL: 'fatal', KAFKA_TOPIC_PREFIX: PREFIX, INGEST_MAX_BATCH: '20' });
  const logger = createLogger({ app: 'ingest-it', level: 'fatal' });
  app = await startService({ module: AppModule.register({ logger, registry: createMetricsRegistry('ingest'), config }), logger, httpPort: 0, grpc: grpcOptions('127.0.0.1:0') });
  base = `http://127.0.0.1:${await app.get(HttpApiServer).listen(0, '127.0.0.1')}`;
  pool = app.get<Pool>(PG_POOL);
  [key, otherKey, limitedKey] = await Promise.all(names.map(async (n) => (await createAccount(pool, n)).apiKey));
  await setPolicy(pool, names[0], { ...DEFAULT_POLICY, senders: ['SMSGW', 'OPS*'] });
  await setPolicy(pool, names[2], { ...DEFAULT_POLICY, ratePerSecond: 1, rateBurst: 1 });
  const kafka = new Kafka({ clientId: 'it-http', brokers, logLevel: logLevel.NOTHING });
  consumer = kafka.consumer({ groupId: `${PREFIX}check` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.accepted.name, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void accepted.set(message.key!.toString(), MessageAccepted.decode(message.value!)) });
});

afterAll(async () => {
  await consumer?.disconnect();
  await pool?.query('DELETE FROM api_keys WHERE account_id IN (SELECT id FROM accounts WHERE name = ANY($1))', [names]);
  await pool?.query('DELETE FROM account_policies WHERE account_id IN (SELECT id FROM accounts WHERE name = ANY($1))', [names]).catch(() => undefined);
  await pool?.query('DELETE FROM accounts WHERE name = ANY($1)', [names]);
  await app?.close();
});

describe('HTTP API: sending', () => {
  it('POST /v1/messages answers 202 with the gRPC SendResponse fields, and the message is on sms.accepted.v1 as the account, channel HTTP', async () => {
    const a = await call('POST', '/v1/messages', { body: { ...GOOD, clientReference: `ref-${run}`, priority: 'HIGH', metadata: { order: '42' }, sendAtMs: '0' } });
    expect(a.status).toBe(202);
    expect(a.body).toEqual({ id: expect.stringMatching(/^[0-9A-Z]{26}$/), status: 'ACCEPTED', encoding: 'gsm7', segments: 1, acceptedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), duplicate: false });
    expect(a.headers.get('location')).toBe(`/v1/messages/${a.body['id']}`);
    const event = await waitFor('the accepted event', () => accepted.get(a.body['id'] as string));
    const [{ id: accountId }] = (await pool.query<{ id: string }>('SELECT id FROM accounts WHERE name = $1', [names[0]])).rows;
    expect(event).toMatchObject({ to: '+447911123456', from: 'SMSGW', clientReference: `ref-${run}`, channel: Channel.HTTP, clientId: accountId, metadata: { order: '42' }, priority: 3 });
  });

  it('Idempotency-Key: a retry answers the first message, marked duplicate; a body with another key is refused', async () => {
    const headers = { 'idempotency-key': `idem-${run}` };
    const first = await call('POST', '/v1/messages', { body: GOOD, headers });
    const again = await call('POST', '/v1/messages', { body: { ...GOOD, text: 'other text' }, headers });
    expect(first.status).toBe(202);
    expect(again).toMatchObject({ status: 202, body: { id: first.body['id'], duplicate: true, acceptedAt: first.body['acceptedAt'] } });
    // Keys are per account: the same key from another account is a new message.
    const other = await call('POST', '/v1/messages', { body: GOOD, headers, key: otherKey });
    expect(other.body['id']).not.toBe(first.body['id']);
    expectProblem(await call('POST', '/v1/messages', { body: { ...GOOD, idempotencyKey: 'another' }, headers }), 400, 'VALIDATION.IDEMPOTENCY_KEY_CONFLICT');
  });

  it('POST /v1/messages:batch answers each message on its own, with the gRPC codes', async () => {
    const a = await call('POST', '/v1/messages:batch', { body: { messages: [GOOD, { ...GOOD, to: 'not a number' }, { ...GOOD, from: 'NOTALLOWED' }, { ...GOOD, text: '' }] } });
    expect(a.status).toBe(200);
    expect(a.body.results?.map((r) => r['accepted']?.['status'] ?? r['error']?.['code'])).toEqual(['ACCEPTED', 'VALIDATION.INVALID_DESTINATION', 'POLICY.SENDER_NOT_ALLOWED', 'VALIDATION.EMPTY_TEXT']);
    expect(a.body.results?.[1]['error']).toEqual({ code: 'VALIDATION.INVALID_DESTINATION', field: 'to', message: expect.any(String) });
    expectProblem(await call('POST', '/v1/messages:batch', { body: { messages: [] } }), 400, 'VALIDATION.BATCH_SIZE');
    expectProblem(await call('POST', '/v1/messages:batch', { body: { messages: Array.from({ length: 21 }, () => GOOD) } }), 400, 'VALIDATION.BATCH_SIZE');
  });

  it('refuses with problem+json and the same codes as gRPC: validation, policy, rate limit (with Retry-After)', async () => {
    const bad = await call('POST', '/v1/messages', { body: { ...GOOD, to: 'x447911123456' } });
    expectProblem(bad, 400, 'VALIDATION.INVALID_DESTINATION');
    expect(bad.body).toMatchObject({ field: 'to', title: 'Invalid destination' });
    expect((await call('POST', '/v1/messages', { body: { ...GOOD, clientReference: 'r'.repeat(65) } })).body).toMatchObject({ code: 'VALIDATION.CLIENT_REFERENCE_TOO_LONG', field: 'clientReference' });
    expectProblem(await call('POST', '/v1/messages', { body: { ...GOOD, from: 'ACME' } }), 403, 'POLICY.SENDER_NOT_ALLOWED');
    expectProblem(await call('POST', '/v1/messages', { body: { ...GOOD, callbackUrl: 'http://127.0.0.1/hook' } }), 400, 'POLICY.CALLBACK_URL_NOT_ALLOWED');
    expect((await call('POST', '/v1/messages', { body: GOOD, key: limitedKey })).status).toBe(202);
    const limited = await call('POST', '/v1/messages', { body: GOOD, key: limitedKey });
    expectProblem(limited, 429, 'RATE.LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body['retryAfterMs']).toEqual(expect.any(Number));
  });
});

describe('HTTP API: OpenAPI', () => {
  it('serves the OpenAPI 3.1 document without a key', async () => {
    const a = await call('GET', '/v1/openapi.json', { key: null });
    expect({ status: a.status, type: a.type }).toEqual({ status: 200, type: 'application/json; charset=utf-8' });
    expect(a.body).toEqual(openApiDocument('1.0.0'));
  });
});

describe('HTTP API: authentication', () => {
  it('refuses calls without a valid key with 401, the AUTH code and WWW-Authenticate, before reading the body', async () => {
    const none = await call('POST', '/v1/messages', { body: GOOD, key: null });
    expectProblem(none, 401, 'AUTH.MISSING_KEY');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="smsgw"');
    expect(none.body['detail']).toMatch(/Authorization: Bearer/);
    expectProblem(await call('POST', '/v1/messages', { body: GOOD, headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, 'AUTH.MISSING_KEY');
    expectProblem(await call('POST', '/v1/messages', { body: GOOD, key: 'not-a-key' }), 401, 'AUTH.MALFORMED_KEY');
    expectProblem(await call('POST', '/v1/messages', { body: GOOD, key: `${key.slice(0, -4)}AAAA` }), 401, 'AUTH.INVALID_KEY');
    // No key and a body too large or not JSON: the key is checked first.
    expectProblem(await call('POST', '/v1/messages', { raw: '{not json', key: null }), 401, 'AUTH.MISSING_KEY');
    expectProblem(await call('GET', `/v1/messages/events?ids=x`, { key: null }), 401, 'AUTH.MISSING_KEY');
  });
});

describe('HTTP API: reading, cancelling and status events', () => {
  it('GET /v1/messages/{id} reads only the caller\'s own messages; cancel of an unknown id is 404', async () => {
    const sent = await call('POST', '/v1/messages', { body: { ...GOOD, clientReference: `read-${run}` } });
    const id = sent.body['id'] as string;
    // The status store is the dlr-processor's projection; project the accepted event as it would.
    await projectAccepted(pool, [await waitFor('the accepted event', () => accepted.get(id))]);
    const own = await call('GET', `/v1/messages/${id}`);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ id, status: 'ACCEPTED', to: '+447911123456', from: 'SMSGW', clientReference: `read-${run}`, acceptedAt: sent.body['acceptedAt'], metadata: {} });
    expectProblem(await call('GET', `/v1/messages/${id}`, { key: otherKey }), 404, 'MESSAGE.NOT_FOUND');
    expectProblem(await call('POST', `/v1/messages/${id}:cancel`, { key: otherKey }), 404, 'MESSAGE.NOT_FOUND');
    expect(await call('POST', `/v1/messages/${id}:cancel`)).toMatchObject({ status: 200, body: { canceled: false, status: 'ACCEPTED' } });
    expectProblem(await call('GET', `/v1/messages/01NOSUCHMESSAGE`), 404, 'MESSAGE.NOT_FOUND');
  });

  it('streams the current status as Server-Sent Events; another account sees nothing; no ids is 400', async () => {
    const sent = await call('POST', '/v1/messages', { body: GOOD });
    const id = sent.body['id'] as string;
    await projectAccepted(pool, [await waitFor('the accepted event', () => accepted.get(id))]);
    const read = async (path: string, apiKey: string, waitMs: number) => {
      const controller = new AbortController();
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${apiKey}` }, signal: controller.signal });
      let text = '';
      const reader = res.body!.getReader();
      const timer = setTimeout(() => controller.abort(), waitMs);
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += Buffer.from(value).toString();
          if (text.includes('"status":"ACCEPTED"')) break;
        }
      } catch {
        /* aborted */
      }
      clearTimeout(timer);
      controller.abort();
      return { res, text };
    };
    const own = await read(`/v1/messages/${id}/events`, key, 10_000);
    expect(own.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const data = /event: status\ndata: (.*)\n\n/.exec(own.text)?.[1];
    expect(JSON.parse(data ?? '{}')).toMatchObject({ id, status: 'ACCEPTED', updatedAt: expect.any(String) });
    const many = await read(`/v1/messages/events?ids=${id},${id}`, key, 10_000);
    expect(many.text).toContain(`"id":"${id}"`);
    const other = await read(`/v1/messages/events?ids=${id}`, otherKey, 1_500);
    expect(other.res.status).toBe(200);
    expect(other.text).not.toContain('event: status');
    expectProblem(await call('GET', '/v1/messages/events?ids=,'), 400, 'VALIDATION.WATCH_IDS');
    expectProblem(await call('GET', '/v1/messages/events'), 400, 'VALIDATION.WRONG_TYPE');
  });
});

describe('HTTP API: HTTP/2 (h2c) on the same port', () => {
  /** One request on an HTTP/2 session: status, content type and the JSON body (or the text of an event stream, up to `until`). */
  const h2 = (session: ClientHttp2Session, method: string, path: string, body?: unknown, until?: string) =>
    new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
      const stream = session.request({ ':method': method, ':path': path, authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) });
      let status = 0;
      let type = '';
      let text = '';
      stream.on('response', (h) => ((status = Number(h[':status'])), (type = String(h['content-type'] ?? ''))));
      stream.on('data', (c: Buffer) => {
        text += c.toString();
        if (until && text.includes(until)) stream.close();
      });
      stream.on('close', () => resolve({ status, type, text }));
      stream.on('error', reject);
      stream.end(body ? JSON.stringify(body) : undefined);
    });

  it('answers HTTP/2 clients (prior knowledge) and HTTP/1.1 clients on one port: many sends on one connection, problems, and an event stream', async () => {
    const session = connectHttp2(base);
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => h2(session, 'POST', '/v1/messages', { ...GOOD, clientReference: `h2-${run}-${i}` })));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
      const ids = answers.map((a) => JSON.parse(a.text).id as string);
      expect(new Set(ids).size).toBe(20);
      await waitFor('the accepted events', () => (ids.every((id) => accepted.get(id)?.channel === Channel.HTTP) ? true : undefined));

      const refused = await h2(session, 'POST', '/v1/messages', { ...GOOD, to: 'nope' });
      expect({ status: refused.status, type: refused.type, code: JSON.parse(refused.text).code }).toEqual({ status: 400, type: 'application/problem+json; charset=utf-8', code: 'VALIDATION.INVALID_DESTINATION' });

      await projectAccepted(pool, [accepted.get(ids[0])!]);
      const events = await h2(session, 'GET', `/v1/messages/${ids[0]}/events`, undefined, '"status":"ACCEPTED"');
      expect(events.type).toBe('text/event-stream; charset=utf-8');
      expect(events.text).toContain(`"id":"${ids[0]}"`);
    } finally {
      session.close();
    }
    // The same port still speaks HTTP/1.1.
    expect((await call('POST', '/v1/messages', { body: GOOD })).status).toBe(202);
  });
});

describe('HTTP API: hostile input', () => {
  it('answers malformed bodies with a clear problem, never a 500', async () => {
    expectProblem(await call('POST', '/v1/messages', { raw: '{"to": "+447911123456",' }), 400, 'HTTP.INVALID_JSON');
    expectProblem(await call('POST', '/v1/messages', { raw: '' }), 400, 'HTTP.INVALID_JSON');
    expectProblem(await call('POST', '/v1/messages', { raw: '{"__proto__": {"admin": true}}' }), 400, 'HTTP.INVALID_JSON');
    expectProblem(await call('POST', '/v1/messages', { raw: 'to=+447911123456', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'HTTP.UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await call('POST', '/v1/messages', { raw: JSON.stringify(GOOD), headers: { 'content-type': 'text/plain' } }), 415, 'HTTP.UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await call('POST', '/v1/messages', { body: { ...GOOD, text: 'x'.repeat(2 << 20) } }), 413, 'HTTP.BODY_TOO_LARGE');
    expectProblem(await call('POST', '/v1/messages:batch', { raw: Buffer.alloc(17 << 20, 0x20) }), 413, 'HTTP.BODY_TOO_LARGE');
    expectProblem(await call('POST', '/v1/messages'), 400, 'VALIDATION.WRONG_TYPE');
    expectProblem(await call('POST', '/v1/messages', { body: [GOOD] }), 400, 'VALIDATION.WRONG_TYPE');
    expect((await call('POST', '/v1/messages', { body: { ...GOOD, to: 447911123456 } })).body).toMatchObject({ code: 'VALIDATION.WRONG_TYPE', field: 'to', detail: 'to must be string' });
    expect((await call('POST', '/v1/messages', { body: { ...GOOD, validitySeconds: '60' } })).body).toMatchObject({ code: 'VALIDATION.WRONG_TYPE', field: 'validitySeconds' });
    expect((await call('POST', '/v1/messages', { body: { ...GOOD, priority: 'URGENT' } })).body).toMatchObject({ code: 'VALIDATION.WRONG_TYPE', field: 'priority' });
    expect((await call('POST', '/v1/messages', { body: { ...GOOD, metadata: { n: 1 } } })).body).toMatchObject({ code: 'VALIDATION.WRONG_TYPE', field: 'metadata.n' });
    expect((await call('POST', '/v1/messages:batch', { body: { messages: [GOOD, { ...GOOD, smartEncoding: 'yes' }] } })).body).toMatchObject({ code: 'VALIDATION.WRONG_TYPE', field: 'messages[1].smartEncoding' });
    // Unknown fields are refused, never dropped: a misspelt field must not go unnoticed.
    const unknown = await call('POST', '/v1/messages', { body: { ...GOOD, client_reference: 'r1' } });
    expectProblem(unknown, 400, 'VALIDATION.UNKNOWN_FIELD');
    expect(unknown.body).toMatchObject({ field: 'client_reference', detail: expect.stringContaining('clientReference') });
    expectProblem(await call('GET', '/v1/nothing-here'), 404, 'HTTP.NOT_FOUND');
    expectProblem(await call('DELETE', '/v1/messages'), 404, 'HTTP.NOT_FOUND');
  });

  it('answers any JSON value with 202 or a problem with a code (property test)', async () => {
    const field = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }));
    const body = fc.oneof(fc.jsonValue(), fc.record({ to: field, from: field, text: field, sendAtMs: field, metadata: field, priority: field }, { requiredKeys: [] }));
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const a = await call('POST', '/v1/messages', { raw: JSON.stringify(value) ?? 'null' });
        if (a.status === 202) return;
        expect(a.status).toBeGreaterThanOrEqual(400);
        expect(a.status).toBeLessThan(500);
        expect(a.type).toBe('application/problem+json; charset=utf-8');
        expect(a.body['code']).toMatch(/^[A-Z]+\.[A-Z_]+$/);
      }),
      { numRuns: 150 },
    );
  });
});
