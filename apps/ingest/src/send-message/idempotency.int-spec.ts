// Idempotency keys on every channel, against the real Kafka and PostgreSQL: ingest's whole app
// (no gRPC server; the use case and the sms.submit.v1 consumer are called as the transports call
// them, and the consumer also runs on its own topic). Own topic prefix and keys per run.
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TOPICS, setTopicPrefix, type ConsumedFetch, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { createAccount } from '@smsgw/accounts/data-access-store';
import { PG_POOL } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry, type Registry } from '@smsgw/shared/util-metrics';
import { Channel, MessageAccepted, SendRequest } from '@smsgw/shared/util-proto';
import type { KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { AppModule } from '../app.module';
import { INGEST_ENV } from '../env';
import { AppProducer } from '@smsgw/shared/feature-ops';
import { IdempotencySweeper } from './idempotency.sweeper';
import { SendMessageService, UNCONFIRMED_TAKEOVER_MS } from './send-message.service';
import { SubmitEventsConsumer } from './submit-events.consumer';
import { published as publishedBy } from '../testing/published';

jest.setTimeout(120_000);

const run = `${Date.now().toString(36)}${process.pid}`;
setTopicPrefix(`it-idem-${run}.`);
const config = loadConfig(INGEST_ENV, { ...process.env, LOG_LEVEL: 'warn', INGEST_IDEMPOTENCY_RETENTION_SECONDS: '3600', KAFKA_TOPIC_PREFIX: `it-idem-${run}.` });
const logger = createLogger({ app: 'ingest-it', level: 'warn' });
let app: INestApplicationContext;
let registry: Registry;
let pool: Pool;
let sending: SendMessageService;
const key = (name: string) => `it-${run}-${name}`;
const request = (over: Partial<SendRequest> = {}) => SendRequest.create({ to: '+447911123456', from: 'SMSGW', text: 'Your code is 123456', ...over });

/** Statements on idempotency_keys while `work` runs. */
async function idempotencyStatements<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const query = pool.query.bind(pool);
  let statements = 0;
  const spy = jest.spyOn(pool, 'query').mockImplementation(((text: unknown, ...rest: unknown[]) => {
    if (typeof text === 'string' && text.includes('idempotency_keys')) statements++;
    return (query as (...a: unknown[]) => unknown)(text, ...rest);
  }) as never);
  try {
    return { result: await work(), statements };
  } finally {
    spy.mockRestore();
  }
}

const published = (work: () => Promise<unknown>) => publishedBy(app, work);

let offset = 0;
/** The account the sms.submit.v1 records are sent as (their headers name it and carry its key). */
let account: { id: string; apiKey: string };
const record = (value: SendRequest): KafkaMessage =>
  ({ key: null, value: Buffer.from(SendRequest.encode(value).finish()), offset: String(offset++), timestamp: String(Date.now()), attributes: 0, headers: { authorization: `Bearer ${account.apiKey}`, 'smsgw-account': account.id } }) as KafkaMessage;
const fetchOf = (...messages: KafkaMessage[][]): ConsumedFetch => ({
  batches: messages.map((m, partition) => ({ topic: TOPICS.submit.name, partition, messages: m })),
  heartbeat: async () => undefined,
  signal: new AbortController().signal,
});
const acceptedOf = (events: OutgoingEvent[]) => events.filter((e) => e.topic === TOPICS.accepted).map((e) => e.value as MessageAccepted);
const duplicatesCounted = async (channel: string) => Number((await registry.getSingleMetric('smsgw_idempotent_duplicates_total')?.get())?.values.find((v) => v.labels['channel'] === channel)?.value ?? 0);

beforeAll(async () => {
  registry = createMetricsRegistry('ingest');
  app = await NestFactory.createApplicationContext(AppModule.register({ logger, registry, config }), { logger: false });
  await app.init();
  pool = app.get(PG_POOL);
  sending = app.get(SendMessageService);
  const created = await createAccount(pool, `idem-${run}`);
  account = { id: created.account.id, apiKey: created.apiKey };
});
afterAll(async () => {
  await pool?.query('DELETE FROM api_keys WHERE account_id = $1', [account?.id]);
  await pool?.query('DELETE FROM accounts WHERE id = $1', [account?.id]);
  await pool?.query('DELETE FROM idempotency_keys WHERE idempotency_key LIKE $1', [`it-${run}-%`]);
  await app?.close();
});

describe('idempotency keys', () => {
  it('unary Send: a retry gets the first reply, acceptedAt included, and no second message', async () => {
    const first = await sending.send(request({ idempotencyKey: key('unary') }), Channel.GRPC);
    await new Promise((r) => setTimeout(r, 20));
    const retry = await sending.send(request({ idempotencyKey: key('unary') }), Channel.GRPC);
    expect(retry).toEqual({ ...first, duplicate: true });
    expect(await duplicatesCounted('grpc')).toBe(1);
  });

  it('a key claimed by a process that died before publishing: a retry is told to wait, then takes the claim over and publishes the first id once', async () => {
    // admit claims the key and publishes nothing: what a SIGKILL between the two leaves behind.
    const [claimed] = await sending.admit([{ request: request({ idempotencyKey: key('died') }), clientId: '' }], Channel.GRPC);
    const id = claimed.publish?.accepted.id as string;
    await expect(sending.send(request({ idempotencyKey: key('died') }), Channel.GRPC)).rejects.toMatchObject({ code: 'IDEMPOTENCY.IN_PROGRESS' });
    await pool.query(`UPDATE idempotency_keys SET created_at = now() - make_interval(secs => $2 / 1000.0) WHERE idempotency_key = $1`, [key('died'), UNCONFIRMED_TAKEOVER_MS + 1000]);
    const events = await published(async () => {
      const taken = await sending.send(request({ idempotencyKey: key('died') }), Channel.GRPC);
      expect(taken).toMatchObject({ id, duplicate: false });
    });
    expect(acceptedOf(events).map((m) => m.id)).toEqual([id]);
    // Confirmed now: the next retry is a plain duplicate, and nothing is published again.
    const again = await published(async () => expect(await sending.send(request({ idempotencyKey: key('died') }), Channel.GRPC)).toMatchObject({ id, duplicate: true }));
    expect(acceptedOf(again)).toEqual([]);
  });

  it('two retries racing to take over one stale claim (two replicas would): one publishes the first id, the other is told to wait', async () => {
    const [claimed] = await sending.admit([{ request: request({ idempotencyKey: key('race') }), clientId: '' }], Channel.GRPC);
    const id = claimed.publish?.accepted.id as string;
    await pool.query(`UPDATE idempotency_keys SET created_at = now() - make_interval(secs => $2 / 1000.0) WHERE idempotency_key = $1`, [key('race'), UNCONFIRMED_TAKEOVER_MS + 1000]);
    let outcomes: PromiseSettledResult<unknown>[] = [];
    const events = await published(async () => {
      outcomes = await Promise.allSettled([sending.send(request({ idempotencyKey: key('race') }), Channel.GRPC), sending.send(request({ idempotencyKey: key('race') }), Channel.GRPC)]);
    });
    expect(acceptedOf(events).map((m) => m.id)).toEqual([id]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const waiting = outcomes.filter((o) => o.status === 'rejected');
    expect(won).toEqual([{ status: 'fulfilled', value: expect.objectContaining({ id, duplicate: false }) }]);
    expect(waiting).toEqual([{ status: 'rejected', reason: expect.objectContaining({ code: 'IDEMPOTENCY.IN_PROGRESS' }) }]);
  });

  it("SendBatch: a stale claim's key twice in one batch is taken over and published once", async () => {
    const [claimed] = await sending.admit([{ request: request({ idempotencyKey: key('batch-died') }), clientId: '' }], Channel.GRPC);
    const id = claimed.publish?.accepted.id as string;
    await pool.query(`UPDATE idempotency_keys SET created_at = now() - make_interval(secs => $2 / 1000.0) WHERE idempotency_key = $1`, [key('batch-died'), UNCONFIRMED_TAKEOVER_MS + 1000]);
    const events = await published(async () => {
      const results = await sending.sendBatch([request({ idempotencyKey: key('batch-died') }), request({ idempotencyKey: key('batch-died') })], Channel.GRPC);
      expect(results.map((r) => r.accepted && { id: r.accepted.id, duplicate: r.accepted.duplicate })).toEqual([{ id, duplicate: false }, { id, duplicate: true }]);
    });
    expect(acceptedOf(events).map((m) => m.id)).toEqual([id]);
  });

  it('SendBatch: keys seen before and repeated within the batch get the first reply', async () => {
    const first = await sending.send(request({ idempotencyKey: key('batch-a') }), Channel.GRPC);
    await new Promise((r) => setTimeout(r, 20));
    const results = await sending.sendBatch([request({ idempotencyKey: key('batch-a') }), request({ idempotencyKey: key('batch-b') }), request({ idempotencyKey: key('batch-b') }), request()], Channel.GRPC);
    expect(results[0].accepted).toEqual({ ...first, duplicate: true });
    expect(results[2].accepted).toEqual({ ...results[1].accepted, duplicate: true });
    expect(results[1].accepted?.duplicate).toBe(false);
    expect(new Set(results.map((r) => r.accepted?.id)).size).toBe(3);
  });

  it('sms.submit.v1: two statements per fetch (look up, claim); a key seen before or twice in the fetch is published once', async () => {
    await sending.send(request({ idempotencyKey: key('kafka-seen') }), Channel.KAFKA, account.id);
    const before = await duplicatesCounted('kafka');
    const consumer = app.get(SubmitEventsConsumer);
    const fetch = fetchOf(
      [record(request({ idempotencyKey: key('kafka-1') })), record(request({ idempotencyKey: key('kafka-seen') })), record(request())],
      [record(request({ idempotencyKey: key('kafka-1') })), record(request({ idempotencyKey: key('kafka-2') }))],
    );
    const { statements, result: events } = await idempotencyStatements(() => published(() => consumer.handle(fetch)));
    expect(statements).toBe(2);
    expect(acceptedOf(events).map((a) => a.idempotencyKey).sort()).toEqual(['', key('kafka-1'), key('kafka-2')].sort());
    expect((await duplicatesCounted('kafka')) - before).toBe(2);

    // The same records consumed again (the produce failed, or ingest died before the commit):
    // republished with the same ids, not taken for duplicates.
    const again = await published(() => consumer.handle(fetch));
    const byKey = (list: MessageAccepted[]) => Object.fromEntries(list.filter((a) => a.idempotencyKey).map((a) => [a.idempotencyKey, [a.id, a.acceptedAtMs]]));
    expect(byKey(acceptedOf(again))).toEqual(byKey(acceptedOf(events)));
    expect(acceptedOf(again)).toHaveLength(3);
    expect((await duplicatesCounted('kafka')) - before).toBe(4); // the two duplicates dropped again
  });

  it('sms.submit.v1 over the real topic: a producer retry with the same key becomes one message', async () => {
    const producer = app.get(AppProducer);
    const before = await duplicatesCounted('kafka');
    const value = request({ idempotencyKey: key('topic'), clientReference: key('topic') });
    await producer.sendMany([
      { topic: TOPICS.submit, key: 'a', value, headers: { authorization: `Bearer ${account.apiKey}`, 'smsgw-account': account.id } },
      { topic: TOPICS.submit, key: 'b', value, headers: { authorization: `Bearer ${account.apiKey}`, 'smsgw-account': account.id } },
    ]);
    const until = Date.now() + 60_000;
    while ((await duplicatesCounted('kafka')) - before < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect((await duplicatesCounted('kafka')) - before).toBe(1);
    const { rows } = await pool.query('SELECT message_id FROM idempotency_keys WHERE idempotency_key = $1', [key('topic')]);
    expect(rows).toHaveLength(1);
  });

  it('the sweep deletes keys past the retention, and a key is free again after it', async () => {
    const old = await sending.send(request({ idempotencyKey: key('old') }), Channel.GRPC);
    const kept = await sending.send(request({ idempotencyKey: key('kept') }), Channel.GRPC);
    await pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '2 hours' WHERE idempotency_key = $1`, [key('old')]);
    expect(await app.get(IdempotencySweeper).sweep()).toBeGreaterThanOrEqual(1);
    expect((await sending.send(request({ idempotencyKey: key('old') }), Channel.GRPC)).id).not.toBe(old.id);
    expect((await sending.send(request({ idempotencyKey: key('kept') }), Channel.GRPC)).id).toBe(kept.id);
  });
});
