// Status callbacks against a real HTTP server and the real broker: events on sms.status.v1 with a
// callback URL are POSTed there in order, retried when the receiver may recover, and dead-lettered
// to sms.webhook.failed.v1 (with the reason) when it will not. The run has its own topics and
// groups (a prefix): another suite's dlr-processor in the fixed group would take partitions away.
import 'reflect-metadata';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventProducer, TOPICS, createKafka, setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { MessageStatus as S, StatusEvent } from '@smsgw/shared/util-proto';
import type { Consumer } from 'kafkajs';
import { DLR_ENV } from '../env';
import { AppProducer, HealthRegistry } from '@smsgw/shared/feature-ops';
import { DLR_KAFKA } from '../dlr-kafka';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookSender } from './webhook.sender';

jest.setTimeout(60_000);

const run = `${Date.now().toString(36)}${process.pid}`;
setTopicPrefix(`webhooks-it-${run}.`);
const config = loadConfig(DLR_ENV, { ...process.env, WEBHOOK_SECRET: 'it-secret', WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_TIMEOUT_MS: '1000', LOG_LEVEL: 'warn' });
const logger = createLogger({ app: 'webhooks-it', level: 'silent' });
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `webhooks-it-${run}`, logger });
const registry = createMetricsRegistry('dlr-processor');

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}
const received: Received[] = [];
let flakyCalls = 0;
let server: Server;
let base = '';
let producer: AppProducer;
let dispatcher: WebhookDispatcher;
let deadLetters: Consumer;
const failed: { value: StatusEvent; headers: Record<string, string> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, body });
      if (path === '/flaky' && ++flakyCalls <= 2) res.writeHead(503).end();
      else if (path === '/gone') res.writeHead(410).end();
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  producer = new AppProducer(kafka, config, logger, DLR_KAFKA, new HealthRegistry());
  await producer.onModuleInit();
  deadLetters = kafka.consumer({ groupId: `webhooks-it-dlq-${run}` });
  await deadLetters.connect();
  await deadLetters.subscribe({ topics: [TOPICS.webhookFailed.name], fromBeginning: true });
  await deadLetters.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      failed.push({ value: StatusEvent.decode(message.value ?? Buffer.alloc(0)), headers });
    },
  });
  dispatcher = new WebhookDispatcher(kafka, config, logger, new WebhookSender(config, registry), producer, new HealthRegistry());
  await dispatcher.onApplicationBootstrap();
});

afterAll(async () => {
  await dispatcher?.beforeApplicationShutdown();
  await deadLetters?.disconnect();
  await producer?.onApplicationShutdown();
  await new Promise((r) => server?.close(r));
});

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ received: received.map((r) => r.path), flakyCalls, failed: failed.map((f) => [f.value.messageId.slice(-5), f.headers]) })}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const event = (n: string, status: S, previousStatus: S, callbackUrl: string) =>
  StatusEvent.create({ messageId: `wh-${run}-${n}`, status, previousStatus, clientReference: `ref-${n}`, occurredAtMs: Date.now(), acceptedAtMs: Date.now() - 1000, callbackUrl });

describe('WebhookDispatcher', () => {
  it('posts status changes in order, signed; retries a receiver that recovers; dead-letters one that refuses or cannot be reached', async () => {
    const publisher = new EventProducer(kafka);
    await publisher.connect();
    const closedPort = `http://127.0.0.1:1/unreachable`;
    await publisher.sendMany(
      [
        event('ok', S.ACCEPTED, S.UNSPECIFIED, `${base}/ok`),
        event('ok', S.SUBMITTED, S.ACCEPTED, `${base}/ok`),
        event('ok', S.DELIVERED, S.SUBMITTED, `${base}/ok`),
        event('flaky', S.DELIVERED, S.SUBMITTED, `${base}/flaky`),
        event('gone', S.FAILED, S.ACCEPTED, `${base}/gone`),
        event('down', S.SUBMITTED, S.ACCEPTED, closedPort),
        event('down', S.DELIVERED, S.SUBMITTED, closedPort),
        event('none', S.DELIVERED, S.SUBMITTED, ''),
      ].map((value) => ({ topic: TOPICS.status, key: value.messageId, value })),
    );
    await publisher.disconnect();

    await until('the callbacks and dead letters', () => received.filter((r) => r.path === '/ok').length === 3 && received.some((r) => r.path === '/flaky' && flakyCalls === 3) && failed.length === 3);

    const ok = received.filter((r) => r.path === '/ok');
    expect(ok.map((r) => JSON.parse(r.body).status)).toEqual(['ACCEPTED', 'SUBMITTED', 'DELIVERED']);
    const first = ok[0];
    expect(JSON.parse(first.body)).toMatchObject({ id: `wh-${run}-ok`, clientReference: 'ref-ok', previousStatus: 'UNSPECIFIED' });
    expect(first.headers['x-smsgw-event-id']).toBe(`wh-${run}-ok.ACCEPTED`);
    const signature = createHmac('sha256', 'it-secret').update(`${first.headers['x-smsgw-timestamp']}.${first.body}`).digest('hex');
    expect(first.headers['x-smsgw-signature']).toBe(`sha256=${signature}`);

    expect(received.filter((r) => r.path === '/flaky')).toHaveLength(3); // 503, 503, then 204
    expect(received.filter((r) => r.path === '/gone')).toHaveLength(1); // 410: not retried
    expect(failed.find((f) => f.value.messageId === `wh-${run}-gone`)?.headers).toMatchObject({ url: `${base}/gone`, reason: 'HTTP 410', attempts: '1' });
    // The unreachable receiver: its retries once, then one attempt for the rest of the batch.
    const down = failed.filter((f) => f.value.messageId === `wh-${run}-down`);
    expect(down.map((f) => [S[f.value.status], f.headers['attempts'], f.headers['url']])).toEqual([
      ['SUBMITTED', '3', closedPort],
      ['DELIVERED', '1', closedPort],
    ]);

    const metrics = await registry.metrics();
    expect(metrics).toMatch(/smsgw_webhook_deliveries_total\{[^}]*result="delivered"[^}]*\} 4/);
    expect(metrics).toMatch(/smsgw_webhook_deliveries_total\{[^}]*result="failed"[^}]*\} 3/);
    expect(metrics).toMatch(/smsgw_webhook_attempts_total\{[^}]*outcome="5xx"[^}]*\} 2/);
  });
});
