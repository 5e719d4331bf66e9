// Connector throughput with Kafka in the loop: pre-produce N OutboundMessages for a fresh carrier,
// start one connector (2 binds, window 100) against the SMSC simulator (its own process), and time
// until every message's submit events are published and the batch offsets committed.
//   node -r ./tools/ts-run.cjs tools/bench/connector.ts [--json] [--messages N] [--binds 2] [--window 100] [--partitions 4]
//     [--fetch-bytes 131072] [--long-share 0] [--no-receipts] [--profile] [--debug]
// --long-share 0.2: that share of the messages is 3-segment GSM-7 (concatenated with a UDH).
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { readCarriersConfig } from '@smsgw/carriers/util-config';
import { EventProducer, createKafka, ensureTopics, outboundTopic, prefixed } from '@smsgw/shared/data-access-kafka';
import { createLogger } from '@smsgw/shared/util-logging';
import { MessageAccepted, OutboundMessage } from '@smsgw/shared/util-proto';
import { SmppConnector, useNodeTextEncoding } from '@smsgw/smpp/feature-connector';
import { startSimulator } from '@smsgw/smpp/feature-simulator';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

/** Child mode: run the simulator in its own process and report its port. */
async function simulatorChild(): Promise<void> {
  const sim = await startSimulator({ config: { receipts: { outcomes: { DELIVRD: 1 } } } });
  process.send?.({ port: sim.port });
  process.on('message', async (m: { cmd?: string }) => {
    if (m.cmd === 'stats') process.send?.({ stats: sim.stats() });
    if (m.cmd === 'stop') {
      await sim.close();
      process.exit(0);
    }
  });
}

/** --profile: a CPU profile of the timed phase only (not the pre-production), as a .cpuprofile file. */
async function startProfiler(): Promise<() => Promise<string>> {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    const file = join(tmpdir(), `connector-bench-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    return file;
  };
}

function startSimulatorProcess(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(__filename, ['--simulator-child'], { execArgv: ['-r', require.resolve('../ts-run.cjs')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`simulator process exited (${code})`)));
  });
}

function ask<T>(child: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m: T) => resolve(m));
    child.send({ cmd });
  });
}

async function main(): Promise<void> {
  useNodeTextEncoding();
  const json = process.argv.includes('--json');
  const messages = arg('messages', 100_000);
  const binds = arg('binds', 2);
  const window = arg('window', 100);
  const partitions = arg('partitions', 4);
  const longEvery = arg('long-share', 0) > 0 ? Math.max(1, Math.round(1 / arg('long-share', 0))) : 0;
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
  // Logs go to stderr so that --json leaves exactly one JSON object on stdout.
  const logger = createLogger({ app: 'bench-connector', level: process.env['LOG_LEVEL'] ?? 'warn', destination: pino.destination(2) });
  const kafka = createKafka({ brokers, clientId: 'bench-connector', logger });
  const say = (line: string) => {
    if (!json) console.log(line);
  };

  const { child, port } = await startSimulatorProcess();
  const carrierId = `bench-${randomUUID().slice(0, 8)}`;
  const topic = outboundTopic(carrierId);
  await ensureTopics(kafka, [{ name: topic.name, partitions, replicationFactor: 1 }]);

  say(`pre-producing ${messages} OutboundMessages to ${topic.name} (${partitions} partitions)…`);
  const producer = new EventProducer(kafka);
  await producer.connect();
  const chunk = 2_000;
  for (let i = 0; i < messages; i += chunk) {
    const events = [];
    for (let j = i; j < Math.min(messages, i + chunk); j++) {
      const id = `${carrierId}-${j}`;
      const short = `Your code is ${String(100000 + j).slice(-6)}. It expires in 10 minutes.`;
      const text = longEvery > 0 && j % longEvery === 0 ? `${short} `.repeat(9) : short; // 423 septets: 3 segments
      const value = OutboundMessage.create({
        encoded: { message: MessageAccepted.create({ id, to: `+4477009${String(j % 100000).padStart(5, '0')}`, from: 'SMSGW', text, acceptedAtMs: Date.now() }), text },
        carrierId,
        attempt: 1,
      });
      events.push({ topic, key: id, value });
    }
    await producer.sendMany(events);
  }
  await producer.disconnect();

  const carrier = readCarriersConfig({ carriers: { [carrierId]: { host: '127.0.0.1', port, systemId: 'smsgw', password: 'secret', binds, window, tps: 0, registeredDelivery: process.argv.includes('--no-receipts') ? 0 : 1 } } }).carriers.get(carrierId);
  if (!carrier) throw new Error('carrier config');
  const registry = new Registry();
  const connector = new SmppConnector({
    carrier,
    kafka,
    logger,
    registry,
    instanceId: 'bench',
    replicas: 1,
    topicPartitions: partitions,
    replicationFactor: 1,
    consumerConcurrency: partitions,
    maxBytesPerPartition: arg('fetch-bytes', 131_072),
    healthIntervalMs: 0,
    shutdownTimeoutMs: 10_000,
    moReassemblyTimeoutMs: 10_000,
  });
  const groupId = prefixed(`smsgw-connector-${carrierId}`);
  const admin = kafka.admin();
  await admin.connect();
  const committed = async () => {
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic.name] });
    return offsets[0].partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  };

  say(`connector: ${binds} binds × window ${window}, simulator on port ${port}`);
  const profiler = process.argv.includes('--profile') ? await startProfiler() : undefined;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await connector.start();
  await connector.pool.whenBound(10_000);
  const bound = performance.now();
  let done = 0;
  let lastLog = started;
  while (done < messages) {
    await new Promise((r) => setTimeout(r, 50));
    done = await committed();
    if (!json && performance.now() - lastLog > 2000) {
      lastLog = performance.now();
      say(`  ${done}/${messages} committed, ${Math.round(done / ((performance.now() - bound) / 1000))} msg/s`);
    }
    if (performance.now() - started > 600_000) throw new Error(`timed out with ${done}/${messages} committed`);
  }
  const elapsed = (performance.now() - bound) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (profiler) say(`CPU profile of the connector phase: ${await profiler()}`);
  const { stats } = await ask<{ stats: { submits: { accepted: number; throttled: number }; duplicateSubmits: number } }>(child, 'stats');
  if (process.argv.includes('--debug')) for (const m of ['smsgw_smpp_submit_latency_seconds', 'smsgw_smpp_consumer_pauses_total']) console.log(await registry.getSingleMetricAsString(m));
  await connector.stop();
  await admin.disconnect();
  child.send({ cmd: 'stop' });

  const segments = stats.submits.accepted;
  const result = {
    messages,
    segments,
    longShare: longEvery > 0 ? 1 / longEvery : 0,
    seconds: Number(elapsed.toFixed(3)),
    segmentsPerSec: Math.round(segments / elapsed),
    binds,
    window,
    partitions,
    duplicateSubmits: stats.duplicateSubmits,
    throttled: stats.submits.throttled,
    bindMs: Math.round(bound - started),
    /** CPU of the connector process per segment (µs): the figure to optimise when the machine is shared. */
    cpuMicrosPerSegment: Math.round((cpu.user + cpu.system) / Math.max(1, segments)),
    loadAverage: Number(loadavg()[0].toFixed(2)),
    cpus: cpus().length,
  };
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(`${segments} segments in ${result.seconds} s (from first bind to last commit): ${result.segmentsPerSec} segments/s`);
    console.log(`duplicates at the SMSC: ${result.duplicateSubmits}, throttled: ${result.throttled}`);
    console.log(`connector CPU: ${result.cpuMicrosPerSegment} µs/segment; machine: ${result.cpus} CPUs, load average ${result.loadAverage}`);
  }
}

if (process.argv.includes('--simulator-child')) {
  void simulatorChild();
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
