// Idempotency keys on every channel, against the real Kafka and PostgreSQL: ingest's whole app
// (no gRPC server; the use case and the sms.submit.v1 consumer are called as the transports call
// them, and the consumer also runs on its own topic). Own topic prefix and keys per run.
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TOPICS, setTopicPrefix, type ConsumedFetch, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { PG_POOL } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry, type Registry } from '@smsgw/shared/util-metrics';
import { Channel, MessageAccepted, SendRequest } from '@smsgw/shared/util-proto';
import type { KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { AppModule } from '../app.module';
import { INGEST_ENV } from '../env';
import { IngestProducer } from '../kafka/kafka.provider';
import { IdempotencySweeper } from './idempotency.sweeper';
import { SendMessageService } from './send-message.service';
import { SubmitEventsConsumer } from './submit-events.consumer';

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

/** What the consumer publishes (it still reaches Kafka). */
async function published<T>(work: () => Promise<T>): Promise<OutgoingEvent[]> {
  const producer = app.get(IngestProducer);
  const send = producer.sendMany.bind(producer);
  const seen: OutgoingEvent[] = [];
  const spy = jest.spyOn(producer, 'sendMany').mockImplementation(async (events) => {
    seen.push(...events);
    return send(events);
  });
  try {
    await work();
    return seen;
  } finally {
    spy.mockRestore();
  }
}

let offset = 0;
const record = (value: SendRequest): KafkaMessage => ({ key: null, value: Buffer.from(SendRequest.encode(value).finish()), offset: String(offset++), timestamp: String(Date.now()), attributes: 0, headers: {} }) as KafkaMessage;
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
});
afterAll(async () => {
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

  it('SendBatch: keys seen before and repeated within the batch get the first reply', async () => {
    const first = await sending.send(request({ idempotencyKey: key('batch-a') }), Channel.GRPC);
    await new Promise((r) => setTimeout(r, 20));
    const results = await sending.sendBatch([request({ idempotencyKey: key('batch-a') }), request({ idempotencyKey: key('batch-b') }), request({ idempotencyKey: key('batch-b') }), request()], Channel.GRPC);
    expect(results[0].accepted).toEqual({ ...first, duplicate: true });
    expect(results[2].accepted).toEqual({ ...results[1].accepted, duplicate: true });
    expect(results[1].accepted?.duplicate).toBe(false);
    expect(new Set(results.map((r) => r.accepted?.id)).size).toBe(3);
  });

  it('sms.submit.v1: one statement per fetch; a key seen before or twice in the fetch is published once', async () => {
    await sending.send(request({ idempotencyKey: key('kafka-seen') }), Channel.KAFKA);
    const before = await duplicatesCounted('kafka');
    const consumer = app.get(SubmitEventsConsumer);
    const fetch = fetchOf(
      [record(request({ idempotencyKey: key('kafka-1') })), record(request({ idempotencyKey: key('kafka-seen') })), record(request())],
      [record(request({ idempotencyKey: key('kafka-1') })), record(request({ idempotencyKey: key('kafka-2') }))],
    );
    const { statements, result: events } = await idempotencyStatements(() => published(() => consumer.handle(fetch)));
    expect(statements).toBe(1);
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
    const producer = app.get(IngestProducer);
    const before = await duplicatesCounted('kafka');
    const value = request({ idempotencyKey: key('topic'), clientReference: key('topic') });
    await producer.sendMany([
      { topic: TOPICS.submit, key: 'a', value },
      { topic: TOPICS.submit, key: 'b', value },
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
