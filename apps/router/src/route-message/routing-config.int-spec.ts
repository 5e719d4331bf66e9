// Two router replicas (the real router module, in-process, each with its own metrics registry)
// on the real Kafka and PostgreSQL: both start on version 1 (bootstrapped from ROUTES_FILE), both
// switch to the same version after an import and after a rollback, and both route by it; a
// replica started later reads the version in force before it routes. Own topic prefix,
// configuration name and carrier ids per run.
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { importRateCard, importRoutes, listRoutingConfigs, rollbackRoutingConfig, routingConfigPublisher } from '@smsgw/routing/data-access-config';
import { createPool } from '@smsgw/shared/data-access-db';
import { EventProducer, TOPICS, createKafka, decodeBatch, ensureTopics, outboundTopic, setTopicPrefix, topicSpecs } from '@smsgw/shared/data-access-kafka';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry, type Registry } from '@smsgw/shared/util-metrics';
import { Encoding, MessageAccepted, MessageEncoded, OutboundMessage, Priority } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { AppModule } from '../app.module';
import { ROUTER_ENV } from '../env';

jest.setTimeout(180_000);

const run = `${Date.now().toString(36)}${process.pid}`;
const prefix = `routever-it-${run}.`;
setTopicPrefix(prefix);
const cheap = `rva-${run}`;
const dear = `rvb-${run}`;
const configName = `routever-it-${run}`;
const leastCost = `currency: EUR
rules:
  - id: uk
    match: { country: GB }
    action: { type: least-cost, carriers: [${cheap}, ${dear}] }
`;
const pinnedToDear = `currency: EUR
rules:
  - id: uk-fixed
    match: { country: GB }
    action: { type: fixed, carriers: [${dear}] }
`;
const work = mkdtempSync(join(tmpdir(), 'routever-it-'));
const routesFile = join(work, 'routes.yaml');
writeFileSync(routesFile, leastCost);
const config = loadConfig(ROUTER_ENV, { ...process.env, KAFKA_TOPIC_PREFIX: prefix, ROUTES_FILE: routesFile, ROUTING_CONFIG_NAME: configName, LOG_LEVEL: 'warn' });
const logger = createLogger({ app: 'routever-it', level: 'warn' });
const kafka: Kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `routever-it-${run}`, logger });
const producer = new EventProducer(kafka);
const publish = routingConfigPublisher(kafka, producer, config);
const author = { createdBy: 'routever-it', comment: '' };
let pool: Pool;
let collector: Consumer;
const outbound: OutboundMessage[] = [];
const routers: { app: INestApplicationContext; registry: Registry }[] = [];

async function startRouter(): Promise<{ app: INestApplicationContext; registry: Registry }> {
  const registry = createMetricsRegistry('router');
  const app = await NestFactory.createApplicationContext(AppModule.register({ logger, registry, config }), { logger: false });
  await app.init();
  const router = { app, registry };
  routers.push(router);
  return router;
}

const metric = async (registry: Registry, name: string, labels: Record<string, string> = {}) =>
  (await registry.getSingleMetric(name)?.get())?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;

async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const versionsInUse = () => Promise.all(routers.slice(0, 2).map((r) => metric(r.registry, 'smsgw_router_config_version')));

let n = 0;
/** Sends a spread of messages (keys over every partition, so both replicas get some) and returns where each went. */
async function routeSome(count = 24): Promise<string[]> {
  const ids = Array.from({ length: count }, () => `m-${run}-${++n}`);
  await producer.sendMany(
    ids.map((id) => ({
      topic: TOPICS.encoded,
      key: id,
      value: MessageEncoded.create({ message: MessageAccepted.create({ id, to: '+447711123456', from: 'ACME', acceptedAtMs: Date.now(), priority: Priority.NORMAL }), segmentCount: 1, encoding: Encoding.GSM7 }),
    })),
  );
  await waitFor('every message routed', () => ids.every((id) => outbound.some((o) => o.encoded?.message?.id === id)));
  return ids.map((id) => outbound.find((o) => o.encoded?.message?.id === id)!.carrierId);
}

/** Each of the two replicas routed at least one message to the carrier since `before` (its own counter). */
async function bothRoutedTo(carrier: string, before: number[]): Promise<boolean> {
  const now = await Promise.all(routers.slice(0, 2).map((r) => metric(r.registry, 'smsgw_messages_routed_total', { carrier, attempt: 'first' })));
  return now.every((x, i) => x > before[i]);
}
const routedCounts = (carrier: string) => Promise.all(routers.slice(0, 2).map((r) => metric(r.registry, 'smsgw_messages_routed_total', { carrier, attempt: 'first' })));

beforeAll(async () => {
  pool = createPool(config.DATABASE_URL, { max: 4 });
  const price = (carrier: string, priceMicros: number) => importRateCard(pool, { carrier, currency: 'EUR', effectiveAtMs: Date.now() - 1000, entries: [{ prefix: '+44', country: '', network: '', priceMicros }] });
  await price(cheap, 10_000);
  await price(dear, 20_000);
  const lanes = [cheap, dear].map((c) => outboundTopic(c, 'priority'));
  await ensureTopics(kafka, topicSpecs([TOPICS.encoded, TOPICS.retry, TOPICS.submitted, ...lanes], config));
  await producer.connect();
  collector = kafka.consumer({ groupId: `${prefix}collector` });
  await collector.connect();
  await collector.subscribe({ topics: lanes.map((t) => t.name), fromBeginning: true });
  await collector.run({ eachBatch: async ({ batch }) => void outbound.push(...decodeBatch(lanes[0], batch.messages).events.map((e) => e.value)) });
  await Promise.all([startRouter(), startRouter()]);
});

afterAll(async () => {
  await Promise.all(routers.map((r) => r.app.close()));
  await collector?.disconnect();
  await producer.disconnect();
  await pool.query(`DELETE FROM routing_config_versions WHERE name = $1`, [configName]);
  await pool.query(`DELETE FROM rate_cards WHERE carrier_id IN ($1, $2)`, [cheap, dear]);
  await pool.end();
  rmSync(work, { recursive: true, force: true });
});

describe('routing configuration versions across router replicas (Kafka, PostgreSQL)', () => {
  it('both replicas start on version 1, bootstrapped once from ROUTES_FILE, and route by it', async () => {
    expect(await versionsInUse()).toEqual([1, 1]);
    const history = await listRoutingConfigs(pool, configName);
    expect(history.map((v) => [v.version, v.action])).toEqual([[1, 'bootstrap']]);
    expect(history[0].rateCardPins).toMatchObject({ [cheap]: 1, [dear]: 1 });
    const before = await routedCounts(cheap);
    expect(new Set(await routeSome())).toEqual(new Set([cheap]));
    await waitFor('both replicas to route to the cheaper carrier', () => bothRoutedTo(cheap, before));
  });

  it('an import switches both replicas to version 2, and both route by it', async () => {
    const change = await importRoutes(pool, configName, pinnedToDear, { ...author, comment: 'pin the UK' }, publish);
    expect(change).toMatchObject({ unchanged: false, record: { version: 2, action: 'import-routes', createdBy: 'routever-it', comment: 'pin the UK' } });
    await waitFor('both replicas on version 2', async () => (await versionsInUse()).every((v) => v === 2));
    const before = await routedCounts(dear);
    expect(new Set(await routeSome())).toEqual(new Set([dear]));
    await waitFor('both replicas to route by the pinned rule', () => bothRoutedTo(dear, before));
    // The same file again makes no version.
    expect(await importRoutes(pool, configName, pinnedToDear, author, publish)).toMatchObject({ unchanged: true, record: { version: 2 } });
  });

  it('a rollback to version 1 is version 3 with version 1 content; both replicas switch and route by it', async () => {
    const change = await rollbackRoutingConfig(pool, configName, 1, author, publish);
    expect(change.record).toMatchObject({ version: 3, action: 'rollback', sourceVersion: 1, routesYaml: leastCost, comment: 'rollback to version 1' });
    await waitFor('both replicas on version 3', async () => (await versionsInUse()).every((v) => v === 3));
    const before = await routedCounts(cheap);
    expect(new Set(await routeSome())).toEqual(new Set([cheap]));
    await waitFor('both replicas to route by version 1 rules again', () => bothRoutedTo(cheap, before));
    expect((await listRoutingConfigs(pool, configName)).map((v) => v.version)).toEqual([3, 2, 1]);
  });

  it('a replica started later is on the version in force before it routes (and bootstraps nothing)', async () => {
    const late = await startRouter();
    expect(await metric(late.registry, 'smsgw_router_config_version')).toBe(3);
    expect((await listRoutingConfigs(pool, configName)).length).toBe(3);
  });
});
