// The router on the real Kafka and PostgreSQL: rules from a file (routing configuration version 1
// of a configuration of this run's own), rate cards imported into the test database, encoded
// messages and retries in, outbound events and ROUTED/FAILED reports out. Each run has its own
// topic prefix (fresh topics and consumer group), configuration name and carrier ids.
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { importRateCard, importRateCardVersion, importRoutes, routingConfigPublisher } from '@smsgw/routing/data-access-config';
import { createPool } from '@smsgw/shared/data-access-db';
import { EventProducer, TOPICS, createKafka, decodeBatch, ensureTopics, outboundTopic, setTopicPrefix, topicSpecs, type Topic } from '@smsgw/shared/data-access-kafka';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
const registry = createMetricsRegistry('router');
import { Encoding, MessageAccepted, MessageEncoded, MessageStatus, OutboundMessage, Priority, RetryRequest, StatusEvent, SubmitOutcome, segmentEvent, type MessageReport, type SubmitEvent } from '@smsgw/shared/util-proto';
import type { Consumer, Kafka } from 'kafkajs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { AppModule } from '../app.module';
import { ROUTER_ENV } from '../env';

jest.setTimeout(120_000);

const run = `${Date.now().toString(36)}${process.pid}`;
setTopicPrefix(`router-it-${run}.`);
const cheap = `ita-${run}`;
const pinned = `itb-${run}`;
const work = mkdtempSync(join(tmpdir(), 'router-it-'));
const routesFile = join(work, 'routes.yaml');
const rules = (extra = '') => `currency: EUR
exchangeRates: { GBP: 1.2 }
rules:${extra}
  - id: pin-de
    match: { country: DE }
    action: { type: fixed, carriers: [${pinned}] }
  - id: uk
    match: { country: [GB] }
    action: { type: least-cost, carriers: [${cheap}, ${pinned}], maxPriceMicros: 20000 }
`;
writeFileSync(routesFile, rules());
const configName = `router-it-${run}`;
const env = { ...process.env, KAFKA_TOPIC_PREFIX: `router-it-${run}.`, ROUTES_FILE: routesFile, ROUTING_CONFIG_NAME: configName, RATE_CARD_REFRESH_MS: '200', ROUTE_QUALITY_REFRESH_MS: '200', LOG_LEVEL: 'warn' };
const config = loadConfig(ROUTER_ENV, env);
const logger = createLogger({ app: 'router-it', level: 'warn' });
const kafka: Kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `router-it-${run}`, logger });
const producer = new EventProducer(kafka);
let pool: Pool;
let app: INestApplicationContext;
const consumers: Consumer[] = [];
const outbound: OutboundMessage[] = [];
/** What reached the carriers' bulk (marketing) lane; `outbound` is their priority lane. */
const bulk: OutboundMessage[] = [];
const reports: SubmitEvent[] = [];

async function collect<T>(topic: Topic<T>, into: T[]): Promise<void> {
  const consumer = kafka.consumer({ groupId: `router-it-${run}-${topic.name}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic.name], fromBeginning: true });
  await consumer.run({ eachBatch: async ({ batch }) => void into.push(...decodeBatch(topic, batch.messages).events.map((e) => e.value)) });
  consumers.push(consumer);
}

async function waitFor<T>(what: string, probe: () => T | undefined): Promise<T> {
  const until = Date.now() + 60_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let n = 0;
const encoded = (to: string, over: Partial<MessageAccepted> = {}) =>
  MessageEncoded.create({ message: MessageAccepted.create({ id: `m-${run}-${++n}`, to, from: 'ACME', acceptedAtMs: Date.now(), priority: Priority.NORMAL, ...over }), segmentCount: 2, encoding: Encoding.GSM7 });
const send = (e: MessageEncoded) => producer.sendMany([{ topic: TOPICS.encoded, key: e.message!.id, value: e }]);
const outboundOf = (id: string, attempt = 1) => waitFor(`outbound ${id}`, () => outbound.find((o) => o.encoded?.message?.id === id && o.attempt === attempt));
/** The router's event about the whole message with this outcome (ROUTED: of this attempt). */
const reportOf = (id: string, outcome: SubmitOutcome, attempt = 1) =>
  waitFor(`report ${id}`, (): MessageReport | undefined => {
    const r = reports.find((e) => e.messageId === id && e.subject?.$case === 'message' && e.subject.value.outcome === outcome && (outcome !== SubmitOutcome.ROUTED || e.subject.value.route?.attempt === attempt));
    return r?.subject?.$case === 'message' ? r.subject.value : undefined;
  });
const rateCard = (carrier: string, currency: string, entries: [string, string, number][]) => ({ carrier, currency, effectiveAtMs: Date.now() - 1000, entries: entries.map(([prefix, country, priceMicros]) => ({ prefix, country, network: '', priceMicros })) });
/** Before the router starts: version 1 (the bootstrap from the file) pins it. */
const card = (carrier: string, currency: string, entries: [string, string, number][]) => importRateCard(pool, rateCard(carrier, currency, entries));
const publish = routingConfigPublisher(kafka, producer, config);
const author = { createdBy: 'router-it', comment: '' };

beforeAll(async () => {
  pool = createPool(config.DATABASE_URL, { max: 2 });
  await card(cheap, 'EUR', [['+44', '', 12_000]]);
  await card(pinned, 'GBP', [['', 'GB', 11_000], ['', 'DE', 40_000]]); // GB: 13,200 EUR
  const lanes = [cheap, pinned].flatMap((c) => [outboundTopic(c, 'priority'), outboundTopic(c, 'bulk')]);
  await ensureTopics(kafka, topicSpecs([TOPICS.encoded, TOPICS.retry, TOPICS.submitted, ...lanes], config));
  await producer.connect();
  await Promise.all([...lanes.map((t, i) => collect(t, i % 2 === 0 ? outbound : bulk)), collect(TOPICS.submitted, reports)]);
  app = await NestFactory.createApplicationContext(AppModule.register({ logger, registry, config }), { logger: false });
  await app.init();
});

afterAll(async () => {
  await app?.close();
  await Promise.all(consumers.map((c) => c.disconnect()));
  await producer.disconnect();
  await pool.query(`DELETE FROM rate_cards WHERE carrier_id IN ($1, $2)`, [cheap, pinned]);
  await pool.query(`DELETE FROM routing_config_versions WHERE name = $1`, [configName]);
  await pool.end();
  rmSync(work, { recursive: true, force: true });
});

describe('router (Kafka, PostgreSQL)', () => {
  it('routes by price from the rate cards, pins a country by rule, and reports each decision with its price', async () => {
    const uk = encoded('+447711123456');
    const de = encoded('+4915112345678');
    const nowhere = encoded('+33612345678');
    await Promise.all([send(uk), send(de), send(nowhere)]);

    expect(await outboundOf(uk.message!.id)).toMatchObject({ carrierId: cheap, routeId: 'uk', pricePerSegmentMicros: 12_000, totalMicros: 24_000, currency: 'EUR', triedCarriers: [cheap] });
    expect((await reportOf(uk.message!.id, SubmitOutcome.ROUTED)).route).toMatchObject({ ruleId: 'uk', carrierId: cheap, pricePerSegmentMicros: 12_000, totalMicros: 24_000, currency: 'EUR', attempt: 1 });
    expect(await outboundOf(de.message!.id)).toMatchObject({ carrierId: pinned, routeId: 'pin-de', pricePerSegmentMicros: 40_000, currency: 'GBP' });
    expect(await reportOf(nowhere.message!.id, SubmitOutcome.FAILED)).toMatchObject({ reasonCode: 'NO_ROUTE' });
    const cost = await registry.getSingleMetric('smsgw_route_cost_micros_total')?.get();
    expect(cost?.values.find((v) => v.labels.carrier === cheap && v.labels.currency === 'EUR')?.value).toBe(24_000);
    // Counted once the batch's events are acknowledged: just after the report is visible.
    const noRoute = async () => (await registry.getSingleMetric('smsgw_messages_route_failed_total')?.get())?.values.find((v) => v.labels.reason === 'NO_ROUTE')?.value ?? 0;
    for (const until = Date.now() + 10_000; (await noRoute()) < 1 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    expect(await noRoute()).toBeGreaterThanOrEqual(1);
  });

  it('marketing (priority LOW) goes to the carrier bulk lane, the rest to its priority lane', async () => {
    const promo = encoded('+447711123460', { priority: Priority.LOW });
    await send(promo);
    expect(await waitFor('bulk lane', () => bulk.find((o) => o.encoded?.message?.id === promo.message!.id))).toMatchObject({ carrierId: cheap });
    expect(outbound.some((o) => o.encoded?.message?.id === promo.message!.id)).toBe(false);
  });

  it('a retry goes to the next carrier as attempt 2, within the maximum price', async () => {
    const uk = encoded('+447711123457');
    await send(uk);
    const first = await outboundOf(uk.message!.id);
    await producer.sendMany([{ topic: TOPICS.retry, key: uk.message!.id, value: RetryRequest.create({ outbound: first, reasonCode: 'SMPP.ESME_RSYSERR', reason: 'system error' }) }]);
    expect(await outboundOf(uk.message!.id, 2)).toMatchObject({ carrierId: pinned, attempt: 2, triedCarriers: [cheap, pinned], pricePerSegmentMicros: 11_000, currency: 'GBP' });
    expect((await reportOf(uk.message!.id, SubmitOutcome.ROUTED, 2)).route).toMatchObject({ carrierId: pinned, attempt: 2 });
  });

  it('a new rate card version and new route rules (each a routing configuration version) apply without a restart', async () => {
    const imported = await importRateCardVersion(pool, configName, rateCard(pinned, 'GBP', [['', 'GB', 9_000]]), author, publish); // 10,800 EUR: now the cheaper
    expect(imported.config.record).toMatchObject({ version: 2, action: 'import-rate-card', rateCardPins: { [pinned]: 2 } });
    const before = Date.now();
    let moved: OutboundMessage | undefined;
    while (!moved) {
      const uk = encoded('+447711123458');
      await send(uk);
      const o = await outboundOf(uk.message!.id);
      if (o.carrierId === pinned) moved = o;
      else if (Date.now() - before > 30_000) throw new Error('the new rate card was not used within 30 s');
    }
    expect(moved).toMatchObject({ pricePerSegmentMicros: 9_000, routeId: 'uk' });

    await importRoutes(pool, configName, rules(`\n  - id: otp-fixed\n    match: { class: otp }\n    action: { type: fixed, carriers: [${cheap}] }`), author, publish);
    const start = Date.now();
    for (;;) {
      const otp = encoded('+447711123459', { priority: Priority.HIGH });
      await send(otp);
      const o = await outboundOf(otp.message!.id);
      if (o.routeId === 'otp-fixed') {
        expect(o.carrierId).toBe(cheap);
        break;
      }
      if (Date.now() - start > 30_000) throw new Error('the imported rules were not used within 30 s');
    }
    expect((await registry.getSingleMetric('smsgw_router_config_version')?.get())?.values[0]?.value).toBe(3);
  });

  it('learns from results: a carrier whose receipts turn 40 % UNDELIV has its breaker opened and loses its traffic', async () => {
    // After the test above, pinned is the cheaper for UK. Results for it come in until the router moves off it.
    const start = Date.now();
    let k = 0;
    for (;;) {
      const now = Date.now();
      const events = Array.from({ length: 10 }, (_, i) => {
        const id = `r-${run}-${++k}`;
        return [
          { topic: TOPICS.submitted, key: id, value: segmentEvent({ messageId: id, segmentCount: 1, to: '+447711123456', reportedAtMs: now - 2_000 }, { index: 0, carrierId: pinned, outcome: SubmitOutcome.SUBMITTED }) },
          { topic: TOPICS.status, key: id, value: StatusEvent.create({ messageId: id, carrierId: pinned, status: i < 4 ? MessageStatus.UNDELIVERED : MessageStatus.DELIVERED, occurredAtMs: now, acceptedAtMs: now - 3_000 }) },
        ];
      }).flat();
      await producer.sendMany(events);
      const uk = encoded('+447711123456');
      await send(uk);
      const o = await outboundOf(uk.message!.id);
      if (o.carrierId === cheap) break;
      if (Date.now() - start > 30_000) throw new Error('the router did not move off the degraded carrier within 30 s');
    }
    const state = await registry.getSingleMetric('smsgw_route_breaker_state')?.get();
    expect(state?.values.find((v) => v.labels.carrier === pinned)?.value).toBe(2); // open
    const score = await registry.getSingleMetric('smsgw_route_quality_score')?.get();
    expect(score?.values.find((v) => v.labels.carrier === pinned)?.value).toBeLessThan(0.8);
  });
});
