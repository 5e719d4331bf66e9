// GET /v1/account, /v1/usage, /v1/inbound and /v1/inbound/events over real HTTP against a whole
// ingest in-process (real Kafka, PostgreSQL, Redis). Inbound rows are written with the store the
// dlr-processor's inbound router uses (recordInbound), usage rows as its status projection would.
import 'reflect-metadata';
import { Metadata, credentials, loadPackageDefinition, type ClientReadableStream } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { INestApplication } from '@nestjs/common';
import { createAccount, creditAccount, setPolicy } from '@smsgw/accounts/data-access-store';
import { DEFAULT_POLICY } from '@smsgw/accounts/domain';
import { freePort } from '@smsgw/shared/data-access-db';
import { setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { PG_POOL, startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { InboundAction, MessageStatus, PROTO_ROOT, type CallerAccount, type InboundSms, type Usage } from '@smsgw/shared/util-proto';
import { recordInbound, type InboundRecord } from '@smsgw/twoway/data-access-store';
import type { Pool } from 'pg';
import { AppModule } from '../app.module';
import { INGEST_ENV } from '../env';
import { grpcOptions } from '../grpc/grpc-options';
import { HttpApiServer } from './http-api.server';

jest.setTimeout(120_000);

const run = `${Date.now().toString(36)}${process.pid}`;
const PREFIX = `it-http-in-${run}.`;
const tag = String(Date.now()).slice(-6);
const NUMBER = `447700${tag}`;
const HANDSET = `+447911${tag}`;
const OTHER_HANDSET = `+447922${tag}`;
const names = [`http-in-${run}`, `http-in-other-${run}`];

let app: INestApplication;
let pool: Pool;
let base: string;
let key: string;
let otherKey: string;
let accountId: string;
let otherId: string;
let n = 0;
let grpcTarget: string;

interface Answer {
  status: number;
  type: string;
  headers: Headers;
  body: Record<string, unknown>;
}

async function get(path: string, apiKey: string | null = key): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { headers: apiKey === null ? {} : { authorization: `Bearer ${apiKey}` } });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: text ? JSON.parse(text) : {} };
}

function expectProblem(a: Answer, status: number, code: string): void {
  expect({ status: a.status, type: a.type, code: a.body['code'] }).toEqual({ status, type: 'application/problem+json; charset=utf-8', code });
  expect(a.body).toMatchObject({ type: `urn:smsgw:problem:${code}`, title: expect.any(String), status, detail: expect.any(String) });
}

/** A routed inbound message, stored as the inbound router stores it; ids sort by time like ULIDs. */
function inbound(account: string, from: string, text: string, extra: Partial<InboundRecord> = {}): InboundRecord {
  return { id: `IT${run}${String(n++).padStart(4, '0')}`.toUpperCase(), accountId: account, carrierId: 'demo', from, to: NUMBER, text, action: InboundAction.UNSPECIFIED, keyword: '', relatedMessageId: '', autoReplyMessageId: '', receivedAtMs: Date.now(), ...extra };
}

beforeAll(async () => {
  setTopicPrefix(PREFIX);
  const config = loadConfig(INGEST_ENV, { ...process.env, LOG_LEVEL: 'fatal', KAFKA_TOPIC_PREFIX: PREFIX });
  const logger = createLogger({ app: 'ingest-it', level: 'fatal' });
  grpcTarget = `127.0.0.1:${await freePort()}`;
  app = await startService({ module: AppModule.register({ logger, registry: createMetricsRegistry('ingest'), config }), logger, httpPort: 0, grpc: grpcOptions(grpcTarget) });
  base = `http://127.0.0.1:${await app.get(HttpApiServer).listen(0, '127.0.0.1')}`;
  pool = app.get<Pool>(PG_POOL);
  const [a, b] = await Promise.all(names.map((name) => createAccount(pool, name)));
  [key, otherKey, accountId, otherId] = [a.apiKey, b.apiKey, a.account.id, b.account.id];
  await setPolicy(pool, names[0], { ...DEFAULT_POLICY, senders: ['SMSGW'], ratePerSecond: 50, rateBurst: 100 });
});

afterAll(async () => {
  const ids = [accountId, otherId];
  await pool?.query('DELETE FROM inbound_messages WHERE account_id = ANY($1)', [ids]);
  await pool?.query('DELETE FROM messages WHERE client_id = ANY($1)', [ids]);
  await pool?.query('DELETE FROM account_ledger WHERE account_id = ANY($1)', [ids]);
  await pool?.query('DELETE FROM account_balances WHERE account_id = ANY($1)', [ids]);
  await pool?.query('DELETE FROM api_keys WHERE account_id = ANY($1)', [ids]);
  await pool?.query('DELETE FROM account_policies WHERE account_id = ANY($1)', [ids]);
  await pool?.query('DELETE FROM accounts WHERE id = ANY($1)', [ids]);
  await app?.close();
});

describe('GET /v1/account', () => {
  it('names the key\'s account, its policy and today\'s usage', async () => {
    const today = new Date().toISOString().slice(0, 10);
    await pool.query(`INSERT INTO messages (id, status, status_rank, to_number, sender, segment_count, accepted_at, client_id) VALUES ($1, $2, 0, $3, 'SMSGW', 2, now(), $4), ($5, $2, 0, $3, 'SMSGW', 1, now() - interval '3 days', $4)`, [
      `it-acc-${run}-1`,
      MessageStatus.DELIVERED,
      HANDSET,
      accountId,
      `it-acc-${run}-2`,
    ]);
    const a = await get('/v1/account');
    expect({ status: a.status, type: a.type }).toEqual({ status: 200, type: 'application/json; charset=utf-8' });
    expect(a.body).toEqual({
      accountId,
      accountName: names[0],
      keyId: expect.any(String),
      policy: expect.objectContaining({ senders: ['SMSGW'], countries: [], ratePerSecond: 50, rateBurst: 100, pumpingMode: 'refuse', callbackHttp: false }),
      usageToday: { accountId, fromDay: today, toDay: today, rows: [{ day: today, status: 'DELIVERED', messages: 1, segments: 2 }], spend: [] },
    });
    expect(key).toContain(`_${a.body['keyId']}_`);
    expect((await get('/v1/account', otherKey)).body).toMatchObject({ accountId: otherId, accountName: names[1], usageToday: { rows: [] } });
  });

  it('refuses a missing or wrong key with 401 problem+json', async () => {
    const none = await get('/v1/account', null);
    expectProblem(none, 401, 'AUTH.MISSING_KEY');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="smsgw"');
    expectProblem(await get('/v1/account', `${key.slice(0, -4)}AAAA`), 401, 'AUTH.INVALID_KEY');
  });
});

describe('GET /v1/usage', () => {
  it('counts by day and status over the range asked, and refuses a bad range with its code', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const a = await get(`/v1/usage?fromDay=2020-01-01&toDay=2020-01-31`);
    expect(a).toMatchObject({ status: 200, body: { accountId, fromDay: '2020-01-01', toDay: '2020-01-31', rows: [] } });
    const month = await get('/v1/usage');
    expect(month.body['toDay']).toBe(today);
    expect((month.body['rows'] as { segments: number }[]).map((r) => r.segments).sort()).toEqual([1, 2]);
    expectProblem(await get('/v1/usage?fromDay=2026-12-02&toDay=2026-12-01'), 400, 'ACCOUNT.INVALID_USAGE_RANGE');
    expectProblem(await get('/v1/usage?from=2026-12-01'), 400, 'VALIDATION.UNKNOWN_FIELD');
    expectProblem(await get('/v1/usage', null), 401, 'AUTH.MISSING_KEY');
  });

  it("shows a prepaid account's spend by day and currency beside its messages, and none for an unlimited one", async () => {
    const today = new Date().toISOString().slice(0, 10);
    expect((await get('/v1/usage')).body['spend']).toEqual([]);
    await creditAccount(pool, otherId, 2_500_000, 'EUR', 'it');
    expect((await get('/v1/usage', otherKey)).body['spend']).toEqual([{ day: today, currency: 'EUR', reservedMicros: 0, settledMicros: 0, refundedMicros: 0, creditedMicros: 2_500_000 }]);
  });
});

describe('GET /v1/inbound', () => {
  const mine: InboundRecord[] = [];

  beforeAll(async () => {
    mine.push(
      inbound(accountId, HANDSET, 'first', { receivedAtMs: Date.parse('2026-01-01T10:00:00Z') }),
      inbound(accountId, OTHER_HANDSET, 'second', { relatedMessageId: 'MSG-REPLIED-TO' }),
      inbound(accountId, HANDSET, 'STOP', { action: InboundAction.OPT_OUT, keyword: 'STOP', autoReplyMessageId: 'MSG-AUTO' }),
    );
    await recordInbound(pool, [...mine, inbound(otherId, HANDSET, 'not yours')], []);
  });

  it('lists the caller\'s inbound messages newest first with the protos\' JSON names; another account\'s are not there', async () => {
    const a = await get('/v1/inbound');
    expect({ status: a.status, type: a.type }).toEqual({ status: 200, type: 'application/json; charset=utf-8' });
    expect(a.body['nextCursor']).toBe('');
    const messages = a.body['messages'] as Record<string, unknown>[];
    expect(messages.map((m) => m['text'])).toEqual(['STOP', 'second', 'first']);
    expect(messages[0]).toEqual({ id: mine[2].id, from: HANDSET, to: NUMBER, text: 'STOP', receivedAtMs: mine[2].receivedAtMs, relatedMessageId: '', action: 'opt_out', keyword: 'STOP', autoReplyMessageId: 'MSG-AUTO', carrier: 'demo' });
    expect(messages[1]).toMatchObject({ relatedMessageId: 'MSG-REPLIED-TO', action: 'message' });
    const other = await get('/v1/inbound', otherKey);
    expect((other.body['messages'] as { text: string }[]).map((m) => m.text)).toEqual(['not yours']);
  });

  it('pages with the cursor, and filters by handset, number and time', async () => {
    const texts = (a: Answer) => (a.body['messages'] as { text: string }[]).map((m) => m.text);
    const first = await get('/v1/inbound?limit=2');
    expect(texts(first)).toEqual(['STOP', 'second']);
    expect(first.body['nextCursor']).toMatch(/^\d+$/);
    const next = await get(`/v1/inbound?limit=2&cursor=${first.body['nextCursor']}`);
    expect([texts(next), next.body['nextCursor']]).toEqual([['first'], '']);
    expect(texts(await get(`/v1/inbound?from=${HANDSET.slice(1)}`))).toEqual(['STOP', 'first']);
    expect(texts(await get(`/v1/inbound?to=%2B${NUMBER}&since=2026-06-01T00:00:00Z`))).toEqual(['STOP', 'second']);
    expect(texts(await get(`/v1/inbound?to=447700000000`))).toEqual([]);
  });

  it('refuses bad parameters naming them, unknown ones, and callers without a key', async () => {
    expect((await get('/v1/inbound?limit=1000')).body).toMatchObject({ status: 400, code: 'VALIDATION.INVALID_LIMIT', field: 'limit' });
    expect((await get('/v1/inbound?cursor=abc')).body).toMatchObject({ status: 400, code: 'VALIDATION.INVALID_CURSOR', field: 'cursor' });
    expect((await get('/v1/inbound?since=yesterday')).body).toMatchObject({ status: 400, code: 'VALIDATION.INVALID_SINCE', field: 'since' });
    expectProblem(await get('/v1/inbound?number=1'), 400, 'VALIDATION.UNKNOWN_FIELD');
    expectProblem(await get('/v1/inbound', null), 401, 'AUTH.MISSING_KEY');
    expectProblem(await get('/v1/inbound', 'not-a-key'), 401, 'AUTH.MALFORMED_KEY');
    expectProblem(await get('/v1/inbound/events', null), 401, 'AUTH.MISSING_KEY');
  });
});

describe('GET /v1/inbound/events', () => {
  /** The stream's text until `until` shows in it or `waitMs` passes; stored is written once the stream is open. */
  async function stream(path: string, apiKey: string, until: string, waitMs: number, whenOpen: () => Promise<unknown>): Promise<{ res: Response; text: string }> {
    const controller = new AbortController();
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${apiKey}` }, signal: controller.signal });
    const reader = res.body!.getReader();
    const timer = setTimeout(() => controller.abort(), waitMs);
    let text = '';
    let opened = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
        if (!opened && text.includes(': smsgw')) {
          opened = true;
          await new Promise((r) => setTimeout(r, 300)); // past the first poll: the stream has its cursor
          await whenOpen();
        }
        if (text.includes(until)) break;
      }
    } catch {
      /* aborted */
    }
    clearTimeout(timer);
    controller.abort();
    return { res, text };
  }

  it('streams each new inbound message of the caller\'s account as it is stored, with its id as the event id; not another account\'s', async () => {
    const reply = inbound(accountId, HANDSET, 'a live reply', { relatedMessageId: 'MSG-LIVE' });
    const own = await stream('/v1/inbound/events', key, 'a live reply', 15_000, () => recordInbound(pool, [reply], []));
    expect(own.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = [...own.text.matchAll(/event: inbound\nid: (\S+)\ndata: (.*)\n\n/g)];
    // Only what was stored after the stream opened: none of the earlier messages.
    expect(events.map((e) => e[1])).toEqual([reply.id]);
    expect(JSON.parse(events[0][2])).toMatchObject({ id: reply.id, from: HANDSET, to: NUMBER, text: 'a live reply', relatedMessageId: 'MSG-LIVE', action: 'message' });

    const theirs = inbound(accountId, HANDSET, 'for the first account only');
    const other = await stream('/v1/inbound/events', otherKey, 'for the first account only', 2_000, () => recordInbound(pool, [theirs], []));
    expect(other.res.status).toBe(200);
    expect(other.text).not.toContain('event: inbound');
  });

  it('resumes after afterId: a reconnecting client gets what it missed, in order', async () => {
    const [missed1, missed2] = [inbound(accountId, HANDSET, 'missed one'), inbound(accountId, HANDSET, 'missed two')];
    const page = await get('/v1/inbound?limit=1');
    const lastSeen = (page.body['messages'] as { id: string }[])[0].id;
    await recordInbound(pool, [missed1, missed2], []);
    const resumed = await stream(`/v1/inbound/events?afterId=${lastSeen}`, key, 'missed two', 15_000, async () => undefined);
    expect([...resumed.text.matchAll(/event: inbound\nid: (\S+)\n/g)].map((e) => e[1])).toEqual([missed1.id, missed2.id]);
  });
});

describe('gRPC beside it', () => {
  it('GetCallerAccount names the account; WatchInbound streams from the same watch as the HTTP events', async () => {
    const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, defaults: true, oneofs: true });
    type Client = {
      getCallerAccount(req: object, md: Metadata, cb: (err: Error | null, res: CallerAccount) => void): void;
      watchInbound(req: object, md: Metadata): ClientReadableStream<InboundSms>;
      close(): void;
    };
    const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (t: string, c: unknown) => Client } } };
    const client = new pkg.sms.v1.SmsService(grpcTarget, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${key}`);
    try {
      const caller = await new Promise<CallerAccount>((resolve, reject) => client.getCallerAccount({}, metadata, (err, res) => (err ? reject(err) : resolve(res))));
      expect(caller).toMatchObject({ accountId, accountName: names[0] });
      const newest = ((await get('/v1/inbound?limit=1')).body['messages'] as { id: string }[])[0].id;
      const stream = client.watchInbound({ afterId: newest }, metadata);
      const got: InboundSms[] = [];
      stream.on('data', (m: InboundSms) => got.push(m));
      stream.on('error', () => undefined); // the cancel below
      const later = inbound(accountId, HANDSET, 'over gRPC too');
      await recordInbound(pool, [later], []);
      const deadline = Date.now() + 10_000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      stream.cancel();
      expect(got.map((m) => [m.id, m.text, m.action])).toEqual([[later.id, 'over gRPC too', 'message']]);
    } finally {
      client.close();
    }
  });

  it('GetUsage carries the spend rows GET /v1/usage shows', async () => {
    const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, defaults: true, oneofs: true });
    type Client = { getUsage(req: object, md: Metadata, cb: (err: Error | null, res: Usage) => void): void; close(): void };
    const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (t: string, c: unknown) => Client } } };
    const client = new pkg.sms.v1.SmsService(grpcTarget, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${otherKey}`);
    try {
      const usage = await new Promise<Usage>((resolve, reject) => client.getUsage({}, metadata, (err, res) => (err ? reject(err) : resolve(res))));
      expect(usage.spend).toEqual([expect.objectContaining({ currency: 'EUR', creditedMicros: 2_500_000 })]);
      expect(usage.spend).toEqual((await get('/v1/usage', otherKey)).body['spend']);
    } finally {
      client.close();
    }
  });
});
