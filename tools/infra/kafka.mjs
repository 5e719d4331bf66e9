// The development Kafka: a single-node KRaft broker run with `java` from the jars of
// org.apache.kafka:kafka_2.13, fetched once from Maven Central with `mvn` into a cache folder.
// State (data, rendered config, pid, log) lives in .smsgw/kafka/ of the repository (gitignored).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { INFRA_DIR, InfraError, STATE_DIR, commandLine, isAlive, readJson, rel, sleep, withFileLock, writeJson } from './common.mjs';

const require = createRequire(import.meta.url);
const KAFKA_DIR = join(STATE_DIR, 'kafka');
const PID_FILE = join(KAFKA_DIR, 'kafka.pid');
const LOG_FILE = join(KAFKA_DIR, 'kafka.log');
const DATA_DIR = join(KAFKA_DIR, 'data');
const PROPS_FILE = join(KAFKA_DIR, 'server.properties');
const FORMAT_FILE = join(KAFKA_DIR, 'format.json');
const LOCK_FILE = join(KAFKA_DIR, 'up.lock');
// Put on the java command line so `down` never signals a process that merely reused our pid.
const MARKER = `-Dsmsgw.kafka=${KAFKA_DIR}`;

export const kafkaPaths = { dir: KAFKA_DIR, log: LOG_FILE, pid: PID_FILE, data: DATA_DIR };

/** The broker list the apps and tests should use. */
export function kafkaBrokers(config) {
  return config.externalBrokers ?? `${config.kafkaHost}:${config.kafkaPort}`;
}

/** Asks the cluster for its brokers; resolves to undefined when it answers, else the reason. */
export async function probeKafka(brokers, timeoutMs = 3_000) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({
    clientId: 'smsgw-infra',
    brokers: brokers.split(',').map((b) => b.trim()),
    connectionTimeout: Math.min(timeoutMs, 3_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const timer = new Promise((resolve) => setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs).unref());
  const attempt = (async () => {
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length ? undefined : 'the cluster lists no brokers';
    } catch (err) {
      return String(err?.message ?? err).split('\n')[0];
    }
  })();
  const reason = await Promise.race([attempt, timer]);
  admin.disconnect().catch(() => undefined);
  return reason;
}

/** The pid of the broker this checkout started, if it is still running. */
export function ownBrokerPid() {
  const pid = Number(existsSync(PID_FILE) ? readFileSync(PID_FILE, 'utf8').trim() : 0);
  if (!pid || !isAlive(pid)) return undefined;
  const cmd = commandLine(pid);
  return cmd === '' || cmd.includes(MARKER) ? pid : undefined;
}

/**
 * Makes a broker answer: KAFKA_BROKERS as given, or one already answering on the address, or a
 * new one. Resolves to { brokers, state: 'external' | 'reused' | 'running' | 'started', pid? }.
 */
export async function kafkaUp(config, log = () => undefined) {
  const brokers = kafkaBrokers(config);
  if (config.externalBrokers) {
    const reason = await probeKafka(brokers, 10_000);
    if (reason) {
      throw new InfraError(
        'INFRA.KAFKA_UNREACHABLE',
        `Kafka at ${brokers} (KAFKA_BROKERS) does not answer: ${reason} — start that cluster, or unset KAFKA_BROKERS to let smsgw run its own`,
      );
    }
    return { brokers, state: 'external' };
  }
  return withFileLock(LOCK_FILE, 180_000, async () => {
    const running = ownBrokerPid();
    if (!(await probeKafka(brokers))) return running ? { brokers, state: 'running', pid: running } : { brokers, state: 'reused' };
    if (running) {
      // Ours but not answering yet: a start in progress (or a hung broker: the wait names the log).
      log(`kafka    ${brokers}  waiting for pid ${running} to answer`);
      await waitUntilAnswering(config, brokers, running);
      return { brokers, state: 'running', pid: running };
    }
    if (await portInUse(config.kafkaHost, config.kafkaPort)) {
      throw new InfraError(
        'INFRA.KAFKA_PORT_TAKEN',
        `${brokers} is taken by a program that is not an answering Kafka broker — stop it, or set SMSGW_KAFKA_PORT or KAFKA_BROKERS`,
      );
    }
    const { java, javaVersion } = checkJava(config);
    const libs = await ensureJars(config, log);
    formatStorage(config, java, libs, log);
    const started = Date.now();
    const pid = startBroker(config, java, libs, classArchive(java, javaVersion, libs));
    await waitUntilAnswering(config, brokers, pid);
    await warmUp(brokers);
    return { brokers, state: 'started', pid, seconds: (Date.now() - started) / 1000 };
  });
}

/** Stops the broker this checkout started (pid file): SIGTERM, then SIGKILL after a timeout. */
export async function kafkaDown({ onlyPid, timeoutMs = 30_000 } = {}) {
  const pid = ownBrokerPid();
  if (!pid || (onlyPid && pid !== onlyPid)) return { stopped: false };
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  const killed = isAlive(pid);
  if (killed) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(100);
  rmSync(PID_FILE, { force: true });
  return { stopped: true, pid, killed };
}

/** Deletes the broker's data (topics, offsets); the next `up` formats it again. */
export function kafkaWipe() {
  if (ownBrokerPid()) throw new InfraError('INFRA.KAFKA_RUNNING', 'stop the broker before wiping its data');
  rmSync(DATA_DIR, { recursive: true, force: true });
  rmSync(FORMAT_FILE, { force: true });
}

function checkJava(config) {
  const java = config.javaHome ? join(config.javaHome, 'bin', 'java') : 'java';
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new InfraError(
      'INFRA.NO_JAVA',
      `${java} not found: install a Java 17+ runtime (apt-get install openjdk-17-jre-headless) or set JAVA_HOME — or set KAFKA_BROKERS to use a running Kafka`,
    );
  }
  const version = /version "((\d+)(?:\.(\d+))?[^"]*)"/.exec(result.stderr + result.stdout);
  const major = version ? (version[2] === '1' ? Number(version[3]) : Number(version[2])) : 0;
  if (major && major < 17) {
    throw new InfraError('INFRA.OLD_JAVA', `Kafka ${config.kafkaVersion} needs Java 17 or newer, ${java} is Java ${major}: install a newer JDK or set JAVA_HOME`);
  }
  return { java, javaVersion: version?.[1] ?? 'unknown' };
}

/**
 * AppCDS: the first broker records the classes it loaded into an archive when it stops; later
 * starts map it instead of loading ~5,000 classes from jars, which halves start-up on 2 cores.
 * An archive the JVM cannot use (other JDK, truncated) is checked with -Xshare:on and replaced.
 */
function classArchive(java, javaVersion, libs) {
  const archive = join(libs, '..', `classes-java-${javaVersion.replace(/[^\w.-]/g, '_')}.jsa`);
  if (existsSync(archive)) {
    const check = spawnSync(java, [`-XX:SharedArchiveFile=${archive}`, '-Xshare:on', '-cp', join(libs, '*'), '-version'], { encoding: 'utf8' });
    if (check.status === 0) return [`-XX:SharedArchiveFile=${archive}`];
    rmSync(archive, { force: true });
  }
  return [`-XX:ArchiveClassesAtExit=${archive}`];
}

/** The folder of jars for the version, fetched with mvn on first use. */
async function ensureJars(config, log) {
  const home = join(config.cacheDir, `kafka-${config.kafkaVersion}`);
  const libs = join(home, 'libs');
  if (existsSync(join(home, 'complete'))) return libs;
  const mvnCheck = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (mvnCheck.error) {
    throw new InfraError(
      'INFRA.NO_MAVEN',
      `mvn not found: install Maven (apt-get install maven) so smsgw can fetch Kafka ${config.kafkaVersion} from Maven Central once — or set KAFKA_BROKERS to use a running Kafka`,
    );
  }
  log(`kafka    fetching Kafka ${config.kafkaVersion} jars with mvn into ${home} (once)`);
  mkdirSync(home, { recursive: true });
  const staging = join(home, `libs.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const mvnLog = join(home, 'mvn.log');
  const args = [
    '-q', '-B',
    '-f', join(INFRA_DIR, 'kafka', 'pom.xml'),
    'dependency:copy-dependencies',
    `-Dkafka.version=${config.kafkaVersion}`,
    `-DoutputDirectory=${staging}`,
  ];
  const result = await run('mvn', args, mvnLog);
  if (result.code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    const output = readFileSync(mvnLog, 'utf8');
    const error = output.split('\n').find((l) => l.includes('[ERROR]'))?.replace(/\x1b\[[0-9;]*m/g, '').replace(/^\[ERROR\]\s*/, '') ?? `exit code ${result.code}`;
    throw new InfraError('INFRA.MAVEN_FAILED', `mvn could not fetch org.apache.kafka:kafka_2.13:${config.kafkaVersion}: ${error.slice(0, 300)} (full output: ${mvnLog})`);
  }
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  writeFileSync(join(home, 'complete'), new Date().toISOString() + '\n');
  return libs;
}

function run(command, args, logPath) {
  return new Promise((resolve) => {
    const out = openSync(logPath, 'w');
    const child = spawn(command, args, { stdio: ['ignore', out, out] });
    child.on('error', (error) => resolve({ code: -1, error }));
    child.on('exit', (code) => {
      closeSync(out);
      resolve({ code });
    });
  });
}

function renderProperties(config) {
  const template = readFileSync(join(INFRA_DIR, 'kafka', 'server.properties'), 'utf8');
  const values = { HOST: config.kafkaHost, BROKER_PORT: config.kafkaPort, CONTROLLER_PORT: config.controllerPort, DATA_DIR };
  const rendered = template.replace(/\$\{(\w+)\}/g, (_, key) => {
    if (!(key in values)) throw new Error(`server.properties: unknown placeholder \${${key}}`);
    return String(values[key]);
  });
  mkdirSync(KAFKA_DIR, { recursive: true });
  writeFileSync(PROPS_FILE, rendered);
}

const versionParts = (v) => v.split(/[.-]/).map((p) => Number(p) || 0);
const olderThan = (a, b) => {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  return false;
};

/** Formats the data folder once (`StorageTool format --standalone`); later starts reuse it. */
function formatStorage(config, java, libs, log) {
  renderProperties(config);
  const formatted = readJson(FORMAT_FILE, undefined);
  if (formatted && existsSync(join(DATA_DIR, 'meta.properties'))) {
    // The standalone controller's endpoint is recorded at format time, and Kafka refuses data
    // written by a newer version: say so instead of letting the broker die with a stack trace.
    if (formatted.controllerPort !== config.controllerPort || olderThan(config.kafkaVersion, formatted.kafkaVersion)) {
      throw new InfraError(
        'INFRA.KAFKA_DATA_MISMATCH',
        `Kafka data in ${rel(DATA_DIR)} was formatted for Kafka ${formatted.kafkaVersion} on port ${formatted.controllerPort - 1}: ` +
          'run `npm run infra:down -- --wipe` to start afresh (topics are lost), or restore the old settings',
      );
    }
    return;
  }
  rmSync(DATA_DIR, { recursive: true, force: true });
  const clusterId = newClusterId();
  log(`kafka    formatting ${rel(DATA_DIR)} (cluster ${clusterId})`);
  const result = spawnSync(
    java,
    [...logging(), '-cp', join(libs, '*'), 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', PROPS_FILE],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout || '').trim().split('\n').filter(Boolean).pop() ?? `exit code ${result.status}`;
    throw new InfraError('INFRA.KAFKA_FORMAT_FAILED', `formatting Kafka storage failed: ${detail}`);
  }
  writeJson(FORMAT_FILE, { clusterId, kafkaVersion: config.kafkaVersion, controllerPort: config.controllerPort, at: new Date().toISOString() });
}

/** A Kafka cluster id: 16 random bytes in URL-safe base64, not starting with '-' (as Uuid.randomUuid). */
function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function logging() {
  return [`-Dlog4j2.configurationFile=${join(INFRA_DIR, 'kafka', 'log4j2.properties')}`, `-Dkafka.logs.dir=${KAFKA_DIR}`];
}

function startBroker(config, java, libs, cdsFlags) {
  const out = openSync(LOG_FILE, 'w');
  const args = [
    ...config.kafkaHeap.split(/\s+/).filter(Boolean),
    ...cdsFlags,
    // The JVM flags of Kafka's own kafka-run-class.sh.
    '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    ...logging(),
    MARKER,
    '-cp', join(libs, '*'),
    'kafka.Kafka', PROPS_FILE,
  ];
  // Detached with its own process group: it outlives this script and a Ctrl-C in the terminal.
  const child = spawn(java, args, { detached: true, stdio: ['ignore', out, out], cwd: KAFKA_DIR });
  closeSync(out);
  child.unref();
  writeFileSync(PID_FILE, `${child.pid}\n`);
  return child.pid;
}

async function waitUntilAnswering(config, brokers, pid) {
  const deadline = Date.now() + config.kafkaStartTimeoutMs;
  for (;;) {
    if (!isAlive(pid)) {
      rmSync(PID_FILE, { force: true });
      throw new InfraError('INFRA.KAFKA_EXITED', `Kafka exited while starting${lastError()} — see ${rel(LOG_FILE)}`);
    }
    if (!(await probeKafka(brokers, 2_000))) return;
    if (Date.now() > deadline) {
      throw new InfraError(
        'INFRA.KAFKA_START_TIMEOUT',
        `Kafka (pid ${pid}) did not answer on ${brokers} within ${config.kafkaStartTimeoutMs / 1000} s — see ${rel(LOG_FILE)}; npm run infra:down stops it`,
      );
    }
    await sleep(300);
  }
}

/**
 * Asks for a group coordinator once, so the broker creates __consumer_offsets now rather than
 * under the first test's consumer (where kafkajs logs "coordinator is loading" while it waits).
 */
async function warmUp(brokers) {
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({ clientId: 'smsgw-infra', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    await admin.fetchOffsets({ groupId: 'smsgw-infra-warm-up', topics: [] }).catch(() => undefined);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function lastError() {
  try {
    const lines = readFileSync(LOG_FILE, 'utf8').split('\n');
    const line = lines.reverse().find((l) => /ERROR|Exception|Error:/.test(l));
    return line ? `: ${line.replace(/^\[[^\]]*\]\s*/, '').slice(0, 240)}` : '';
  } catch {
    return '';
  }
}

function portInUse(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}
