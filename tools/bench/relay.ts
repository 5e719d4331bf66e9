// The floor to measure the gateway's pipeline against (issue 17): a bare five-stage Kafka relay on
// the project's own Kafka library. Five stage processes (relay-stage.ts) each consume a 4-partition
// topic with startBatchConsumer (minBytes 16 KiB, maxWait 25 ms) and forward the batch unchanged to
// the next topic with EventProducer.sendMany (acks=all), committing after the ack. The driver feeds
// relay.s0 one event per EventProducer.send() from C concurrent callers (the producer's 2 ms linger
// coalesces them), or 50 per sendMany with --mode bulk, and a consumer on relay.s5 times each
// event's way through and checks that every event arrives exactly once.
//   npm run bench:relay -- [--events 20000] [--concurrency 64] [--mode single|bulk] [--rounds 3] [--warmup 2000]
//     [--partitions 4] [--partition-concurrency 2] [--grace-seconds 15] [--json]
// Each run uses fresh topics (prefix relay-<time>.) and deletes them at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Consumer } from 'kafkajs';
import { EventProducer, createKafka, ensureTopics, setTopicPrefix, startBatchConsumer, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { createLogger } from '@smsgw/shared/util-logging';
import { countRequests, relayTopic, type RequestCounts } from './relay-stage';

const ROOT = join(__dirname, '../..');
const STAGES = 5;
const PAYLOAD_BYTES = 200;
const BULK_SIZE = 50;
const READY_TIMEOUT_MS = 120_000;
const USAGE = `usage: npm run bench:relay -- [--events 20000] [--concurrency 64] [--mode single|bulk] [--rounds 3] [--warmup 2000]
       [--partitions 4] [--consumer fetch|partition] [--client kafkajs|platformatic] [--partition-concurrency 2] [--grace-seconds 15] [--json]
  --events N                 events per measured round
  --concurrency C            concurrent callers, each awaiting its ack before its next send
  --mode single|bulk         single: one EventProducer.send() per event; bulk: ${BULK_SIZE} events per sendMany()
  --rounds R, --warmup W     R measured rounds (the median is reported) after W unmeasured events
  --partitions P             partitions of each relay topic
  --consumer fetch|partition fetch (default): each stage hands a whole fetch to one handler (startFetchConsumer,
                             one produce and one commit per fetch, as the pipeline's stages do); partition:
                             one handler call, produce and commit per partition (startBatchConsumer)
  --client kafkajs|platformatic  the stages' Kafka client: the project's library (kafkajs), or @platformatic/kafka 1.x
                             with the same one-produce-one-commit-per-fetch shape (the A/B; the driver and sink stay on kafkajs)
  --partition-concurrency K  with --consumer partition: partitions each stage (and the final consumer) handles at once
  --grace-seconds S          a round ends S seconds after the last arrival if events are missing
  --json                     print only the result as one JSON object`;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    mode: { type: 'string', default: 'single' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2000' },
    partitions: { type: 'string', default: '4' },
    consumer: { type: 'string', default: 'fetch' },
    client: { type: 'string', default: 'kafkajs' },
    'partition-concurrency': { type: 'string', default: '2' },
    'grace-seconds': { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const N = Number(args.events);
const C = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const WARMUP = Number(args.warmup);
const PARTITIONS = Number(args.partitions);
const PARTITION_CONCURRENCY = Number(args['partition-concurrency']);
const GRACE_MS = Number(args['grace-seconds']) * 1000;
const mode = args.mode as 'single' | 'bulk';
const consumerKind = args.consumer as 'fetch' | 'partition';
if (consumerKind !== 'fetch' && consumerKind !== 'partition') throw new Error(`--consumer must be fetch or partition, got ${args.consumer}`);
const client = args.client as 'kafkajs' | 'platformatic';
if (client !== 'kafkajs' && client !== 'platformatic') throw new Error(`--client must be kafkajs or platformatic, got ${args.client}`);
if (mode !== 'single' && mode !== 'bulk') throw new Error(`--mode must be single or bulk, got ${args.mode}`);
for (const [name, v] of Object.entries({ events: N, concurrency: C, rounds: ROUNDS, partitions: PARTITIONS, 'partition-concurrency': PARTITION_CONCURRENCY })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a whole number ≥ 1\n${USAGE}`);
}
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
let interrupted = false;
const say = (line: string) => {
  if (!args.json) console.log(line);
};

// Payload: send time (performance.now() of this process), round and event id, then filler to
// PAYLOAD_BYTES. The key is `<round>-<id>`; the filler is checked on arrival (bytes unchanged).
const FILLER = Buffer.alloc(PAYLOAD_BYTES - 16, 'relay-bench ');
function payload(round: number, id: number, sentAt: number): Buffer {
  const b = Buffer.allocUnsafe(PAYLOAD_BYTES);
  b.writeDoubleLE(sentAt, 0);
  b.writeUInt32LE(round, 8);
  b.writeUInt32LE(id, 12);
  FILLER.copy(b, 16);
  return b;
}

function percentiles(values: ArrayLike<number>) {
  const s = Float64Array.from(values).sort();
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : 0);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { p50: r(at(50)), p99: r(at(99)), max: r(s[s.length - 1] ?? 0) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** utime + stime of a process, in ms (clock ticks of 1/100 s). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Stage {
  index: number;
  child: ChildProcess;
  pid: number;
  /** The stage's Kafka request counts by API, so far. */
  requests(): Promise<RequestCounts>;
}

function startStage(index: number, prefix: string): Promise<Stage> {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'tools/ts-run.cjs'), join(__dirname, 'relay-stage.ts'), '--stage', String(index), '--prefix', prefix, '--concurrency', String(PARTITION_CONCURRENCY), '--consumer', consumerKind, '--client', client], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiters: Array<(msg: Record<string, unknown>) => void> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => waiters.shift()?.(JSON.parse(line)));
  const next = () => new Promise<Record<string, unknown>>((resolve) => waiters.push(resolve));
  child.stdin?.on('error', () => undefined); // a stage that already exited (Ctrl-C reaches it too)
  return new Promise((resolve, reject) => {
    const early = (code: number | null) => reject(new Error(`relay stage ${index} exited (${code}) before it was ready`));
    const slow = setTimeout(() => reject(new Error(`relay stage ${index} not ready after ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    child.once('exit', early);
    void next().then(() => {
      child.off('exit', early);
      clearTimeout(slow);
      resolve({
        index,
        child,
        pid: child.pid ?? 0,
        requests: async () => {
          const reply = next();
          child.stdin?.write('stats\n');
          return (await reply)['requests'] as RequestCounts;
        },
      });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.stdin?.end(); // the stage disconnects from Kafka and exits
  });
}

/** Per-event requests between two snapshots, by API, plus the total. */
function requestsPerEvent(before: RequestCounts, after: RequestCounts, events: number): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const api of Object.keys(after).sort()) {
    const d = after[api] - (before[api] ?? 0);
    if (d <= 0) continue;
    out[api] = round3(d / events);
    total += d;
  }
  out['total'] = round3(total / events);
  return out;
}

/** Arrivals at relay.s5, per round: how often each id came, and its end-to-end time (first arrival). */
class Arrivals {
  private readonly rounds = new Map<number, { seen: Uint16Array; latency: Float64Array; distinct: number; last: number; all: Promise<void>; done: () => void }>();
  altered = 0;
  unknown = 0;

  expect(round: number, n: number): void {
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    this.rounds.set(round, { seen: new Uint16Array(n), latency: new Float64Array(n), distinct: 0, last: 0, all, done });
  }

  record(key: string, value: Buffer, now: number): void {
    const round = value.length === PAYLOAD_BYTES ? value.readUInt32LE(8) : -1;
    const id = round >= 0 ? value.readUInt32LE(12) : -1;
    const r = this.rounds.get(round);
    if (!r || id >= r.seen.length) return void this.unknown++;
    if (key !== `${round}-${id}` || FILLER.compare(value, 16) !== 0) this.altered++;
    if (r.seen[id]++ === 0) {
      r.latency[id] = now - value.readDoubleLE(0);
      r.distinct++;
      r.last = now;
      if (r.distinct === r.seen.length) r.done();
    }
  }

  private round(round: number) {
    const r = this.rounds.get(round);
    if (!r) throw new Error(`round ${round} was not expected`);
    return r;
  }

  /** Resolves when every event of the round arrived, or after graceMs without a new one. */
  async complete(round: number, graceMs: number): Promise<void> {
    const r = this.round(round);
    let timer: NodeJS.Timeout | undefined;
    let seen = -1;
    const stalled = new Promise<void>((resolve) => {
      const check = () => {
        if (r.distinct === seen) return resolve();
        seen = r.distinct;
        timer = setTimeout(check, graceMs);
      };
      check();
    });
    await Promise.race([r.all, stalled]);
    clearTimeout(timer);
  }

  summary(round: number) {
    const r = this.round(round);
    let duplicates = 0;
    for (const c of r.seen) if (c > 1) duplicates += c - 1;
    const latency = r.latency.filter((_, i) => r.seen[i] > 0);
    return { arrived: r.distinct, lost: r.seen.length - r.distinct, duplicates, last: r.last, latency };
  }
}

async function main(): Promise<void> {
  const prefix = `relay-${Date.now().toString(36)}.`;
  setTopicPrefix(prefix);
  // Logs go to stderr so that --json leaves exactly one JSON object on stdout.
  const logger = createLogger({ app: 'bench-relay', level: process.env['LOG_LEVEL'] ?? 'warn', destination: pino.destination(2) });
  const kafka = createKafka({ brokers, clientId: 'bench-relay', logger });
  const driverRequests = countRequests(kafka);
  const topics = Array.from({ length: STAGES + 1 }, (_, i) => relayTopic(i));

  const stages: Stage[] = [];
  const starting: Promise<Stage>[] = [];
  let sink: Consumer | undefined;
  let producer: EventProducer | undefined;
  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    await sink?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    const all = await Promise.allSettled(starting);
    await Promise.all(all.flatMap((s) => (s.status === 'fulfilled' ? [stopChild(s.value.child)] : [])));
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteTopics({ topics: topics.map((t) => t.name) }))
      .catch((err) => logger.warn({ err }, 'relay topics not deleted'))
      .finally(() => admin.disconnect());
  };
  process.once('SIGINT', () => {
    interrupted = true;
    console.error('bench-relay: interrupted, stopping the stages…');
    void stopAll().finally(() => process.exit(130));
  });

  try {
    await ensureTopics(
      kafka,
      topics.map((t) => ({ name: t.name, partitions: PARTITIONS, replicationFactor: 1 })),
    );
    say(`topics ${topics[0].name} … ${topics[STAGES].name} (${PARTITIONS} partitions); starting ${STAGES} stages…`);
    for (let i = 0; i < STAGES; i++) starting.push(startStage(i, prefix));
    stages.push(...(await Promise.all(starting)));

    const arrivals = new Arrivals();
    sink = await startBatchConsumer(kafka, {
      groupId: 'relay-sink',
      topics: [topics[STAGES]],
      logger,
      concurrency: PARTITION_CONCURRENCY,
      handle: async ({ messages }) => {
        const now = performance.now();
        for (const m of messages) arrivals.record(m.key?.toString() ?? '', m.value ?? Buffer.alloc(0), now);
      },
    });
    producer = new EventProducer(kafka);
    await producer.connect();
    const p = producer;
    say(`stages ready (pids ${stages.map((s) => s.pid).join(', ')}); mode ${mode}, ${C} callers`);

    const runRound = async (round: number, n: number) => {
      arrivals.expect(round, n);
      const cpu0 = stages.map((s) => cpuMs(s.pid));
      const req0 = await Promise.all(stages.map((s) => s.requests()));
      const driverReq0 = { ...driverRequests };
      const driverCpu0 = process.cpuUsage();
      const accept = new Float64Array(n);
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: C }, async () => {
          while (next < n && !interrupted) {
            const from = next;
            const count = mode === 'bulk' ? Math.min(BULK_SIZE, n - from) : 1;
            next += count;
            const sentAt = performance.now();
            if (mode === 'bulk') {
              const events: OutgoingEvent[] = [];
              for (let id = from; id < from + count; id++) events.push({ topic: topics[0], key: `${round}-${id}`, value: payload(round, id, sentAt) });
              await p.sendMany(events);
            } else {
              await p.send({ topic: topics[0], key: `${round}-${from}`, value: payload(round, from, sentAt) });
            }
            accept.fill(performance.now() - sentAt, from, from + count);
          }
        }),
      );
      const fed = performance.now();
      await arrivals.complete(round, GRACE_MS);
      const cpu1 = stages.map((s) => cpuMs(s.pid));
      const driverCpu = process.cpuUsage(driverCpu0);
      const req1 = await Promise.all(stages.map((s) => s.requests()));
      const a = arrivals.summary(round);
      const seconds = (Math.max(a.last, fed) - started) / 1000;
      return {
        round,
        events: n,
        seconds: round3(seconds),
        eventsPerSec: Math.round(a.arrived / seconds),
        acceptedPerSec: Math.round(n / ((fed - started) / 1000)),
        lost: a.lost,
        duplicates: a.duplicates,
        latencyMs: { accept: percentiles(accept), endToEnd: percentiles(a.latency) },
        cpuMsPerEvent: {
          stages: stages.map((_, i) => round3((cpu1[i] - cpu0[i]) / n)),
          driver: round3((driverCpu.user + driverCpu.system) / 1000 / n),
        },
        requestsPerEvent: {
          stages: stages.map((_, i) => requestsPerEvent(req0[i], req1[i], n)),
          driver: requestsPerEvent(driverReq0, driverRequests, n),
        },
      };
    };
    type Round = Awaited<ReturnType<typeof runRound>>;
    const printRound = (r: Round, label: string) => {
      say(`${label}: ${r.eventsPerSec} events/s end to end (${r.events} in ${r.seconds} s; fed at ${r.acceptedPerSec}/s)   lost ${r.lost}   duplicates ${r.duplicates}`);
      say(`  accept      p50 ${r.latencyMs.accept.p50} ms  p99 ${r.latencyMs.accept.p99} ms   end to end p50 ${r.latencyMs.endToEnd.p50} ms  p99 ${r.latencyMs.endToEnd.p99} ms`);
      say(`  CPU ms/event  stages ${r.cpuMsPerEvent.stages.join(' / ')}   driver ${r.cpuMsPerEvent.driver}`);
      r.requestsPerEvent.stages.forEach((q, i) => say(`  requests/event stage ${i}: ${Object.entries(q).map(([api, v]) => `${api} ${v}`).join(', ')}`));
      say(`  requests/event driver:  ${Object.entries(r.requestsPerEvent.driver).map(([api, v]) => `${api} ${v}`).join(', ')}`);
    };

    if (WARMUP > 0) {
      const w = await runRound(0, WARMUP);
      say(`warm-up: ${w.events} events, ${w.eventsPerSec}/s, lost ${w.lost}, duplicates ${w.duplicates} (not counted)`);
    }
    const rounds: Round[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const r = await runRound(i, N);
      rounds.push(r);
      printRound(r, `round ${i}/${ROUNDS}`);
    }
    // Late duplicates (a redelivery after a round ended) still count against their round.
    await new Promise((r) => setTimeout(r, 1_000));
    for (const r of rounds) {
      const s = arrivals.summary(r.round);
      r.lost = s.lost;
      r.duplicates = s.duplicates;
    }
    const med = (f: (r: Round) => number) => round3(median(rounds.map(f)));
    const result = {
      bench: 'relay',
      mode,
      client,
      consumer: consumerKind,
      events: N,
      rounds: ROUNDS,
      warmup: WARMUP,
      concurrency: C,
      stages: STAGES,
      partitions: PARTITIONS,
      partitionConcurrency: PARTITION_CONCURRENCY,
      payloadBytes: PAYLOAD_BYTES,
      median: {
        eventsPerSec: med((r) => r.eventsPerSec),
        latencyMs: {
          accept: { p50: med((r) => r.latencyMs.accept.p50), p99: med((r) => r.latencyMs.accept.p99) },
          endToEnd: { p50: med((r) => r.latencyMs.endToEnd.p50), p99: med((r) => r.latencyMs.endToEnd.p99) },
        },
        cpuMsPerEvent: { stages: stages.map((_, i) => med((r) => r.cpuMsPerEvent.stages[i])), driver: med((r) => r.cpuMsPerEvent.driver) },
      },
      lost: rounds.reduce((s, r) => s + r.lost, 0),
      duplicates: rounds.reduce((s, r) => s + r.duplicates, 0),
      altered: arrivals.altered,
      unknown: arrivals.unknown,
      perRound: rounds,
      loadAverage: Number(loadavg()[0].toFixed(2)),
      machine: `${cpus().length} cores, ${cpus()[0]?.model ?? ''}`.trim(),
    };
    const m = result.median;
    say(`\nmedian of ${ROUNDS}: ${m.eventsPerSec} events/s end to end   accept p50 ${m.latencyMs.accept.p50} ms p99 ${m.latencyMs.accept.p99} ms   end to end p50 ${m.latencyMs.endToEnd.p50} ms p99 ${m.latencyMs.endToEnd.p99} ms`);
    say(`  CPU ms/event  stages ${m.cpuMsPerEvent.stages.join(' / ')}   driver ${m.cpuMsPerEvent.driver}`);
    say(`  lost ${result.lost}   duplicates ${result.duplicates}   altered ${result.altered}   unknown ${result.unknown}   (load average ${result.loadAverage}, ${result.machine})`);
    console.log(JSON.stringify(result));
    if (result.lost || result.duplicates || result.altered) process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

main().catch((err) => {
  if (interrupted) return; // sends cut short by the stop
  console.error(`bench-relay: ${err.stack ?? err}`);
  process.exitCode = 1;
});
