// sms.submit.v1 events name their account and carry its API key; ingest checks both and then the
// same policy and rate limit as gRPC. Ingest's whole app on the real Kafka, PostgreSQL and Redis;
// the consumer is handed fetches as the Kafka consumer hands them, its output read from the spy.
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createAccount, setAccountEnabled, setPolicy } from '@smsgw/accounts/data-access-store';
import { DEFAULT_POLICY } from '@smsgw/accounts/domain';
import { TOPICS, setTopicPrefix, type ConsumedFetch } from '@smsgw/shared/data-access-kafka';
import { PG_POOL } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { MessageAccepted, SendRequest, SubmitRejected } from '@smsgw/shared/util-proto';
import type { KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { AppModule } from '../app.module';
import { INGEST_ENV } from '../env';
import { published } from '../testing/published';
import { SubmitEventsConsumer } from './submit-events.consumer';

jest.setTimeout(120_000);

const run = `${Date.now().toString(36)}${process.pid}`;
const prefix = `it-submit-auth-${run}.`;
setTopicPrefix(prefix);
const config = loadConfig(INGEST_ENV, { ...process.env, LOG_LEVEL: 'fatal', KAFKA_TOPIC_PREFIX: prefix });
let app: INestApplicationContext;
let pool: Pool;
const names: string[] = [];
const request = (over: Partial<SendRequest> = {}) => SendRequest.create({ to: '+447911123456', from: 'ACME', text: 'Your code is 123456', ...over });

let offset = 0;
const record = (key: string, value: SendRequest, headers: Record<string, string>): KafkaMessage =>
  ({ key: Buffer.from(key), value: Buffer.from(SendRequest.encode(value).finish()), offset: String(offset++), timestamp: String(Date.now()), attributes: 0, headers }) as KafkaMessage;
const fetchOf = (messages: KafkaMessage[]): ConsumedFetch => ({ batches: [{ topic: TOPICS.submit.name, partition: 0, messages }], heartbeat: async () => undefined, signal: new AbortController().signal });

/** What one fetch produced: accepted events by record key, and rejection codes by record key. */
async function handled(messages: KafkaMessage[]): Promise<{ accepted: Map<string, MessageAccepted>; refused: Map<string, string> }> {
  const seen = await published(app, () => app.get(SubmitEventsConsumer).handle(fetchOf(messages)));
  const accepted = new Map<string, MessageAccepted>();
  const refused = new Map<string, string>();
  for (const e of seen) {
    if (e.topic === TOPICS.accepted) accepted.set((e.value as MessageAccepted).clientReference, e.value as MessageAccepted);
    else refused.set(e.key, (e.value as SubmitRejected).code);
  }
  return { accepted, refused };
}

async function account(name: string) {
  names.push(`${name}-${run}`);
  const created = await createAccount(pool, `${name}-${run}`);
  return { id: created.account.id, headers: { authorization: `Bearer ${created.apiKey}`, 'smsgw-account': created.account.id } };
}

beforeAll(async () => {
  app = await NestFactory.createApplicationContext(AppModule.register({ logger: createLogger({ app: 'ingest-it', level: 'fatal' }), registry: createMetricsRegistry('ingest'), config }), { logger: false });
  await app.init();
  pool = app.get(PG_POOL);
});
afterAll(async () => {
  await pool?.query('DELETE FROM account_policies WHERE account_id IN (SELECT id FROM accounts WHERE name = ANY($1))', [names]);
  await pool?.query('DELETE FROM api_keys WHERE account_id IN (SELECT id FROM accounts WHERE name = ANY($1))', [names]);
  await pool?.query('DELETE FROM accounts WHERE name = ANY($1)', [names]);
  await app?.close();
});

describe('sms.submit.v1 authentication and policy', () => {
  it('accepts an event of a named account with its key as that account, and refuses every other with a stable code', async () => {
    const acme = await account('submit-acme');
    const other = await account('submit-other');
    const disabled = await account('submit-disabled');
    await setAccountEnabled(pool, disabled.id, false);
    await setPolicy(pool, acme.id, { ...DEFAULT_POLICY, senders: ['ACME'] });
    // The key cache holds what it read for up to a second: the policy and state are read here first.
    await new Promise((r) => setTimeout(r, 1100));
    const { accepted, refused } = await handled([
      record('good', request({ clientReference: 'good' }), acme.headers),
      record('no-key', request(), {}),
      record('garbage-key', request(), { ...acme.headers, authorization: 'Bearer sk_live_123' }),
      record('unknown-key', request(), { ...acme.headers, authorization: 'Bearer smsgw_AAAAAAAAAAAA_' + 'A'.repeat(43) }),
      record('no-account', request(), { authorization: acme.headers.authorization }),
      record('other-account', request(), { ...acme.headers, 'smsgw-account': other.id }),
      record('disabled', request(), disabled.headers),
      record('sender', request({ from: 'OTHER' }), acme.headers),
      record('invalid', request({ to: 'not a number' }), acme.headers),
    ]);
    expect([...accepted.keys()]).toEqual(['good']);
    expect(accepted.get('good')?.clientId).toBe(acme.id);
    expect(Object.fromEntries(refused)).toEqual({
      'no-key': 'AUTH.MISSING_KEY',
      'garbage-key': 'AUTH.MALFORMED_KEY',
      'unknown-key': 'AUTH.INVALID_KEY',
      'no-account': 'AUTH.ACCOUNT_MISMATCH',
      'other-account': 'AUTH.ACCOUNT_MISMATCH',
      disabled: 'AUTH.ACCOUNT_DISABLED',
      sender: 'POLICY.SENDER_NOT_ALLOWED',
      invalid: 'VALIDATION.INVALID_DESTINATION',
    });
  });

  it("holds each account of a fetch to its own rate (one Redis call per account); a producer's retry of an accepted event costs none", async () => {
    const slow = await account('submit-slow');
    const fast = await account('submit-fast');
    // 3 in a window of 3 s (from the first take): the two fetches below fall in one window.
    await setPolicy(pool, slow.id, { ...DEFAULT_POLICY, ratePerSecond: 1, rateBurst: 3 });
    await new Promise((r) => setTimeout(r, 1100));
    const keyed = (ref: string) => request({ clientReference: ref, idempotencyKey: `${ref}-${run}` });
    // Three keyed events use up the slow account's window of 3.
    const first = await handled(['s1', 's2', 's3'].map((ref) => record(ref, keyed(ref), slow.headers)));
    expect([...first.accepted.keys()].sort()).toEqual(['s1', 's2', 's3']);
    // Their retries are answered by their keys (not published again), a new one is over the rate, the other account goes on.
    const second = await handled([...['s1', 's2', 's3'].map((ref) => record(`${ref}-retry`, keyed(ref), slow.headers)), record('s4', keyed('s4'), slow.headers), record('f1', keyed('f1'), fast.headers)]);
    expect([...second.accepted.keys()]).toEqual(['f1']);
    expect(Object.fromEntries(second.refused)).toEqual({ s4: 'RATE.LIMITED' });
  });
});
