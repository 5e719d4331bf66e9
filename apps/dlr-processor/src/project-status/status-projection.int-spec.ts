// The dlr-processor end to end on the real Kafka and PostgreSQL: events published to
// sms.accepted.v1, sms.submitted.v2 (and the retired v1) and sms.dlr.raw.v1 in different orders come out as rows in
// the messages table and as sms.status.v1 events. Each run uses its own consumer groups (started
// at the topics' current end) and its own message ids, so other suites and old data never leak in.
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createPool, migrate, startPrivatePostgres, type PrivatePostgres } from '@smsgw/shared/data-access-db';
import { HealthRegistry } from '@smsgw/shared/feature-ops';
import { EventProducer, TOPICS, createKafka, ensureTopics, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry, type Registry } from '@smsgw/shared/util-metrics';
import { Encoding, MessageAccepted, MessageStatus as S, RawReceipt, StatusEvent, SubmitOutcome, SubmitReport, messageEvent, segmentEvent, type MessageReport, type SegmentReport, type SubmitEvent, type SubmitEventHeader } from '@smsgw/shared/util-proto';
import { getMessage, getMessages, listUnmatchedReceipts } from '@smsgw/status/data-access-store';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { AppModule } from '../app.module';
import { DLR_ENV } from '../env';
import { ExpirySweeper } from '../expire-messages/expiry.sweeper';

jest.setTimeout(120_000);

const run = `${Date.now().toString(36)}${process.pid}`;
const carrier = `itk-${run}`;
// A carrier of the carriers file with its own receipt stat word (the dlr-processor reads only that).
const carriersFile = join(mkdtempSync(join(tmpdir(), 'dlr-it-')), 'carriers.yaml');
writeFileSync(carriersFile, `carriers:\n  ${carrier}:\n    host: 127.0.0.1\n    systemId: smsgw\n    receiptStats: { OK_DONE: DELIVRD }\n`);
const env = {
  ...process.env,
  DLR_CONSUMER_GROUP: `smsgw-dlr-it-${run}`,
  DLR_EXPIRY_INTERVAL_SECONDS: '3600', // the test runs the sweep itself
  DLR_UNMATCHED_AFTER_SECONDS: '1',
  DLR_ID_FORMAT_DETECTION_SECONDS: '1',
  LOG_LEVEL: 'warn',
  CARRIERS_FILE: carriersFile,
};
const config = loadConfig(DLR_ENV, env);
const logger = createLogger({ app: 'dlr-processor-it', level: process.env['DLR_IT_LOG_LEVEL'] ?? 'warn' });
const kafka: Kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `dlr-it-${run}`, logger });
const producer = new EventProducer(kafka);
let pool: Pool;
let statusConsumer: Consumer;
const statusEvents: StatusEvent[] = [];
const INPUT_TOPICS = [TOPICS.accepted, TOPICS.submitted, TOPICS.submittedV1, TOPICS.dlrRaw];

/** A new consumer group that starts at the current end of the topics (no history, no race with the first publish). */
async function groupAtEnd(groupId: string, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      // Right after a topic is created its leaders may not be known yet: retry a few times.
      for (let attempt = 0; ; attempt++) {
        try {
          const offsets = await admin.fetchTopicOffsets(topic);
          await admin.setOffsets({ groupId, topic, partitions: offsets.map((p) => ({ partition: p.partition, offset: p.high })) });
          break;
        } catch (err) {
          if (attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
}

let registry: Registry;

async function startProcessor(groupId: string, { atEnd = true, databaseUrl = config.DATABASE_URL } = {}): Promise<INestApplicationContext> {
  if (atEnd) await groupAtEnd(groupId, INPUT_TOPICS.map((t) => t.name));
  const ctxConfig = loadConfig(DLR_ENV, { ...env, DLR_CONSUMER_GROUP: groupId, DATABASE_URL: databaseUrl });
  registry = createMetricsRegistry('dlr-processor');
  return NestFactory.createApplicationContext(AppModule.register({ logger, registry, config: ctxConfig }), { logger: false });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let n = 0;
const newId = () => `itk-${run}-${++n}`;
const T0 = Date.now();
const accepted = (id: string, acceptedAtMs = T0): OutgoingEvent<MessageAccepted> => ({
  topic: TOPICS.accepted,
  key: id,
  value: MessageAccepted.create({ id, to: '+447700900123', from: 'ACME', text: 'hello', clientReference: `ref-${id}`, acceptedAtMs, metadata: { k: 'v' } }),
});
const header = (id: string, count: number, over: Partial<SubmitEventHeader> = {}): SubmitEventHeader => ({
  messageId: id,
  segmentCount: count,
  reportedAtMs: Date.now(),
  acceptedAtMs: T0,
  encoding: count > 1 ? Encoding.UCS2 : Encoding.GSM7,
  to: '+447700900123',
  from: 'ACME',
  clientReference: `ref-${id}`,
  ...over,
});
/** A segment's submit event on sms.submitted.v2. */
const submitted = (id: string, index: number, count: number, { acceptedAtMs, ...over }: Partial<SegmentReport> & { acceptedAtMs?: number } = {}): OutgoingEvent<SubmitEvent> => ({
  topic: TOPICS.submitted,
  key: id,
  value: segmentEvent(header(id, count, acceptedAtMs ? { acceptedAtMs } : {}), { index, carrierId: carrier, outcome: SubmitOutcome.SUBMITTED, smscMessageId: `${id}-s${index}`, ...over }),
});
/** An event about the whole message on sms.submitted.v2. */
const aboutMessage = (id: string, count: number, over: Partial<MessageReport>): OutgoingEvent<SubmitEvent> => ({
  topic: TOPICS.submitted,
  key: id,
  value: messageEvent(header(id, count), over),
});
const receipt = (id: string, index: number, stat: string): OutgoingEvent<RawReceipt> => {
  const smscId = `${id}-s${index}`;
  return {
    topic: TOPICS.dlrRaw,
    key: `${carrier}/${smscId}`,
    value: RawReceipt.create({
      carrierId: carrier,
      smscMessageId: smscId,
      shortMessage: `id:${smscId} sub:001 dlvrd:001 submit date:2401311259 done date:2401311300 stat:${stat} err:000 text:hello`,
      esmClass: 4,
      receivedAtMs: Date.now(),
    }),
  };
};
const publish = (...events: OutgoingEvent<unknown>[]) => producer.sendMany(events as OutgoingEvent[]);
const statusOf = async (id: string) => (await getMessage(pool, id))?.status;
const eventsOf = (id: string) => statusEvents.filter((e) => e.messageId === id).map((e) => `${S[e.previousStatus]}>${S[e.status]}`);

beforeAll(async () => {
  pool = createPool(config.DATABASE_URL, { max: 4 });
  await ensureTopics(kafka, [...INPUT_TOPICS, TOPICS.status].map((t) => ({ name: t.name, partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: 1 })));
  await producer.connect();
  const statusGroup = `dlr-it-status-${run}`;
  await groupAtEnd(statusGroup, [TOPICS.status.name]);
  statusConsumer = kafka.consumer({ groupId: statusGroup, maxWaitTimeInMs: 50 });
  await statusConsumer.connect();
  await statusConsumer.subscribe({ topics: [TOPICS.status.name] });
  await statusConsumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        if (!m.value || !m.key?.toString().startsWith(`itk-${run}-`)) continue;
        const event = StatusEvent.decode(m.value);
        expect(m.key.toString()).toBe(event.messageId);
        statusEvents.push(event);
      }
    },
  });
});

afterAll(async () => {
  await statusConsumer?.disconnect();
  await producer.disconnect();
  await pool.query(`DELETE FROM receipt_correlation WHERE carrier_id = $1`, [carrier]);
  await pool.query(`DELETE FROM unmatched_receipts WHERE carrier_id = $1`, [carrier]);
  await pool.query(`DELETE FROM segments WHERE message_id LIKE $1`, [`itk-${run}-%`]);
  await pool.query(`DELETE FROM messages WHERE id LIKE $1`, [`itk-${run}-%`]);
  await pool.end();
});

describe('dlr-processor over Kafka', () => {
  let app: INestApplicationContext;
  beforeAll(async () => {
    app = await startProcessor(config.DLR_CONSUMER_GROUP);
  });
  afterAll(() => app?.close());

  it('in order: ACCEPTED, SUBMITTED, DELIVERED, each published once', async () => {
    const id = newId();
    await publish(accepted(id));
    await waitFor('ACCEPTED', async () => (await statusOf(id)) === S.ACCEPTED);
    await publish(submitted(id, 0, 1));
    await waitFor('SUBMITTED', async () => (await statusOf(id)) === S.SUBMITTED);
    await publish(receipt(id, 0, 'DELIVRD'));
    await waitFor('DELIVERED event', async () => eventsOf(id).length === 3);
    expect(eventsOf(id)).toEqual(['UNSPECIFIED>ACCEPTED', 'ACCEPTED>SUBMITTED', 'SUBMITTED>DELIVERED']);
    expect(await getMessage(pool, id)).toMatchObject({ status: S.DELIVERED, carrier, encoding: Encoding.GSM7, segments: 1, segmentsDelivered: 1, metadata: { k: 'v' } });
  });

  it('receipt before its submit report, submit report before the accepted event', async () => {
    const id = newId();
    await publish(receipt(id, 0, 'DELIVRD'));
    await waitFor('receipt row', async () => (await pool.query('SELECT 1 FROM receipt_correlation WHERE carrier_id = $1 AND smsc_message_id = $2', [carrier, `${id}-s0`])).rowCount);
    await publish(submitted(id, 0, 1));
    await waitFor('DELIVERED', async () => (await statusOf(id)) === S.DELIVERED);
    await publish(accepted(id));
    await waitFor('metadata from the accepted event', async () => (await getMessage(pool, id))?.metadata['k'] === 'v');
    await new Promise((r) => setTimeout(r, 300));
    expect(eventsOf(id)).toEqual(['ACCEPTED>DELIVERED']);
  });

  it('duplicate receipts change nothing', async () => {
    const id = newId();
    await publish(accepted(id), submitted(id, 0, 1));
    await waitFor('SUBMITTED', async () => (await statusOf(id)) === S.SUBMITTED);
    await publish(receipt(id, 0, 'DELIVRD'), receipt(id, 0, 'DELIVRD'));
    await waitFor('DELIVERED', async () => (await statusOf(id)) === S.DELIVERED);
    await publish(receipt(id, 0, 'DELIVRD'), receipt(id, 0, 'UNDELIV'));
    await new Promise((r) => setTimeout(r, 500));
    expect(await statusOf(id)).toBe(S.DELIVERED);
    expect(eventsOf(id).filter((e) => e.endsWith('>DELIVERED'))).toEqual(['SUBMITTED>DELIVERED']);
    expect(eventsOf(id)).toHaveLength(new Set(eventsOf(id)).size);
  });

  it('multi-part with one undelivered part, everything published at once', async () => {
    const id = newId();
    await publish(receipt(id, 1, 'UNDELIV'), submitted(id, 2, 3), receipt(id, 0, 'DELIVRD'), accepted(id), submitted(id, 0, 3), receipt(id, 2, 'DELIVRD'), submitted(id, 1, 3));
    await waitFor('UNDELIVERED', async () => (await statusOf(id)) === S.UNDELIVERED);
    await waitFor('final event', async () => eventsOf(id).some((e) => e.endsWith('>UNDELIVERED')));
    expect(await getMessage(pool, id)).toMatchObject({ segments: 3, segmentsDelivered: 2, encoding: Encoding.UCS2, reasonCode: 'DLR.UNDELIV' });
    const final = statusEvents.find((e) => e.messageId === id && e.status === S.UNDELIVERED);
    expect(final).toMatchObject({ reasonCode: 'DLR.UNDELIV', segmentCount: 3, segmentsDelivered: 2, clientReference: `ref-${id}` });
  });

  it('no route: FAILED with NO_ROUTE', async () => {
    const id = newId();
    await publish(accepted(id), aboutMessage(id, 1, { outcome: SubmitOutcome.FAILED, reasonCode: 'NO_ROUTE', reason: 'no route for +44' }));
    await waitFor('FAILED', async () => (await statusOf(id)) === S.FAILED);
    expect(await getMessage(pool, id)).toMatchObject({ reasonCode: 'NO_ROUTE', reason: 'no route for +44' });
    await waitFor('FAILED event', async () => eventsOf(id).some((e) => e.endsWith('>FAILED')));
  });

  it('reports on the retired sms.submitted.v1 (written before an upgrade) still project, -1 as the whole message', async () => {
    const [sent, refused] = [newId(), newId()];
    const v1 = (id: string, over: Partial<SubmitReport>): OutgoingEvent<SubmitReport> => ({ topic: TOPICS.submittedV1, key: id, value: SubmitReport.create({ ...header(id, 1), ...over }) });
    await publish(
      accepted(sent),
      accepted(refused),
      v1(sent, { segmentIndex: 0, carrierId: carrier, outcome: SubmitOutcome.SUBMITTED, smscMessageId: `${sent}-s0` }),
      v1(refused, { segmentIndex: -1, outcome: SubmitOutcome.FAILED, reasonCode: 'NO_ROUTE', reason: 'no route for +44' }),
    );
    await waitFor('SUBMITTED and FAILED', async () => (await statusOf(sent)) === S.SUBMITTED && (await statusOf(refused)) === S.FAILED);
    await publish(receipt(sent, 0, 'DELIVRD'));
    await waitFor('DELIVERED', async () => (await statusOf(sent)) === S.DELIVERED);
    expect(await getMessage(pool, refused)).toMatchObject({ reasonCode: 'NO_ROUTE', segments: 1 });
  });

  it('skips undecodable events and receipts without a stat without blocking the partition', async () => {
    const id = newId();
    const bad = RawReceipt.create({ carrierId: carrier, smscMessageId: `${id}-s0`, shortMessage: `id:${id}-s0 stat:WHATEVER`, receivedAtMs: Date.now() });
    await producer.sendMany([{ topic: TOPICS.dlrRaw, key: `${carrier}/${id}-s0`, value: bad }]);
    const admin = kafka.producer();
    await admin.connect();
    await admin.send({ topic: TOPICS.dlrRaw.name, messages: [{ key: `${carrier}/${id}-s0`, value: Buffer.from([0xff, 0xff, 0xff]) }] });
    await admin.disconnect();
    await publish(accepted(id), submitted(id, 0, 1), receipt(id, 0, 'DELIVRD'));
    await waitFor('DELIVERED', async () => (await statusOf(id)) === S.DELIVERED);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(new RegExp(`smsgw_receipts_total\\{carrier="${carrier}",stat="INVALID",app="dlr-processor"\\} [1-9]`));
    expect(metrics).toMatch(/smsgw_dlr_undecodable_total\{topic="[^"]*sms.dlr.raw.v1",app="dlr-processor"\} [1-9]/);
    expect(metrics).toMatch(/smsgw_status_transitions_total\{status="DELIVERED",app="dlr-processor"\} [1-9]/);
    expect(metrics).toMatch(/smsgw_dlr_batch_seconds_count\{app="dlr-processor"\} [1-9]/);
    expect(metrics).toMatch(/smsgw_message_accept_to_final_seconds_count\{app="dlr-processor",status="DELIVERED"\} [1-9]/);
  });

  it('the sweep expires messages past their maximum age and counts receipts nobody claimed', async () => {
    const stale = newId();
    const orphan = newId();
    const threeDaysAgo = Date.now() - 3 * 86_400_000;
    await publish(accepted(stale, threeDaysAgo), submitted(stale, 0, 1, { acceptedAtMs: threeDaysAgo }), receipt(orphan, 0, 'DELIVRD'));
    await waitFor('SUBMITTED', async () => (await statusOf(stale)) === S.SUBMITTED);
    await waitFor('orphan receipt row', async () => (await pool.query('SELECT 1 FROM receipt_correlation WHERE carrier_id = $1 AND smsc_message_id = $2', [carrier, `${orphan}-s0`])).rowCount);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await app.get(ExpirySweeper).sweep();
    expect(expired).toBeGreaterThanOrEqual(1);
    expect(await getMessage(pool, stale)).toMatchObject({ status: S.EXPIRED, reasonCode: 'EXPIRY.NO_FINAL_RECEIPT' });
    await waitFor('EXPIRED event', async () => eventsOf(stale).includes('SUBMITTED>EXPIRED'));
    expect(await registry.metrics()).toMatch(new RegExp(`smsgw_receipts_unmatched_total\\{carrier="${carrier}",app="dlr-processor"\\} [1-9]`));
  });

  it("reads the carrier's own stat word and common variants; an unknown word is kept as an unmatched receipt, counted, the message visibly pending", async () => {
    const own = newId();
    const variant = newId();
    const strange = newId();
    await publish(accepted(own), accepted(variant), accepted(strange), submitted(own, 0, 1), submitted(variant, 0, 1), submitted(strange, 0, 1));
    await waitFor('SUBMITTED', async () => (await statusOf(strange)) === S.SUBMITTED);
    const unknownStat = async () => Number((await registry.metrics()).match(new RegExp(`smsgw_dlr_unmatched_receipts_total\\{carrier="${carrier}",reason="DLR.UNKNOWN_STAT",app="dlr-processor"\\} (\\d+)`))?.[1] ?? 0);
    const countedBefore = await unknownStat(); // an earlier test sent one too
    await publish(receipt(own, 0, 'OK_DONE'), receipt(variant, 0, 'expird'), receipt(strange, 0, 'GONE_FISHING'));
    await waitFor('own word DELIVERED', async () => (await statusOf(own)) === S.DELIVERED);
    await waitFor('variant EXPIRED', async () => (await statusOf(variant)) === S.EXPIRED);
    const listed = await waitFor('unknown stat listed', async () => (await listUnmatchedReceipts(pool, { carrierId: carrier, limit: 50 })).find((r) => r.smscMessageId === `${strange}-s0`));
    expect(listed).toMatchObject({ reason: 'DLR.UNKNOWN_STAT', statWord: 'GONE_FISHING', messageId: strange, detail: expect.stringContaining('receiptStats') });
    expect(await statusOf(strange)).toBe(S.SUBMITTED);
    // Counted once the transaction has committed, a moment after the row is visible.
    await waitFor('counted', async () => (await unknownStat()) === countedBefore + 1, 10_000);
  });

  it('a receipt no submit report claims in time is listed with its reason and counted once; a late report still claims it', async () => {
    const orphan = newId();
    const late = newId();
    await publish(receipt(orphan, 0, 'DELIVRD'), receipt(late, 0, 'DELIVRD'));
    await waitFor('receipt rows', async () => (await pool.query('SELECT 1 FROM receipt_correlation WHERE carrier_id = $1 AND smsc_message_id = ANY($2)', [carrier, [`${orphan}-s0`, `${late}-s0`]])).rowCount === 2);
    await new Promise((r) => setTimeout(r, 1100));
    const countedNow = async () => Number((await registry.metrics()).match(new RegExp(`smsgw_dlr_unmatched_receipts_total\\{carrier="${carrier}",reason="DLR.NO_SUBMIT_REPORT",app="dlr-processor"\\} (\\d+)`))?.[1]);
    await app.get(ExpirySweeper).sweep();
    const counted = await countedNow();
    expect(counted).toBeGreaterThanOrEqual(2);
    await app.get(ExpirySweeper).sweep();
    expect(await countedNow()).toBe(counted); // each counted once
    const list = await listUnmatchedReceipts(pool, { carrierId: carrier, limit: 100 });
    expect(list.filter((r) => [`${orphan}-s0`, `${late}-s0`].includes(r.smscMessageId))).toEqual([
      expect.objectContaining({ reason: 'DLR.NO_SUBMIT_REPORT', statWord: 'DELIVRD', messageId: '' }),
      expect.objectContaining({ reason: 'DLR.NO_SUBMIT_REPORT', statWord: 'DELIVRD', messageId: '' }),
    ]);
    await publish(accepted(late), submitted(late, 0, 1));
    await waitFor('late report matched', async () => (await statusOf(late)) === S.DELIVERED);
    expect((await listUnmatchedReceipts(pool, { carrierId: carrier, limit: 100 })).map((r) => r.smscMessageId)).not.toContain(`${late}-s0`);
  });

  it('many messages with their events shuffled across topics all end DELIVERED, statuses only moving forward', async () => {
    const ids = Array.from({ length: 200 }, newId);
    const events = ids.flatMap((id) => [accepted(id), submitted(id, 0, 2), submitted(id, 1, 2), receipt(id, 0, 'ENROUTE'), receipt(id, 0, 'DELIVRD'), receipt(id, 1, 'DELIVRD')]);
    // shuffle, but keep the receipts of one SMSC id in order (the topic is keyed by it)
    const shuffled = events.map((e) => ({ e, k: Math.random() })).sort((a, b) => a.k - b.k).map((x) => x.e);
    const order = new Map<string, OutgoingEvent<unknown>[]>();
    for (const e of events) if (e.topic === TOPICS.dlrRaw) order.set(e.key, [...(order.get(e.key) ?? []), e]);
    await publish(...shuffled.map((e) => (e.topic === TOPICS.dlrRaw ? (order.get(e.key)?.shift() as OutgoingEvent<unknown>) : e)));
    await waitFor('all DELIVERED', async () => (await getMessages(pool, ids)).filter((m) => m.status === S.DELIVERED).length === ids.length);
    await waitFor('all DELIVERED events', async () => ids.every((id) => eventsOf(id).some((e) => e.endsWith('>DELIVERED'))));
    for (const id of ids) {
      const seq = statusEvents.filter((e) => e.messageId === id);
      for (let i = 1; i < seq.length; i++) expect(seq[i].previousStatus).toBe(seq[i - 1].status);
      expect(seq[seq.length - 1].status).toBe(S.DELIVERED);
    }
  });

  it('finds out that a carrier writes receipt ids in decimal and submit_sm_resp ids in hex, says so, and matches every receipt', async () => {
    // A carrier the carriers file says nothing about (receiptIdFormat: same) that answers submit_sm
    // in hex and writes its receipts in decimal: without detection every receipt stays unmatched.
    const mixed = `itx-${run}`;
    const base = BigInt(Date.now()) * 1000n;
    const hexReport = (id: string, n: bigint) => submitted(id, 0, 1, { carrierId: mixed, smscMessageId: n.toString(16).toUpperCase() });
    const decimalReceipt = (n: bigint): OutgoingEvent<RawReceipt> => ({
      topic: TOPICS.dlrRaw,
      key: `${mixed}/${n}`,
      value: RawReceipt.create({ carrierId: mixed, smscMessageId: `00${n}`, shortMessage: `id:00${n} sub:001 dlvrd:001 submit date:2401311259 done date:2401311300 stat:DELIVRD err:000 text:`, receivedAtMs: Date.now() }),
    });
    try {
      const before = Array.from({ length: 12 }, (_, i) => ({ id: newId(), n: base + BigInt(i) }));
      await publish(...before.flatMap(({ id, n }) => [accepted(id), hexReport(id, n)]));
      await waitFor('SUBMITTED', async () => (await getMessages(pool, before.map((m) => m.id))).every((m) => m.status === S.SUBMITTED));
      await publish(...before.map(({ n }) => decimalReceipt(n)));
      await waitFor('receipt rows', async () => (await pool.query('SELECT 1 FROM receipt_correlation WHERE carrier_id = $1 AND message_id IS NULL', [mixed])).rowCount === before.length);
      await new Promise((r) => setTimeout(r, 1100));
      await app.get(ExpirySweeper).sweep(); // marks them unmatched (DLR_UNMATCHED_AFTER_SECONDS: 1): what detection reads
      await waitFor('all DELIVERED after detection', async () => (await getMessages(pool, before.map((m) => m.id))).every((m) => m.status === S.DELIVERED), 30_000);
      const metrics = await registry.metrics();
      expect(metrics).toMatch(new RegExp(`smsgw_receipt_id_format_detected\\{carrier="${mixed}",format="hex-to-decimal",app="dlr-processor"\\} 1`));
      expect(metrics).toMatch(/smsgw_receipts_rematched_total\{app="dlr-processor"\} (1[2-9]|[2-9]\d)/);
      // From now on both orders match at once, with no scan between.
      const receiptFirst = { id: newId(), n: base + 100n };
      const reportFirst = { id: newId(), n: base + 101n };
      await publish(accepted(reportFirst.id), hexReport(reportFirst.id, reportFirst.n), decimalReceipt(receiptFirst.n));
      await waitFor('SUBMITTED', async () => (await statusOf(reportFirst.id)) === S.SUBMITTED);
      await publish(decimalReceipt(reportFirst.n), accepted(receiptFirst.id), hexReport(receiptFirst.id, receiptFirst.n));
      await waitFor('both DELIVERED', async () => (await getMessages(pool, [receiptFirst.id, reportFirst.id])).every((m) => m.status === S.DELIVERED), 30_000);
      expect((await listUnmatchedReceipts(pool, { carrierId: mixed, limit: 100 })).length).toBe(0);
    } finally {
      await pool.query(`DELETE FROM receipt_correlation WHERE carrier_id = $1`, [mixed]);
    }
  });
});

describe('dlr-processor across a PostgreSQL restart', () => {
  // A private server, stopped (immediate: connections drop mid-transaction) and started again
  // while events keep arriving; the shared server is never touched.
  let pg: PrivatePostgres;
  let privatePool: Pool;
  beforeAll(async () => {
    pg = await startPrivatePostgres();
    await migrate(pg.url);
    privatePool = createPool(pg.url, { max: 2, onIdleError: () => undefined });
  });
  afterAll(async () => {
    await privatePool?.end().catch(() => undefined);
    pg?.destroy();
  });

  it('reports unhealthy while the database is down, then projects every message to its final status', async () => {
    const app = await startProcessor(`smsgw-dlr-it-restart-${run}`, { databaseUrl: pg.url });
    try {
      const health = app.get(HealthRegistry);
      const ids = Array.from({ length: 1500 }, newId);
      const eventsOf = (some: string[]) => some.flatMap((id) => [accepted(id), submitted(id, 0, 1), receipt(id, 0, 'DELIVRD')]);
      const delivered = async () => Number((await privatePool.query(`SELECT count(*) AS n FROM messages WHERE id = ANY($1::text[]) AND status = $2`, [ids, S.DELIVERED])).rows[0].n);
      await waitFor('database healthy', async () => health.report().checks['database'] === 'ok');
      await publish(...eventsOf(ids.slice(0, 500)));
      await waitFor('projection under way', async () => (await delivered()) > 0);
      const sending = (async () => {
        for (let i = 500; i < ids.length; i += 100) await publish(...eventsOf(ids.slice(i, i + 100)));
      })();
      pg.stopImmediate();
      await waitFor('database unhealthy', async () => /PostgreSQL unreachable/.test(health.report().checks['database']), 10_000);
      await sending;
      await new Promise((r) => setTimeout(r, 5_000));
      expect(health.report().ok).toBe(false);
      pg.start();
      await waitFor('all DELIVERED after the restart', async () => (await delivered()) === ids.length, 90_000);
      await waitFor('database healthy again', async () => health.report().checks['database'] === 'ok', 10_000);
      expect(health.report()).toMatchObject({ ok: true });
    } finally {
      await app.close();
    }
  });
});

describe('dlr-processor throughput', () => {
  it('projects 10,000 events already on the topics', async () => {
    const groupId = `smsgw-dlr-it-bench-${run}`;
    await groupAtEnd(groupId, INPUT_TOPICS.map((t) => t.name));
    const ids = Array.from({ length: 2000 }, newId);
    // per message: accepted, two submit reports, two receipts = 10,000 events
    const events = ids.flatMap((id) => [accepted(id), submitted(id, 0, 2), submitted(id, 1, 2), receipt(id, 0, 'DELIVRD'), receipt(id, 1, 'DELIVRD')]);
    for (let i = 0; i < events.length; i += 2500) await publish(...events.slice(i, i + 2500));

    const started = Date.now();
    const app = await startProcessor(groupId, { atEnd: false });
    try {
      const count = async () => Number((await pool.query(`SELECT count(*) FILTER (WHERE status = $2) AS delivered, count(*) AS seen FROM messages WHERE id = ANY($1::text[])`, [ids, S.DELIVERED])).rows[0].delivered);
      const rows = async () => Number((await pool.query(`SELECT count(*) AS n FROM messages WHERE id = ANY($1::text[])`, [ids])).rows[0].n);
      await waitFor('the first batch', async () => (await rows()) > 0, 60_000);
      const firstBatch = Date.now();
      await waitFor('all DELIVERED', async () => (await count()) === ids.length, 90_000);
      const done = Date.now();
      const total = (done - started) / 1000;
      const projecting = (done - firstBatch) / 1000;
      // Reported, not asserted tightly: it depends on the machine and what else runs on it.
      process.stdout.write(
        `dlr-processor projected ${events.length} events (${ids.length} two-part messages): ${projecting.toFixed(2)} s from the first batch ` +
          `(${Math.round(events.length / projecting)} events/s), ${total.toFixed(2)} s with the consumer group join\n`,
      );
      expect(total).toBeLessThan(90);
    } finally {
      await app.close();
    }
  });
});
