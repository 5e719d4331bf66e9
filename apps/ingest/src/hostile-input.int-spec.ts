// Hostile input against ingest's real gRPC server (the whole app in-process, real Kafka and
// PostgreSQL) and its real sms.submit.v1 consumer: every input gets an answer with a code (or a
// record on sms.submit.rejected.v1 with one), nothing crashes, and good input still goes through.
import 'reflect-metadata';
import { Metadata, credentials, loadPackageDefinition, status, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { INestApplication } from '@nestjs/common';
import { createAccount } from '@smsgw/accounts/data-access-store';
import { freePort } from '@smsgw/shared/data-access-db';
import { TOPICS, setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { PG_POOL, startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { PROTO_ROOT, SendRequest, SubmitRejected } from '@smsgw/shared/util-proto';
import fc from 'fast-check';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { Pool } from 'pg';
import { AppModule } from './app.module';
import { INGEST_ENV } from './env';
import { grpcOptions } from './grpc/grpc-options';

jest.setTimeout(120_000);

const run = `${Date.now().toString(36)}${process.pid}`;
const PREFIX = `it-hostile-${run}.`;
const MAX_BATCH = 20;
const MAX_TEXT = 1600;
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const GOOD = { to: '+447911123456', from: 'SMSGW', text: 'Your code is 123456' };

type Unary = (req: unknown, md: Metadata, cb: (err: ServiceError | null, res: Record<string, unknown>) => void) => void;
let app: INestApplication;
let client: Record<string, Unary> & { close(): void };
let newClient: () => typeof client;
const metadata = new Metadata();

const call = (method: 'send' | 'sendBatch', req: unknown) =>
  new Promise<{ ok: Record<string, unknown> } | { error: ServiceError }>((resolve) => client[method].call(client, req, metadata, (error, ok) => resolve(error ? { error } : { ok })));

/** An answer a client can act on: accepted, or INVALID_ARGUMENT ending with a stable code. */
function expectAnswered(answer: Awaited<ReturnType<typeof call>>): void {
  if ('ok' in answer) return;
  expect({ code: answer.error.code, details: answer.error.details }).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/\[[A-Z]+\.[A-Z_]+\]$/) });
}

async function refusedWith(req: Partial<SendRequest>): Promise<string> {
  const answer = await call('send', { ...GOOD, ...req });
  if ('ok' in answer) return 'accepted';
  expectAnswered(answer);
  return /\[([A-Z_.]+)\]$/.exec(answer.error.details)?.[1] ?? '';
}


/** An sms.submit.v1 record's account and key. */
let submitHeaders: Record<string, string> = {};

beforeAll(async () => {
  setTopicPrefix(PREFIX);
  const config = loadConfig(INGEST_ENV, { ...process.env, LOG_LEVEL: 'fatal', KAFKA_TOPIC_PREFIX: PREFIX, INGEST_MAX_BATCH: String(MAX_BATCH), INGEST_MAX_TEXT_LENGTH: String(MAX_TEXT) });
  const grpcPort = await freePort();
  app = await startService({
    module: AppModule.register({ logger: createLogger({ app: 'ingest-it', level: 'fatal' }), registry: createMetricsRegistry('ingest'), config }),
    logger: createLogger({ app: 'ingest-it', level: 'fatal' }),
    httpPort: 0,
    grpc: grpcOptions(`127.0.0.1:${grpcPort}`),
  });
  const { apiKey, account } = await createAccount(app.get<Pool>(PG_POOL), `hostile-${run}`);
  metadata.set('authorization', `Bearer ${apiKey}`);
  submitHeaders = { authorization: `Bearer ${apiKey}`, 'smsgw-account': account.id };
  const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, defaults: true, oneofs: true });
  const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (t: string, c: unknown, o: object) => typeof client } } };
  newClient = () => new pkg.sms.v1.SmsService(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { 'grpc.max_send_message_length': 32 * 1024 * 1024, 'grpc.use_local_subchannel_pool': 1 });
  client = newClient();
});
afterAll(async () => {
  client?.close();
  await app?.get<Pool>(PG_POOL).query('DELETE FROM api_keys WHERE account_id IN (SELECT id FROM accounts WHERE name = $1)', [`hostile-${run}`]);
  await app?.get<Pool>(PG_POOL).query('DELETE FROM accounts WHERE name = $1', [`hostile-${run}`]);
  await app?.close();
});

describe('gRPC Send and SendBatch with hostile input', () => {
  it('refuses each hostile field with INVALID_ARGUMENT and its code', async () => {
    const cases: [Partial<SendRequest>, string][] = [
      [{ text: '' }, 'VALIDATION.EMPTY_TEXT'],
      [{ text: 'x'.repeat(MAX_TEXT + 1) }, 'VALIDATION.TEXT_TOO_LONG'],
      [{ text: '€'.repeat(4 * 1024 * 1024) }, 'VALIDATION.TEXT_TOO_LONG'], // 12 MB on the wire
      [{ text: 'nul \u0000 and bell \u0007' }, 'VALIDATION.INVALID_TEXT'],
      [{ to: 'x447911123456' }, 'VALIDATION.INVALID_DESTINATION'],
      [{ to: '+' }, 'VALIDATION.INVALID_DESTINATION'],
      [{ to: '' }, 'VALIDATION.INVALID_DESTINATION'],
      [{ to: '+٤٤٧٩١١١٢٣٤٥٦' }, 'VALIDATION.INVALID_DESTINATION'],
      [{ to: '+44791112345678901234567890' }, 'VALIDATION.INVALID_DESTINATION'],
      [{ to: '9'.repeat(200_000) }, 'VALIDATION.INVALID_DESTINATION'],
      [{ to: '+44\u00007911123456' }, 'VALIDATION.INVALID_DESTINATION'],
      [{ from: 'A\u0007B' }, 'VALIDATION.INVALID_SENDER'],
      [{ from: 'Z'.repeat(100_000) }, 'VALIDATION.INVALID_SENDER'],
      [{ clientReference: 'r'.repeat(100_000) }, 'VALIDATION.CLIENT_REFERENCE_TOO_LONG'],
      [{ metadata: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'v'])) }, 'VALIDATION.METADATA_TOO_LARGE'],
      [{ metadata: { big: 'v'.repeat(1_000_000) } }, 'VALIDATION.METADATA_TOO_LARGE'],
      [{ sendAtMs: Number.MAX_SAFE_INTEGER }, 'VALIDATION.SEND_AT_TOO_FAR'],
      [{ sendAtMs: Date.now() + 400 * 24 * 3_600_000 }, 'VALIDATION.SEND_AT_TOO_FAR'],
    ];
    for (const [req, code] of cases) expect([Object.keys(req)[0], await refusedWith(req)]).toEqual([Object.keys(req)[0], code]);
    // Above the gRPC request limit (16 MiB): refused by grpc-js before ingest reads it. On a
    // connection of its own: the client's HTTP/2 session (10 MB of memory in Node) refuses its next calls.
    const own = newClient();
    const huge = await new Promise<ServiceError | null>((resolve) => own.send.call(own, { ...GOOD, text: 'x'.repeat(17 * 1024 * 1024) }, metadata, (err) => resolve(err)));
    own.close();
    expect(huge?.code).toBe(status.RESOURCE_EXHAUSTED);
    // A lone surrogate cannot cross the wire: grpc-js writes it as ED A0 80, which is not UTF-8,
    // and the server reads U+FFFD for each byte (validateSend refuses it from in-process callers).
    expect(await refusedWith({ text: 'lone \uD800 surrogate' })).toBe('accepted');
    // The far past means now (documented): accepted.
    expect(await refusedWith({ sendAtMs: 1 })).toBe('accepted');
    expect(await refusedWith({ sendAtMs: -8_640_000_000_000_000 })).toBe('accepted');
    expect('ok' in (await call('send', GOOD))).toBe(true);
  });

  it('answers any mix of hostile fields with an acceptance or a coded refusal, never an error of its own', async () => {
    const hostileString = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('', '+', '\u0000', '\uD800', '\uDFFF x', '٤٤٧', '+447911123456', '07911 123456', '+44 (0) 7911-123.456', ' '),
      fc.integer({ min: 1, max: 60 }).map((n) => '7'.repeat(n)),
    );
    const request = fc.record({
      to: hostileString,
      from: fc.oneof(hostileString, fc.constant('SMSGW')),
      text: fc.oneof(hostileString, fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: MAX_TEXT - 2, max: MAX_TEXT + 2 }).map((n) => 'a'.repeat(n))),
      clientReference: fc.oneof(fc.constant(''), hostileString, fc.constant('r'.repeat(65))),
      metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 300 }), { maxKeys: 20 }),
      sendAtMs: fc.oneof(fc.constant(0), fc.integer({ min: -1e15, max: 1e15 })),
      validitySeconds: fc.nat({ max: 10 * 24 * 3600 }),
    });
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        expectAnswered(await call('send', req));
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 5 }), async (messages) => {
        const answer = await call('sendBatch', { messages });
        expectAnswered(answer);
        if ('ok' in answer) {
          const results = answer.ok['results'] as { accepted?: unknown; error?: { code: string; field: string } }[];
          expect(results).toHaveLength(messages.length);
          for (const r of results) if (!r.accepted) expect(r.error).toEqual(expect.objectContaining({ code: expect.stringMatching(/^[A-Z]+\.[A-Z_]+$/) }));
        }
      }),
      { numRuns: 15 },
    );
    expect('ok' in (await call('send', GOOD))).toBe(true);
  });

  it('refuses an empty or oversized SendBatch with a code, and answers per message within one', async () => {
    expect(await call('sendBatch', { messages: [] })).toEqual({ error: expect.objectContaining({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/\[VALIDATION.BATCH_SIZE\]$/) }) });
    const tooMany = await call('sendBatch', { messages: Array.from({ length: MAX_BATCH + 1 }, () => GOOD) });
    expect(tooMany).toEqual({ error: expect.objectContaining({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/\[VALIDATION.BATCH_SIZE\]$/) }) });
    const mixed = await call('sendBatch', { messages: [GOOD, { ...GOOD, to: '+' }, { ...GOOD, text: '' }] });
    expect('ok' in mixed && mixed.ok['results']).toEqual([
      expect.objectContaining({ accepted: expect.objectContaining({ id: expect.any(String) }) }),
      expect.objectContaining({ error: expect.objectContaining({ code: 'VALIDATION.INVALID_DESTINATION', field: 'to' }) }),
      expect.objectContaining({ error: expect.objectContaining({ code: 'VALIDATION.EMPTY_TEXT', field: 'text' }) }),
    ]);
  });
});

describe('sms.submit.v1 with random and truncated bytes', () => {
  const kafka = new Kafka({ brokers, clientId: 'ingest-hostile-it', logLevel: logLevel.NOTHING });
  let consumer: Consumer | undefined;
  afterAll(async () => consumer?.disconnect());

  it('sets every undecodable or invalid event aside with a reason, and accepts the good event after them', async () => {
    const good = SendRequest.encode(SendRequest.create({ ...GOOD, clientReference: `good-${run}` })).finish();
    const bad = fc.sample(
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: 1, max: good.length - 1 }).map((n) => good.slice(0, n)),
        fc.constant(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])), // a length beyond the record
        fc.constant(Uint8Array.from([0x0a, 0x03, 0xed, 0xa0, 0x80])), // to: a lone surrogate in UTF-8
      ),
      { numRuns: 40, seed: 18 },
    );
    const rejected = new Map<string, SubmitRejected>();
    let goodAccepted = false;
    consumer = kafka.consumer({ groupId: `hostile-watch-${run}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPICS.submitRejected.name, TOPICS.accepted.name], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === TOPICS.submitRejected.name) rejected.set(message.key?.toString() ?? '', SubmitRejected.decode(message.value ?? Buffer.alloc(0)));
        else if (message.value?.includes(Buffer.from(`good-${run}`))) goodAccepted = true;
      },
    });
    const producer = kafka.producer();
    await producer.connect();
    // One partition's worth: the good event comes after every bad one in the same partition.
    await producer.send({
      topic: TOPICS.submit.name,
      acks: -1,
      messages: [...bad.map((value, i) => ({ key: `bad-${i}`, value: Buffer.from(value), partition: 0, headers: submitHeaders })), { key: 'good', value: Buffer.from(good), partition: 0, headers: submitHeaders }],
    });
    await producer.disconnect();
    const decodes = (value: Uint8Array) => {
      try {
        SendRequest.decode(value);
        return true;
      } catch {
        return false;
      }
    };
    // The rejections topic is read apart from sms.accepted.v1: wait for both, not for the good event only.
    const settled = () => goodAccepted && bad.every((value, i) => rejected.has(`bad-${i}`) || decodes(value));
    const until = Date.now() + 60_000;
    while (!settled() && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(goodAccepted).toBe(true);
    // Bytes that happen to decode as a good request are accepted; every other one is set aside.
    const notRejected = bad.filter((_, i) => !rejected.has(`bad-${i}`));
    for (const value of notRejected) expect(() => SendRequest.decode(value)).not.toThrow();
    expect(rejected.size).toBeGreaterThan(bad.length / 2);
    for (const r of rejected.values()) expect(r).toEqual(expect.objectContaining({ code: expect.stringMatching(/^(SUBMIT\.UNDECODABLE|VALIDATION\.[A-Z_]+)$/), reason: expect.any(String) }));
  });
});
