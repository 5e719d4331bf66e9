// The smsgw side: the whole stack as processes (tools/stack.cjs) on the peer bench's own ports and
// topic prefix, driven by tools/bench/e2e.ts run as a child process once per round.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { LatencyMs } from './workload';

const ROOT = join(__dirname, '../../..');

export interface SmsgwPorts {
  simulatorSmpp: number;
  simulatorHttp: number;
  ingestHttp: number;
  ingestGrpc: number;
  encoderHttp: number;
  routerHttp: number;
  connectorHttp: number;
  dlrHttp: number;
}

interface StartedStack {
  stop(): Promise<void>;
  apiKey?: string;
  processes: { app: { name: string }; child: { pid?: number } }[];
}
type StartStack = (options: Record<string, unknown>) => Promise<StartedStack>;

export const startStack = require(join(ROOT, 'tools/stack.cjs')).startStack as StartStack;

export interface SmsgwStack {
  kafkaBrokers: string;
  topicPrefix: string;
  /** Account demo's key for SmsService (tools/stack.cjs made it). */
  apiKey: string;
  /** Process ids by app name. */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Kafka and PostgreSQL up (tools/infra), the apps built unless `build` is false, then the stack:
 * the connector's carrier "demo" pointed at this stack's simulator.
 */
export async function startSmsgw(options: { dir: string; ports: SmsgwPorts; simulatorEnv: Record<string, string>; build: boolean; log: (line: string) => void }): Promise<SmsgwStack> {
  const { infraUp } = await import(join(ROOT, 'tools/infra/cli.mjs'));
  const { kafkaBrokers, databaseUrl } = (await infraUp({ log: options.log })) as { kafkaBrokers: string; databaseUrl: string };
  if (options.build) {
    const { buildApps } = await import(join(ROOT, 'tools/build-apps.mjs'));
    buildApps({ log: options.log });
  }
  const carriersFile = join(options.dir, 'carriers.yaml');
  const carriers = readFileSync(join(ROOT, 'config/carriers.yaml'), 'utf8');
  if (!/port: 2775\b/.test(carriers)) throw new Error('config/carriers.yaml: carrier demo no longer on port 2775; update tools/bench/peer/smsgw.ts');
  writeFileSync(carriersFile, carriers.replace(/port: 2775\b/, `port: ${options.ports.simulatorSmpp}`));
  const topicPrefix = `peer-${Date.now().toString(36)}.`;
  const stack = await startStack({
    // The pipeline Kannel is compared with: no console, email or SMPP server idling beside it.
    apps: ['smsc-simulator', 'ingest', 'encoder', 'router', 'smpp-connector', 'dlr-processor'],
    ports: options.ports,
    logDir: join(options.dir, 'smsgw-logs'),
    stateDir: join(options.dir, 'smsgw-state'),
    lockName: 'peer',
    what: 'npm run bench:peer (smsgw)',
    env: { KAFKA_BROKERS: kafkaBrokers, DATABASE_URL: databaseUrl, KAFKA_TOPIC_PREFIX: topicPrefix, CARRIERS_FILE: carriersFile, LOG_LEVEL: 'warn' },
    appEnv: { 'smsc-simulator': options.simulatorEnv },
    onStarted: (app: { name: string }, ms: number) => options.log(`smsgw    ${app.name} up in ${(ms / 1000).toFixed(1)} s`),
  });
  const pids = Object.fromEntries(stack.processes.map((p) => [p.app.name, p.child.pid ?? 0]));
  return { kafkaBrokers, topicPrefix, apiKey: stack.apiKey ?? '', pids, stop: () => stack.stop() };
}

/** Deletes the run's topics (a fresh prefix each run would otherwise pile up on the broker). */
export async function deleteTopics(brokers: string, prefix: string): Promise<number> {
  const admin = new Kafka({ clientId: 'smsgw-bench-peer', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics });
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}

/** What tools/bench/e2e.ts writes to --out (the fields used here). */
export interface E2eResult {
  endToEndPerSec: number;
  acceptedPerSec: number;
  messages: number;
  accepted: number;
  delivered: number;
  lost: number;
  duplicates: number | null;
  errors: number;
  latencyMs: { accept: LatencyMs; acceptToFinal: LatencyMs };
}

const running = new Set<ChildProcess>();

/** Stops a run of e2e.ts under way (on SIGINT). */
export function stopE2eRuns(): void {
  for (const child of running) child.kill('SIGTERM');
}

/** One run of tools/bench/e2e.ts against the stack: single (unary Send) or bulk (SendBatch of perRequest). */
export async function runE2e(options: {
  stack: SmsgwStack;
  ports: SmsgwPorts;
  messages: number;
  perRequest: number;
  concurrency: number;
  graceSeconds: number;
  outFile: string;
}): Promise<E2eResult> {
  const { stack, ports } = options;
  const via = options.perRequest === 1 ? ['--via', 'grpc'] : ['--via', 'batch', '--batch-size', String(options.perRequest)];
  const args = ['-r', './tools/ts-run.cjs', 'tools/bench/e2e.ts'];
  args.push('--messages', String(options.messages), '--concurrency', String(options.concurrency), ...via, '--grace-seconds', String(options.graceSeconds), '--out', options.outFile);
  const env = {
    ...process.env,
    SMSGW_TARGET: `127.0.0.1:${ports.ingestGrpc}`,
    SIMULATOR_URL: `http://127.0.0.1:${ports.simulatorHttp}`,
    KAFKA_BROKERS: stack.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: stack.topicPrefix,
    SMSGW_API_KEY: stack.apiKey,
  };
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  running.add(child);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  running.delete(child);
  if (code !== 0) throw new Error(`tools/bench/e2e.ts exited with code ${code} (its output above)`);
  return JSON.parse(readFileSync(options.outFile, 'utf8')) as E2eResult;
}
