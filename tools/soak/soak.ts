// The soak: the gateway's pipeline as processes (tools/stack.cjs, from dist/) under a steady gRPC
// load for a long time, every app's /metrics sampled on a timer, and at the end every accepted
// message checked for a final status. report.ts turns the samples into figures and a verdict.
// It runs on the machine's Kafka and PostgreSQL, with its own topic prefix, database and ports.
import { migrate } from '@smsgw/shared/data-access-db';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Load, smsClient, statusReader, type FinalState } from '../chaos/load';
import { histogramOf, metricSum, parseMetrics, type Sample, type SoakRun } from './report';

const ROOT = join(__dirname, '../..');
const { startStack } = require(join(ROOT, 'tools/stack.cjs')) as { startStack(options: Record<string, unknown>): Promise<Stack> };

interface Stack {
  stop(): Promise<void>;
  apps: { name: string; httpPort: number; logFile: string }[];
  apiKey: string;
}

/** Below the ephemeral range, apart from npm start's, the e2e suites' and the chaos suite's (2xxxx there too). */
export const SOAK_PORTS = { simulatorSmpp: 23775, simulatorHttp: 23086, ingestHttp: 23081, ingestGrpc: 23051, ingestApi: 23080, encoderHttp: 23082, routerHttp: 23083, connectorHttp: 23084, dlrHttp: 23085 };
/** The pipeline: the apps a message passes through (the console, e-mail intake and SMPP server would idle). */
const APPS = ['smsc-simulator', 'dlr-processor', 'encoder', 'router', 'smpp-connector', 'ingest'];
const LOCK_NAME = 'soak';
/** After a signal: a short wait for the final statuses (Ctrl-C in a terminal reaches the apps too, and they stop). */
const INTERRUPTED_SETTLE_SECONDS = 30;

export interface SoakOptions {
  rate: number;
  /** Measured time, after the warm-up. */
  minutes: number;
  warmupSeconds: number;
  sampleSeconds: number;
  /** At most this long for the accepted messages to become final after the load. */
  settleSeconds: number;
  /** The soak's own database (created and migrated if missing). */
  databaseUrl: string;
  kafkaBrokers: string;
  /** The simulator's final-receipt delay (SIMULATOR_RECEIPT_DELAY). */
  receiptDelay: string;
  logLevel: string;
  workDir: string;
  command: string;
  /** Aborted (a first signal): the load stops, the settle is cut to INTERRUPTED_SETTLE_SECONDS, the report is made. */
  signal: AbortSignal;
  /** Aborted (a second signal): no more waiting, the stack stops. */
  hardStop: AbortSignal;
  log: (line: string) => void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Creates the database if it is missing, then applies the migrations. */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`soak database name ${JSON.stringify(name)}: use lower-case letters, digits and _`);
  const admin = new Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  await migrate(url);
}

async function scrape(stack: Stack, prefix: string): Promise<Pick<Sample, 'apps' | 'lag'> & { acceptToFinal: Sample['acceptToFinal'] }> {
  const apps: Sample['apps'] = {};
  const lag: Sample['lag'] = {};
  let acceptToFinal: Sample['acceptToFinal'] = { count: 0, buckets: [] };
  await Promise.all(
    stack.apps.map(async (app) => {
      const text = await fetch(`http://127.0.0.1:${app.httpPort}/metrics`, { signal: AbortSignal.timeout(5_000) }).then(
        (r) => (r.ok ? r.text() : ''),
        () => '',
      );
      if (!text) return; // restarting or too busy to answer: a gap in its series
      const m = parseMetrics(text);
      apps[app.name] = { rssBytes: metricSum(m, 'process_resident_memory_bytes'), heapUsedBytes: metricSum(m, 'nodejs_heap_size_used_bytes'), cpuSeconds: metricSum(m, 'process_cpu_seconds_total') };
      for (const v of m.get('smsgw_kafka_consumer_lag_messages') ?? []) {
        const key = `${v.labels['group']?.replace(prefix, '')} ${v.labels['topic']?.replace(prefix, '')}`;
        lag[key] = Math.max(lag[key] ?? 0, v.value);
      }
      if (app.name === 'dlr-processor') acceptToFinal = histogramOf(m, 'smsgw_message_accept_to_final_seconds');
    }),
  );
  return { apps, lag, acceptToFinal };
}

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' });
  } catch {
    return `load average: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`;
  }
}

/** Runs the soak; resolves with the samples and the final count. The stack is always stopped. */
export async function runSoak(options: SoakOptions): Promise<SoakRun> {
  const { log, signal, hardStop } = options;
  const startedAt = new Date();
  const runId = `soak-${Date.now().toString(36)}`;
  const prefix = `${runId}.`;
  mkdirSync(options.workDir, { recursive: true });
  await ensureDatabase(options.databaseUrl);
  const carriersFile = join(options.workDir, 'carriers.yaml');
  writeFileSync(carriersFile, readFileSync(join(ROOT, 'config/carriers.yaml'), 'utf8').replace(/port: 2775/, `port: ${SOAK_PORTS.simulatorSmpp}`));
  const restarts: string[] = [];
  let stack: Stack | undefined;
  let client: ReturnType<typeof smsClient> | undefined;
  const db = statusReader(options.databaseUrl);
  try {
    stack = await startStack({
      ports: SOAK_PORTS,
      apps: APPS,
      logDir: join(options.workDir, 'logs'),
      stateDir: join(options.workDir, 'state'),
      lockName: LOCK_NAME,
      what: 'soak',
      onRestart: (line: string) => (restarts.push(line), log(`restart  ${line}`)),
      env: {
        KAFKA_BROKERS: options.kafkaBrokers,
        KAFKA_TOPIC_PREFIX: prefix,
        DATABASE_URL: options.databaseUrl,
        CARRIERS_FILE: carriersFile,
        LOG_LEVEL: options.logLevel,
        SIMULATOR_RECEIPT_DELAY: options.receiptDelay,
      },
    });
    log(`stack    up from dist/ (not rebuilt), topic prefix ${prefix}, logs ${join(options.workDir, 'logs')}`);
    if (signal.aborted) throw new Error('stopped before the load started');
    client = smsClient(`127.0.0.1:${SOAK_PORTS.ingestGrpc}`, stack.apiKey);
    const load = new Load(client, { rate: options.rate, runId, from: 'SOAK', validitySeconds: 600 });
    const samples: Sample[] = [];
    const loadStart = Date.now();
    const endAt = loadStart + options.warmupSeconds * 1000 + options.minutes * 60_000;
    load.start();
    log(`load     ${options.rate} msgs/s: ${options.warmupSeconds} s warm-up, then ${options.minutes} min, a sample every ${options.sampleSeconds} s`);
    const offered = () => load.accepted.length + Object.values(load.refused).reduce((a, b) => a + b, 0);
    for (let next = loadStart; ; ) {
      const t = (Date.now() - loadStart) / 1000;
      const scraped = await scrape(stack, prefix);
      const sample: Sample = { t, warmup: t < options.warmupSeconds, load1: loadavg()[0], uptime: uptime(), accepted: load.accepted.length, offered: offered(), ...scraped };
      samples.push(sample);
      const lagTotal = Object.values(sample.lag).reduce((a, b) => a + b, 0);
      const rss = Object.values(sample.apps).reduce((a, b) => a + (b.rssBytes ?? 0), 0);
      log(`sample   ${(t / 60).toFixed(1).padStart(5)} min${sample.warmup ? ' (warm-up)' : ''}: accepted ${sample.accepted}, final ${sample.acceptToFinal.count}, lag ${lagTotal}, RSS ${(rss / 1048576).toFixed(0)} MB (${Object.keys(sample.apps).length} apps), load ${sample.load1.toFixed(2)}`);
      if (signal.aborted || Date.now() >= endAt) break;
      next += options.sampleSeconds * 1000;
      await sleep(Math.min(next, endAt) - Date.now(), signal);
    }
    await load.stop();
    const loadEnd = Date.now();
    const restartsAtEnd = restarts.length;
    const settleSeconds = signal.aborted ? Math.min(options.settleSeconds, INTERRUPTED_SETTLE_SECONDS) : options.settleSeconds;
    log(`load     stopped: ${load.accepted.length} accepted; waiting up to ${settleSeconds} s for their final status`);
    // Only the still-pending ones are read again: an hour's worth is hundreds of thousands.
    let pending = load.accepted;
    const statusOf = new Map<string, FinalState>();
    for (;;) {
      const read = await db.query(pending).catch(() => new Map<string, FinalState>());
      for (const [id, s] of read) statusOf.set(id, s);
      pending = pending.filter((id) => (statusOf.get(id) ?? 'pending') === 'pending');
      if (pending.length === 0 || hardStop.aborted || Date.now() - loadEnd > settleSeconds * 1000) break;
      await sleep(2000, hardStop);
    }
    // One last sample after the settle: the lag every group ends with.
    const last = hardStop.aborted ? undefined : await scrape(stack, prefix);
    log(`settle   ${pending.length} not final after ${((Date.now() - loadEnd) / 1000).toFixed(1)} s; lag now ${JSON.stringify(last?.lag)}`);
    let delivered = 0;
    for (const id of load.accepted) if (statusOf.get(id) === 'delivered') delivered++;
    if (restarts.length) log(`restarts ${restarts.length}: ${restarts.join(' | ')}`);
    return {
      startedAt,
      command: options.command,
      rate: options.rate,
      sampleSeconds: options.sampleSeconds,
      warmupSeconds: options.warmupSeconds,
      interrupted: signal.aborted ? `a signal after ${((loadEnd - loadStart) / 60_000).toFixed(1)} min of load` : undefined,
      samples,
      // Restarts after a signal are the signal's doing (a terminal's Ctrl-C reaches the apps too).
      restarts: signal.aborted ? restarts.slice(0, restartsAtEnd) : restarts,
      outcome: { accepted: load.accepted.length, final: load.accepted.length - pending.length, delivered, lost: pending.length, settleSeconds: (Date.now() - loadEnd) / 1000, refused: { ...load.refused } },
    };
  } finally {
    client?.close();
    await db.end();
    await stack?.stop();
  }
}
