// ingest across a PostgreSQL restart: a private server (never the shared one) stopped at once and
// started again. While it is down, /healthz's database check fails and Sends that need the
// database fail (the gRPC layer answers UNAVAILABLE); the process lives on, and once the server is
// back the same Send succeeds.
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { migrate, startPrivatePostgres, type PrivatePostgres } from '@smsgw/shared/data-access-db';
import { setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { HealthRegistry } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { Channel, SendRequest } from '@smsgw/shared/util-proto';
import { AppModule } from './app.module';
import { INGEST_ENV } from './env';
import { SendMessageService } from './send-message/send-message.service';

jest.setTimeout(120_000);

const run = `${Date.now().toString(36)}${process.pid}`;
let pg: PrivatePostgres;
let app: INestApplicationContext;

async function waitFor(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  pg = await startPrivatePostgres();
  await migrate(pg.url);
  setTopicPrefix(`it-ingest-pg-${run}.`);
  const config = loadConfig(INGEST_ENV, { ...process.env, DATABASE_URL: pg.url, KAFKA_TOPIC_PREFIX: `it-ingest-pg-${run}.`, LOG_LEVEL: 'fatal' });
  app = await NestFactory.createApplicationContext(AppModule.register({ logger: createLogger({ app: 'ingest-it', level: 'fatal' }), registry: createMetricsRegistry('ingest'), config }), { logger: false });
  await app.init();
});
afterAll(async () => {
  await app?.close();
  pg?.destroy();
});

it('reports unhealthy while PostgreSQL is down and accepts again once it is back', async () => {
  const health = app.get(HealthRegistry);
  const sending = app.get(SendMessageService);
  const send = (key: string) => sending.send(SendRequest.create({ to: '+447911123456', from: 'SMSGW', text: 'hi', idempotencyKey: `${run}-${key}` }), Channel.GRPC);
  await waitFor('database healthy', () => health.report().checks['database'] === 'ok');
  expect((await send('before')).duplicate).toBe(false);

  pg.stopImmediate();
  await waitFor('database unhealthy', () => /PostgreSQL unreachable/.test(health.report().checks['database']));
  await expect(send('during')).rejects.toThrow();

  pg.start();
  await waitFor('database healthy again', () => health.report().checks['database'] === 'ok');
  expect((await send('during')).duplicate).toBe(false);
  expect((await send('before')).duplicate).toBe(true);
});
