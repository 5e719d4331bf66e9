// The fault suite: the whole gateway as processes (tools/stack.cjs) under steady gRPC load, one
// fault at a time, and per fault what happened to the messages accepted around it (report.ts).
// With infra 'private' the suite runs its own Kafka broker, PostgreSQL and Redis, so it can restart
// them without touching the machine's shared ones; with 'shared' it uses KAFKA_BROKERS and
// DATABASE_URL and offers only the faults that leave those alone.
import { migrate, startPrivatePostgres, type PrivatePostgres } from '@smsgw/shared/data-access-db';
import { TOPICS, setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { SubmitEvent, SubmitOutcome } from '@smsgw/shared/util-proto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Load, smsClient, statusReader, type SmsClient } from './load';
import { tallyStatuses, type FaultResult } from './report';

const ROOT = join(__dirname, '../..');
// The launcher is a plain script shared with npm start, the e2e suites and the benchmark.
const { startStack } = require(join(ROOT, 'tools/stack.cjs')) as { startStack(options: Record<string, unknown>): Promise<Stack> };

interface Stack {
  stop(): Promise<void>;
  apps: { name: string; httpPort: number; logFile: string }[];
  processes: { app: { name: string }; child: import('node:child_process').ChildProcess }[];
  apiKey: string;
}

/** Ports below the ephemeral range, apart from npm start's and the e2e suites'. */
export const CHAOS_PORTS = { simulatorSmpp: 22775, simulatorHttp: 28086, ingestHttp: 28081, ingestGrpc: 25051, ingestApi: 28080, encoderHttp: 28082, routerHttp: 28083, connectorHttp: 28084, dlrHttp: 28085 };
const KAFKA_PORT = 19192; // its controller listens on 19193
const REDIS_PORT = 26379;
const APPS = ['smsc-simulator', 'dlr-processor', 'encoder', 'router', 'smpp-connector', 'ingest'];
export const KILLABLE_APPS = ['ingest', 'encoder', 'router', 'smpp-connector', 'dlr-processor'];

export interface Fault {
  name: string;
  description: string;
  /** Needs the suite's own infrastructure (restarts it). */
  privateInfra?: boolean;
  /** Done a third into the load; `clear` (if any) two thirds in. */
  inject(ctx: FaultContext): Promise<void>;
  clear?(ctx: FaultContext): Promise<void>;
}

interface FaultContext {
  stack: Stack;
  infra: Infra;
  simulator: (path: string, body?: unknown) => Promise<unknown>;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const FAULTS: Fault[] = [
  { name: 'none', description: 'no fault (the baseline)', inject: async () => undefined },
  ...KILLABLE_APPS.map(
    (app): Fault => ({
      name: `kill ${app}`,
      description: `SIGKILL ${app} mid-load; tools/stack.cjs starts it again`,
      inject: async ({ stack }) => {
        const entry = stack.processes.find((p) => p.app.name === app);
        if (!entry) throw new Error(`no ${app} in the stack`);
        entry.child.kill('SIGKILL');
      },
    }),
  ),
  {
    name: 'restart kafka',
    description: 'the Kafka broker stopped (SIGTERM) and started again',
    privateInfra: true,
    inject: async ({ infra, log }) => {
      const started = Date.now();
      await infra.restartKafka();
      log(`kafka back after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
  },
  {
    name: 'restart postgres',
    description: 'PostgreSQL stopped (pg_ctl -m immediate), started again 5 s later',
    privateInfra: true,
    inject: async ({ infra }) => {
      infra.stopPostgres();
      await sleep(5_000);
      infra.startPostgres();
    },
  },
  {
    name: 'restart redis',
    description: 'Redis stopped (SIGTERM), started again 3 s later',
    privateInfra: true,
    inject: async ({ infra }) => {
      await infra.restartRedis(3_000);
    },
  },
  {
    name: 'drop smsc connection',
    description: 'the SMSC closes each bind at its 20th PDU (4 connections, reconnects included)',
    inject: async ({ simulator }) => void (await simulator('/faults', { dropAfterPdus: 20, dropTimes: 4 })),
    clear: async ({ simulator }) => void (await simulator('/faults', {})),
  },
  {
    name: 'smsc throttles half',
    description: 'the SMSC answers half the submits ESME_RTHROTTLED (0x58) for a third of the load',
    inject: async ({ simulator }) => void (await simulator('/faults', { statusByPrefix: [{ prefix: '', status: 0x58, ratio: 0.5 }] })),
    clear: async ({ simulator }) => void (await simulator('/faults', {})),
  },
];

export interface ChaosOptions {
  /** Messages per second offered (SendBatch every 50 ms). */
  rate: number;
  /** Load per fault. */
  loadSeconds: number;
  /** At most this long for the accepted messages to become final after the load. */
  settleSeconds: number;
  faults: Fault[];
  /** Each message's validity_seconds: how long a segment the SMSC never had may wait before it expires (default 120). */
  validitySeconds?: number;
  infra: 'private' | 'shared';
  workDir: string;
  log: (line: string) => void;
}

interface Infra {
  kafkaBrokers: string;
  databaseUrl: string;
  redisUrl?: string;
  restartKafka(): Promise<void>;
  stopPostgres(): void;
  startPostgres(): void;
  restartRedis(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

async function privateInfra(workDir: string, log: (line: string) => void): Promise<Infra> {
  const { infraConfig } = await import(join(ROOT, 'tools/infra/common.mjs'));
  const { kafkaUp, kafkaDown } = await import(join(ROOT, 'tools/infra/kafka.mjs'));
  const { redisUp, redisDown } = await import(join(ROOT, 'tools/infra/redis.mjs'));
  const config = { ...infraConfig({}), kafkaPort: KAFKA_PORT, controllerPort: KAFKA_PORT + 1, kafkaHeap: '-Xmx512m -Xms128m', cacheDir: infraConfig({}).cacheDir, redisUrl: `redis://127.0.0.1:${REDIS_PORT}` };
  const redisConfig = { ...config, cacheDir: join(workDir, 'redis-state') };
  log(`infra    own Kafka on 127.0.0.1:${KAFKA_PORT}, own PostgreSQL and Redis (${config.redisUrl})`);
  const kafka = await kafkaUp(config, log);
  let pg: PrivatePostgres | undefined;
  try {
    pg = await startPrivatePostgres();
    await migrate(pg.url);
    await redisUp(redisConfig);
  } catch (err) {
    pg?.destroy();
    await kafkaDown(config);
    throw err;
  }
  const db = pg;
  return {
    kafkaBrokers: kafka.brokers,
    databaseUrl: db.url,
    redisUrl: config.redisUrl,
    restartKafka: async () => {
      await kafkaDown(config);
      await kafkaUp(config, log);
    },
    stopPostgres: () => db.stopImmediate(),
    startPostgres: () => db.start(),
    restartRedis: async (downMs) => {
      redisDown(redisConfig);
      await sleep(downMs);
      await redisUp(redisConfig);
    },
    stop: async () => {
      redisDown(redisConfig);
      db.destroy();
      await kafkaDown(config);
    },
  };
}

function sharedInfra(): Infra {
  const none = () => {
    throw new Error('this fault restarts infrastructure: run the suite with its own (infra private)');
  };
  return {
    kafkaBrokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    databaseUrl: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw',
    restartKafka: async () => none(),
    stopPostgres: none,
    startPostgres: none,
    restartRedis: async () => none(),
    stop: async () => undefined,
  };
}

/** The unknown outcomes on sms.submitted.v2, per message (read from the start of the run's topic). */
async function watchUnknownOutcomes(kafka: Kafka, runId: string): Promise<{ unknown: Map<string, number>; consumer: Consumer }> {
  const unknown = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `chaos-${runId}`, maxWaitTimeInMs: 200, retry: { retries: 100 } });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPICS.submitted.name], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        if (!m.value) continue;
        const r = SubmitEvent.decode(m.value);
        if (r.subject?.value.outcome === SubmitOutcome.UNKNOWN) unknown.set(r.messageId, (unknown.get(r.messageId) ?? 0) + 1);
      }
    },
  });
  return { unknown, consumer };
}

async function healthy(stack: Stack, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(stack.apps.map((a) => fetch(`http://127.0.0.1:${a.httpPort}/healthz`).then((r) => r.ok, () => false)));
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`not healthy after ${timeoutMs / 1000} s: ${stack.apps.filter((_, i) => !states[i]).map((a) => a.name).join(', ')}`);
    await sleep(500);
  }
}

/** Polls every app's /healthz (500 ms) until stop(); resolves with the apps seen failing or silent. */
function watchHealth(stack: Stack): { stop(): Promise<string[]> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        stack.apps.map((a) =>
          fetch(`http://127.0.0.1:${a.httpPort}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
            (r) => void (r.ok || seen.add(a.name)),
            () => void seen.add(a.name),
          ),
        ),
      );
      await sleep(500);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return stack.apps.map((a) => a.name).filter((n) => seen.has(n));
    },
  };
}

/** Runs the faults one after the other on one stack; resolves with a result per fault. */
export async function runChaos(options: ChaosOptions): Promise<FaultResult[]> {
  const { log } = options;
  const runId = `chaos-${Date.now().toString(36)}`;
  const faults = options.faults.filter((f) => options.infra === 'private' || !f.privateInfra);
  mkdirSync(options.workDir, { recursive: true });
  const infra = options.infra === 'private' ? await privateInfra(options.workDir, log) : sharedInfra();
  const prefix = `${runId}.`;
  setTopicPrefix(prefix);
  const carriersFile = join(options.workDir, 'carriers.yaml');
  writeFileSync(carriersFile, readFileSync(join(ROOT, 'config/carriers.yaml'), 'utf8').replace(/port: 2775/, `port: ${CHAOS_PORTS.simulatorSmpp}`));
  const restarts: string[] = [];
  let stack: Stack | undefined;
  let client: SmsClient | undefined;
  let consumer: Consumer | undefined;
  const db = statusReader(infra.databaseUrl);
  try {
    stack = await startStack({
      ports: CHAOS_PORTS,
      apps: APPS,
      logDir: join(options.workDir, 'logs'),
      stateDir: join(options.workDir, 'state'),
      lockName: 'e2e',
      lockWaitMs: 600_000,
      what: 'chaos suite',
      onRestart: (line: string) => (restarts.push(line), log(`restart  ${line}`)),
      env: {
        KAFKA_BROKERS: infra.kafkaBrokers,
        KAFKA_TOPIC_PREFIX: prefix,
        DATABASE_URL: infra.databaseUrl,
        ...(infra.redisUrl ? { REDIS_URL: infra.redisUrl } : {}),
        CARRIERS_FILE: carriersFile,
        LOG_LEVEL: 'info',
        // A segment whose outcome is unknown and that the SMSC never had expires soon after its validity.
        DLR_EXPIRY_INTERVAL_SECONDS: 5,
        DLR_EXPIRY_GRACE_SECONDS: 5,
      },
    });
    log(`stack    up (logs ${join(options.workDir, 'logs')})`);
    const running = stack;
    const kafka = new Kafka({ brokers: infra.kafkaBrokers.split(','), clientId: runId, logLevel: logLevel.NOTHING });
    const watched = await watchUnknownOutcomes(kafka, runId);
    consumer = watched.consumer;
    client = smsClient(`127.0.0.1:${CHAOS_PORTS.ingestGrpc}`, stack.apiKey);
    const simulator = async (path: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${CHAOS_PORTS.simulatorHttp}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`simulator ${path}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    };
    const load = new Load(client, { rate: options.rate, runId, from: 'CHAOS', validitySeconds: options.validitySeconds ?? 120 });
    const results: FaultResult[] = [];
    for (const fault of faults) {
      await healthy(running, 120_000);
      await simulator('/stats/reset', {});
      const restartsBefore = restarts.length;
      log(`fault    ${fault.name}: ${options.rate} msgs/s for ${options.loadSeconds} s`);
      const ctx: FaultContext = { stack: running, infra, simulator, log };
      const watch = watchHealth(running);
      load.start();
      await sleep((options.loadSeconds * 1000) / 3);
      await fault.inject(ctx);
      await sleep((options.loadSeconds * 1000) / 3);
      await fault.clear?.(ctx);
      await sleep((options.loadSeconds * 1000) / 3);
      await load.stop();
      const unhealthy = await watch.stop();
      const accepted = load.accepted;
      const loadEnd = Date.now();
      let statusOf = new Map<string, 'delivered' | 'final' | 'pending'>();
      for (;;) {
        statusOf = await db.query(accepted).catch(() => statusOf);
        const pending = accepted.filter((id) => (statusOf.get(id) ?? 'pending') === 'pending').length;
        if (pending === 0 || Date.now() - loadEnd > options.settleSeconds * 1000) break;
        await sleep(1000);
      }
      const settleSeconds = (Date.now() - loadEnd) / 1000;
      const stats = (await simulator('/stats')) as { duplicateSubmits: number };
      await sleep(1000); // the last UNKNOWN reports reach the watcher
      const unknownOutcomes = accepted.reduce((n, id) => n + (watched.unknown.get(id) ?? 0), 0);
      const result: FaultResult = {
        fault: fault.name,
        description: fault.description,
        ...tallyStatuses(accepted, statusOf),
        refused: { ...load.refused },
        duplicates: stats.duplicateSubmits,
        unknownOutcomes,
        settleSeconds,
        restarts: restarts.length - restartsBefore,
        unhealthy,
      };
      log(`result   ${fault.name}: accepted ${result.accepted} final ${result.final} delivered ${result.delivered} lost ${result.lost} duplicates ${result.duplicates} unknown ${result.unknownOutcomes} refused ${JSON.stringify(result.refused)} settle ${settleSeconds.toFixed(1)} s`);
      results.push(result);
    }
    return results;
  } finally {
    client?.close();
    await consumer?.disconnect().catch(() => undefined);
    await db.end();
    await stack?.stop();
    await infra.stop();
  }
}
