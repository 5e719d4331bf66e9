// SMS-pumping protection, mode "hold", over the real Kafka, PostgreSQL and Redis: a whole ingest
// in-process (its scheduler consuming this run's sms.accepted.v1), an operator acting through
// sms.v1.AdminService's handlers with the admin token, and the status store projected from what
// reached the topics (as the dlr-processor does). Own topic and key prefix per run.
import 'reflect-metadata';
import { Metadata, status } from '@grpc/grpc-js';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createAccount, creditAccount, getBalance, reserveSpend } from '@smsgw/accounts/data-access-store';
import { DEFAULT_POLICY, PUMPING_HOLD, type AccountPolicy } from '@smsgw/accounts/domain';
import { TOPICS, setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { PG_POOL } from '@smsgw/shared/feature-ops';
import { databaseUrlWithName, ensureDatabase, migrate, parseDatabaseUrl } from '@smsgw/shared/data-access-db';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry, type Registry } from '@smsgw/shared/util-metrics';
import { Channel, MessageAccepted, MessageStatus, SendRequest, SubmitEvent, SubmitOutcome, heldForSchedule } from '@smsgw/shared/util-proto';
import { projectAccepted, projectSubmitEvents } from '@smsgw/status/data-access-store';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { AppModule } from '../app.module';
import { INGEST_ENV } from '../env';
import { AdminGrpcController } from '../grpc/admin.grpc.controller';
import { SendMessageService } from '../send-message/send-message.service';
import { ScheduleStore } from './schedule.store';

jest.setTimeout(120_000);

const run = `${Date.now().toString(36)}${process.pid}`;
const prefix = `it-hold-${run}.`;
setTopicPrefix(prefix);
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const logger = createLogger({ app: 'ingest-it', level: 'fatal' });
const ADMIN_TOKEN = `it-admin-${run}`;
const gb = () => SendRequest.create({ to: '+447400123456', from: 'SMSGW', text: 'Your code is 123456' });
const fr = () => SendRequest.create({ to: '+33612345678', from: 'SMSGW', text: 'Your code is 123456' });

let app: INestApplicationContext;
let pool: Pool;
let registry: Registry;
let sending: SendMessageService;
let admin: AdminGrpcController;
let store: ScheduleStore;
let consumer: Consumer;
let accountId: string;
const accountName = `hold-${run}`;
const accepted: MessageAccepted[] = [];
const reports: SubmitEvent[] = [];
const adminMetadata = new Metadata();
adminMetadata.set('authorization', `Bearer ${ADMIN_TOKEN}`);

async function until<T>(what: string, read: () => Promise<T> | T, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const metric = async (name: string) => Object.fromEntries(((await registry.getSingleMetric(name)?.get())?.values ?? []).map((v) => [v.labels['action'] ?? v.labels['event'] ?? '', v.value]));
const statusOf = async (id: string) => (await pool.query<{ status: number; reason_code: string | null }>('SELECT status, reason_code FROM messages WHERE id = $1', [id])).rows[0];

// A database of its own: every ingest's scheduler takes the expired holds of its table, and other
// suites' ingest contexts (on other topic prefixes) would take this one's from the shared one.
const baseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw_test';
const databaseUrl = databaseUrlWithName(baseUrl, `${parseDatabaseUrl(baseUrl).database}_holds`);

beforeAll(async () => {
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-hold-'));
  writeFileSync(join(dir, 'admin-token'), ADMIN_TOKEN);
  registry = createMetricsRegistry('ingest');
  const config = loadConfig(INGEST_ENV, { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'fatal', KAFKA_TOPIC_PREFIX: prefix, INGEST_SCHEDULER_INTERVAL_MS: '100', INGEST_ADMIN_TOKEN_FILE: join(dir, 'admin-token') });
  app = await NestFactory.createApplicationContext(AppModule.register({ logger, registry, config }), { logger: false });
  await app.init();
  pool = app.get<Pool>(PG_POOL);
  sending = app.get(SendMessageService);
  admin = app.get(AdminGrpcController);
  store = app.get(ScheduleStore);
  accountId = (await createAccount(pool, accountName)).account.id;
  const kafka = new Kafka({ clientId: 'it-hold', brokers, logLevel: logLevel.NOTHING });
  consumer = kafka.consumer({ groupId: `${prefix}check` });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPICS.accepted.name, TOPICS.submitted.name], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (!message.value) return;
      if (topic === TOPICS.accepted.name) accepted.push(MessageAccepted.decode(message.value));
      else reports.push(SubmitEvent.decode(message.value));
    },
  });
});

afterAll(async () => {
  await consumer?.disconnect();
  if (pool && accountId) {
    await pool.query('DELETE FROM scheduled_messages WHERE account_id = $1', [accountId]);
    await pool.query('DELETE FROM messages WHERE client_id = $1', [accountId]);
    for (const table of ['account_ledger', 'account_balances', 'api_keys', 'account_policies']) await pool.query(`DELETE FROM ${table} WHERE account_id = $1`, [accountId]);
    await pool.query('DELETE FROM accounts WHERE id = $1', [accountId]);
  }
  await app?.close();
});

describe('SMS-pumping protection, mode "hold"', () => {
  const policy: AccountPolicy = { ...DEFAULT_POLICY, pumpingMode: 'hold', pumpingMinPerMinute: 3, pumpingFactor: 1 };

  it('accepts a burst to one country, holding what is above the limit (HELD, never sent); released goes on to sms.accepted.v1, rejected ends FAILED and refunded', async () => {
    // The burst: 3 to GB fit the floor, the 4 others to GB are held; France has its own counter.
    const results = await sending.sendBatch([gb(), gb(), gb(), gb(), gb(), gb(), gb(), fr()], Channel.GRPC, accountId, policy);
    expect(results.map((r) => r.error?.code ?? MessageStatus[r.accepted?.status ?? 0])).toEqual(['ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'HELD', 'HELD', 'HELD', 'HELD', 'ACCEPTED']);
    const ids = results.map((r) => r.accepted?.id ?? '');
    const heldIds = ids.slice(3, 7);
    expect(await metric('smsgw_pumping_suspected_total')).toMatchObject({ held: 4 });

    // Every one is on the log of record; the held ones carry their hold, so the encoder passes them by.
    const first = await until('the accepted events', () => accepted.filter((a) => ids.includes(a.id)), (a) => a.length === 8);
    const held = first.filter((a) => heldIds.includes(a.id));
    expect(held.every((a) => heldForSchedule(a) && a.pumpingCountry === 'GB' && a.pumpingHeldUntilMs > Date.now())).toBe(true);
    expect(first.filter((a) => !heldIds.includes(a.id)).every((a) => !heldForSchedule(a))).toBe(true);
    // What GetMessage, WatchStatus and webhooks then say (the status store, projected as the dlr-processor does).
    await projectAccepted(pool, first);
    expect((await statusOf(heldIds[0]))?.status).toBe(MessageStatus.HELD);
    expect((await statusOf(ids[0]))?.status).toBe(MessageStatus.ACCEPTED);

    // The scheduler keeps them; the operator sees them by account and country.
    const listed = await until('the holds', () => admin.listHeldMessages({ account: accountName, country: 'gb', limit: 0 }, adminMetadata), (l) => l.total === 4);
    expect(listed.messages.map((m) => m.id).sort()).toEqual([...heldIds].sort());
    expect(listed.messages[0]).toMatchObject({ accountId, country: 'GB', heldUntilMs: expect.any(Number) });
    expect((await admin.listHeldMessages({ account: accountName, country: 'FR', limit: 0 }, adminMetadata)).total).toBe(0);
    const invalid = { error: { code: status.INVALID_ARGUMENT, message: expect.stringContaining('[ACCOUNT.INVALID_HOLD_SELECTION]') } };
    await expect(admin.releaseHeldMessages({ ids: [heldIds[0]], account: accountName, country: '' }, adminMetadata)).rejects.toMatchObject(invalid);
    await expect(admin.rejectHeldMessages({ ids: [], account: '', country: '' }, adminMetadata)).rejects.toMatchObject(invalid);
    await expect(admin.listHeldMessages({ account: accountName, country: 'GBR', limit: 0 }, adminMetadata)).rejects.toMatchObject(invalid);
    await expect(admin.listHeldMessages({ account: '', country: '', limit: 0 }, new Metadata())).rejects.toMatchObject({ error: { code: status.UNAUTHENTICATED } });

    // Release one by id: published again with released_at_ms, which the encoder sends on.
    expect(await admin.releaseHeldMessages({ ids: [heldIds[0]], account: '', country: '' }, adminMetadata)).toEqual({ ids: [heldIds[0]] });
    const released = await until('the released copy', () => accepted.find((a) => a.id === heldIds[0] && a.releasedAtMs > 0), (a) => a !== undefined);
    expect(heldForSchedule(released as MessageAccepted)).toBe(false);
    await projectAccepted(pool, [released as MessageAccepted]);
    expect((await statusOf(heldIds[0]))?.status).toBe(MessageStatus.ACCEPTED);
    expect(await admin.releaseHeldMessages({ ids: [heldIds[0]], account: '', country: '' }, adminMetadata)).toEqual({ ids: [] }); // released once

    // The account is prepaid: the other held ones have reservations (as accept made them). Reject
    // the account's GB holds: FAILED with the reason on sms.submitted.v2, reservations refunded.
    await creditAccount(pool, accountId, 1_000_000, 'EUR');
    await reserveSpend(pool, heldIds.slice(1, 3).map((messageId) => ({ accountId, messageId, amountMicros: 50_000, currency: 'EUR' })));
    expect((await getBalance(pool, accountId))?.balanceMicros).toBe(900_000);
    const rejected = await admin.rejectHeldMessages({ ids: [], account: accountName, country: 'GB' }, adminMetadata);
    expect([...rejected.ids].sort()).toEqual(heldIds.slice(1).sort());
    expect(await getBalance(pool, accountId)).toMatchObject({ balanceMicros: 1_000_000, reservedMicros: 0 });
    const failed = await until('the FAILED reports', () => reports.filter((r) => heldIds.includes(r.messageId)), (r) => r.length === 3);
    expect(failed.every((r) => r.subject?.$case === 'message' && r.subject.value.outcome === SubmitOutcome.FAILED && r.subject.value.reasonCode === PUMPING_HOLD.rejectedCode)).toBe(true);
    await projectSubmitEvents(pool, failed);
    expect(await statusOf(heldIds[1])).toEqual({ status: MessageStatus.FAILED, reason_code: PUMPING_HOLD.rejectedCode });
    expect((await admin.listHeldMessages({ account: accountName, country: '', limit: 0 }, adminMetadata)).total).toBe(0);
    expect(await metric('smsgw_pumping_holds_total')).toMatchObject({ held: 4, released: 1, rejected: 3 });
  });

  it('refuses a message still held when its hold time ends (RATE.PUMPING_HOLD_EXPIRED); a client can cancel one before', async () => {
    // 7: however this minute's count stands (a new minute may have begun since), at least 4 are held.
    const results = await sending.sendBatch(Array.from({ length: 7 }, () => gb()), Channel.GRPC, accountId, policy);
    const heldIds = results.filter((r) => r.accepted?.status === MessageStatus.HELD).map((r) => r.accepted?.id ?? '');
    expect(heldIds.length).toBeGreaterThanOrEqual(4);
    const [expiring, ...rest] = heldIds;
    await until('the holds', () => admin.listHeldMessages({ account: accountName, country: 'GB', limit: 0 }, adminMetadata), (l) => l.total === heldIds.length);
    await pool.query(`UPDATE scheduled_messages SET send_at = now() - interval '1 second' WHERE message_id = $1`, [expiring]);
    const report = await until('the expiry', () => reports.find((r) => r.messageId === expiring), (r) => r !== undefined, 45_000); // checked every 5 s; slower on a loaded machine
    expect(report?.subject).toMatchObject({ $case: 'message', value: { outcome: SubmitOutcome.FAILED, reasonCode: PUMPING_HOLD.expiredCode } });
    expect(await store.cancel(rest[0])).toBe('canceled');
    expect(await store.cancel(expiring)).toBe('released'); // final already: nothing to cancel
    expect(await admin.listHeldMessages({ account: accountName, country: 'GB', limit: 1 }, adminMetadata)).toMatchObject({ total: heldIds.length - 2, messages: [expect.anything()] });
    expect(await metric('smsgw_pumping_holds_total')).toMatchObject({ expired: 1 });
    await until('the held gauge', () => metric('smsgw_pumping_held_messages'), (g) => (g[''] ?? 0) >= 2);
  });

  it('a held message whose own send time is still ahead goes back to the schedule when released, not out at once', async () => {
    // 4: however this minute's count stands (a new minute may have begun), at least the last one is held.
    const results = await sending.sendBatch(Array.from({ length: 4 }, () => ({ ...gb(), sendAtMs: Date.now() + 3_600_000 })), Channel.GRPC, accountId, policy);
    expect(MessageStatus[results[3].accepted?.status ?? 0]).toBe('HELD');
    const id = results[3].accepted?.id ?? '';
    await until('the hold', () => admin.listHeldMessages({ account: accountName, country: 'GB', limit: 1000 }, adminMetadata), (l) => l.messages.some((m) => m.id === id));
    expect(await admin.releaseHeldMessages({ ids: [id], account: '', country: '' }, adminMetadata)).toEqual({ ids: [id] });
    const { rows } = await pool.query<{ state: string; send_ms: number }>('SELECT state, (extract(epoch FROM send_at) * 1000)::float8 AS send_ms FROM scheduled_messages WHERE message_id = $1', [id]);
    expect(rows[0]).toMatchObject({ state: 'pending' });
    expect(Number(rows[0].send_ms)).toBeGreaterThan(Date.now() + 3_500_000);
    await new Promise((r) => setTimeout(r, 500)); // a few rounds of the release loop
    expect(accepted.filter((a) => a.id === id && a.releasedAtMs > 0)).toEqual([]);
  });
});
