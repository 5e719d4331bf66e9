// Priority lanes, the acceptance test of issue 14: with 50,000 marketing messages queued for a
// carrier (a real Kafka topic, the simulator over TCP, the carrier's TPS far below the backlog),
// OTPs published to the same carrier are submitted within 1 s (p99).
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { readCarriersConfig } from '@smsgw/carriers/util-config';
import { EventProducer, TOPICS, createKafka, outboundTopic, type OutboundLane } from '@smsgw/shared/data-access-kafka';
import { createLogger } from '@smsgw/shared/util-logging';
import { MessageAccepted, OutboundMessage, Priority, SubmitOutcome } from '@smsgw/shared/util-proto';
import { startSimulator, type RunningSimulator } from '@smsgw/smpp/feature-simulator';
import { SmppConnector } from './index';
import { TopicWatcher } from './testing/topic-watcher';

jest.setTimeout(120_000);

const BACKLOG = Number(process.env['LANES_BACKLOG'] ?? 50_000);
const OTPS = 50;
const TPS = 200;

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const logger = createLogger({ app: 'lanes-int-spec', level: process.env['LOG_LEVEL'] ?? 'silent' });
const kafka = createKafka({ brokers, clientId: 'lanes-int-spec', logger });

let watcher: TopicWatcher;
let producer: EventProducer;
let sim: RunningSimulator | undefined;
let connector: SmppConnector | undefined;

beforeAll(async () => {
  watcher = await TopicWatcher.start(kafka, [TOPICS.submitted]);
  producer = new EventProducer(kafka);
  await producer.connect();
});

afterAll(async () => {
  await connector?.stop().catch(() => undefined);
  await sim?.close();
  await watcher?.stop();
  await producer?.disconnect();
});

function message(carrierId: string, i: number, priority: Priority): OutboundMessage {
  const id = `m-${randomUUID()}`;
  const to = `+4477${priority === Priority.HIGH ? '01' : '02'}${String(i).padStart(6, '0')}`;
  const text = priority === Priority.HIGH ? `Your code is ${String(i).padStart(6, '0')}` : `Spring sale ${i}: 20% off`;
  return OutboundMessage.create({ encoded: { message: MessageAccepted.create({ id, to, from: 'ACME', text, priority, acceptedAtMs: Date.now() }), text }, carrierId, attempt: 1, routedAtMs: Date.now() });
}

const idOf = (m: OutboundMessage) => m.encoded?.message?.id ?? '';
const send = (carrierId: string, lane: OutboundLane, messages: OutboundMessage[]) => producer.sendMany(messages.map((m) => ({ topic: outboundTopic(carrierId, lane), key: idOf(m), value: m })));

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

describe('priority lanes (Kafka + simulator over TCP)', () => {
  it(`an OTP overtakes ${BACKLOG.toLocaleString('en')} queued marketing messages: submitted within 1 s (p99)`, async () => {
    sim = await startSimulator({ config: {} });
    const id = `t-${randomUUID().slice(0, 8)}`;
    const carrier = readCarriersConfig({ carriers: { [id]: { host: '127.0.0.1', port: sim.port, systemId: 'smsgw', password: 'secret', binds: 2, window: 50, tps: TPS, registeredDelivery: 0, reconnect: { initialMs: 50, maxMs: 500 } } } }).carriers.get(id);
    if (!carrier) throw new Error('carrier settings');
    const registry = new Registry();
    connector = new SmppConnector({ carrier, kafka, logger, registry, instanceId: 'lanes-int-spec', replicas: 1, topicPartitions: 4, replicationFactor: 1, consumerConcurrency: 4, healthIntervalMs: 0, shutdownTimeoutMs: 2_000, moReassemblyTimeoutMs: 1_000 });
    await connector.start();
    await connector.pool.whenBound(5_000);

    const publishing = Date.now();
    const marketing = Array.from({ length: BACKLOG }, (_, i) => message(id, i, Priority.LOW));
    for (let i = 0; i < marketing.length; i += 5_000) await send(id, 'bulk', marketing.slice(i, i + 5_000));
    const publishedMs = Date.now() - publishing;
    const bulkIds = new Set(marketing.map(idOf));
    // The carrier is busy with marketing: its queue is full and the bulk lane paused.
    await watcher.waitFor(TOPICS.submitted, (e) => bulkIds.has(e.value.messageId), (events) => events.length >= TPS);

    const sentAt = new Map<string, number>();
    for (let i = 0; i < OTPS; i++) {
      const otp = message(id, i, Priority.HIGH);
      sentAt.set(idOf(otp), Date.now());
      await send(id, 'priority', [otp]);
      await new Promise((r) => setTimeout(r, 100)); // spread over 5 s of the backlog
    }
    const otpReports = await watcher.waitFor(TOPICS.submitted, (e) => sentAt.has(e.value.messageId), (events) => events.length >= OTPS, 30_000);
    expect(otpReports.every((e) => e.value.subject?.value.outcome === SubmitOutcome.SUBMITTED)).toBe(true);
    const latencies = otpReports.map((e) => e.value.reportedAtMs - (sentAt.get(e.value.messageId) ?? 0)).sort((a, b) => a - b);
    const bulkSubmitted = watcher.all(TOPICS.submitted).filter((e) => bulkIds.has(e.value.messageId)).length;
    const queuedBulk = connector.pool.queuedIn('bulk');
    const [p50, p99, max] = [percentile(latencies, 50), percentile(latencies, 99), latencies[latencies.length - 1]];
    console.log(
      `priority lanes: ${BACKLOG} marketing messages published in ${publishedMs} ms at ${TPS} TPS; ${OTPS} OTPs publish→submit_sm_resp p50 ${p50} ms, p99 ${p99} ms, max ${max} ms; ` +
        `meanwhile ${bulkSubmitted} marketing submitted, ${queuedBulk} in the connector queue, the rest still on the topic`,
    );
    expect(p99).toBeLessThan(1_000);
    // The backlog really was there the whole time: most of it is still not submitted.
    expect(bulkSubmitted).toBeLessThan(BACKLOG - 10 * TPS);
    expect(sim.stats().duplicateSubmits).toBe(0);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(new RegExp(`smsgw_smpp_queue_wait_seconds_count\\{carrier="${id}",lane="priority"\\} ${OTPS}\\b`));
    // The bulk lane paused while the queue was full (the gauge says only whether it is paused at this
    // instant: the queue drains below its mark and refills, so it flips).
    expect(metrics).toMatch(new RegExp(`smsgw_smpp_consumer_pauses_total\\{carrier="${id}",lane="bulk"\\} [1-9]\\d*\\b`));
    expect(metrics).not.toMatch(new RegExp(`smsgw_smpp_consumer_pauses_total\\{carrier="${id}",lane="priority"\\}`));

    const stopping = Date.now();
    await connector.stop(); // the queued marketing is withdrawn, not waited for
    expect(Date.now() - stopping).toBeLessThan(5_000);
  });
});
