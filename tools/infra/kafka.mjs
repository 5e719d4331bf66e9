// The development Kafka: a single-node KRaft broker run with `java` from the jars of
// org.apache.kafka:kafka_2.13, fetched once from Maven Central with `mvn` into a cache folder.
// State (data, rendered config, pid, log) lives in .smsgw/kafka/ of the repository (gitignored;
// .smsgw/kafka-<port>/ when SMSGW_KAFKA_PORT is not 9092).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { INFRA_DIR, InfraError, STATE_DIR, commandLine, isAlive, readJson, rel, sleep, withFileLock, writeJson } from './common.mjs';

const require = createRequire(import.meta.url);
/** Where one broker's state lives: .smsgw/kafka, or .smsgw/kafka-<port> for another port. */
export function kafkaPaths(config) {
  const dir = join(STATE_DIR, config.kafkaPort === 9092 ? 'kafka' : `kafka-${config.kafkaPort}`);
  return {
    dir,
    pid: join(dir, 'kafka.pid'),
    log: join(dir, 'kafka.log'),
    data: join(dir, 'data'),
    props: join(dir, 'server.properties'),
    format: join(dir, 'format.json'),
    saslPassword: join(dir, 'sasl-password'),
    lock: join(dir, 'up.lock'),
    // On the java command line, so `down` never signals a process that merely reused our pid.
    marker: `-Dsmsgw.kafka=${dir}`,
  };
}

/** The own broker's SASL listener (PLAIN, user smsgw) for tests of the SASL settings; undefined with KAFKA_BROKERS. */
export function kafkaSasl(config) {
  if (config.externalBrokers) return undefined;
  return { brokers: `${config.kafkaHost}:${config.kafkaPort + 2}`, username: 'smsgw', passwordFile: kafkaPaths(config).saslPassword };
}

/** The SASL listener's password: made once, kept beside the broker's data (mode 0600). */
function saslPassword(paths) {
  if (!existsSync(paths.saslPassword)) writeFileSync(paths.saslPassword, randomBytes(18).toString('base64url') + '\n', { mode: 0o600 });
  return readFileSync(paths.saslPassword, 'utf8').trim();
}

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
export function ownBrokerPid(config) {
  const { pid: pidFile, marker } = kafkaPaths(config);
  const pid = Number(existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : 0);
  if (!pid || !isAlive(pid)) return undefined;
  const cmd = commandLine(pid);
  return cmd === '' || cmd.includes(marker) ? pid : undefined;
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
  const paths = kafkaPaths(config);
  return withFileLock(paths.lock, 180_000, async () => {
    const running = ownBrokerPid(config);
    if (!(await probeKafka(brokers))) return running ? { brokers, state: 'running', pid: running } : { brokers, state: 'reused' };
    if (running) {
      // Ours but not answering yet: a start in progress (or a hung broker: the wait names the log).
      log(`kafka    ${brokers}  waiting for pid ${running} to answer`);
      await waitUntilAnswering(config, paths, brokers, running);
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
    formatStorage(config, paths, java, libs, log);
    const started = Date.now();
    const pid = startBroker(config, paths, java, libs, classArchive(java, javaVersion, libs));
    await waitUntilAnswering(config, paths, brokers, pid);
    await warmUp(brokers);
    return { brokers, state: 'started', pid, seconds: (Date.now() - started) / 1000, log: paths.log };
  });
}

/** Stops the broker this checkout started (pid file): SIGTERM, then SIGKILL after a timeout. */
export async function kafkaDown(config, { onlyPid, timeoutMs = 30_000 } = {}) {
  const pid = ownBrokerPid(config);
  if (!pid || (onlyPid && pid !== onlyPid)) return { stopped: false };
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  const killed = isAlive(pid);
  if (killed) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(100);
  rmSync(kafkaPaths(config).pid, { force: true });
  return { stopped: true, pid, killed };
}

/** Deletes the broker's data (topics, offsets); the next `up` formats it again. */
export function kafkaWipe(config) {
  if (ownBrokerPid(config)) throw new InfraError('INFRA.KAFKA_RUNNING', 'stop the broker before wiping its data');
  const { data, format } = kafkaPaths(config);
  rmSync(data, { recursive: true, force: true });
  rmSync(format, { force: true });
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

function renderProperties(config, paths) {
  const template = readFileSync(join(INFRA_DIR, 'kafka', 'server.properties'), 'utf8');
  mkdirSync(paths.dir, { recursive: true });
  const values = { HOST: config.kafkaHost, BROKER_PORT: config.kafkaPort, CONTROLLER_PORT: config.controllerPort, SASL_PORT: config.kafkaPort + 2, SASL_PASSWORD: saslPassword(paths), DATA_DIR: paths.data };
  const rendered = template.replace(/\$\{(\w+)\}/g, (_, key) => {
    if (!(key in values)) throw new Error(`server.properties: unknown placeholder \${${key}}`);
    return String(values[key]);
  });
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(paths.props, rendered);
}

const versionParts = (v) => v.split(/[.-]/).map((p) => Number(p) || 0);
const olderThan = (a, b) => {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  return false;
};

/** Formats the data folder once (`StorageTool format --standalone`); later starts reuse it. */
function formatStorage(config, paths, java, libs, log) {
  renderProperties(config, paths);
  const formatted = readJson(paths.format, undefined);
  if (formatted && existsSync(join(paths.data, 'meta.properties'))) {
    // The standalone controller's endpoint is recorded at format time, and Kafka refuses data
    // written by a newer version: say so instead of letting the broker die with a stack trace.
    if (formatted.controllerPort !== config.controllerPort || olderThan(config.kafkaVersion, formatted.kafkaVersion)) {
      throw new InfraError(
        'INFRA.KAFKA_DATA_MISMATCH',
        `Kafka data in ${rel(paths.data)} was formatted for Kafka ${formatted.kafkaVersion} on port ${formatted.controllerPort - 1}: ` +
          'run `npm run infra:down -- --wipe` to start afresh (topics are lost), or restore the old settings',
      );
    }
    return;
  }
  rmSync(paths.data, { recursive: true, force: true });
  const clusterId = newClusterId();
  log(`kafka    formatting ${rel(paths.data)} (cluster ${clusterId})`);
  const result = spawnSync(
    java,
    [...logging(paths), '-cp', join(libs, '*'), 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', paths.props],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout || '').trim().split('\n').filter(Boolean).pop() ?? `exit code ${result.status}`;
    throw new InfraError('INFRA.KAFKA_FORMAT_FAILED', `formatting Kafka storage failed: ${detail}`);
  }
  writeJson(paths.format, { clusterId, kafkaVersion: config.kafkaVersion, controllerPort: config.controllerPort, at: new Date().toISOString() });
}

/** A Kafka cluster id: 16 random bytes in URL-safe base64, not starting with '-' (as Uuid.randomUuid). */
function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function logging(paths) {
  return [`-Dlog4j2.configurationFile=${join(INFRA_DIR, 'kafka', 'log4j2.properties')}`, `-Dkafka.logs.dir=${paths.dir}`];
}

function startBroker(config, paths, java, libs, cdsFlags) {
  const out = openSync(paths.log, 'w');
  const args = [
    ...config.kafkaHeap.split(/\s+/).filter(Boolean),
    ...cdsFlags,
    // The JVM flags of Kafka's own kafka-run-class.sh.
    '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    ...logging(paths),
    paths.marker,
    '-cp', join(libs, '*'),
    'kafka.Kafka', paths.props,
  ];
  // Detached with its own process group: it outlives this script and a Ctrl-C in the terminal.
  const child = spawn(java, args, { detached: true, stdio: ['ignore', out, out], cwd: paths.dir });
  closeSync(out);
  child.unref();
  writeFileSync(paths.pid, `${child.pid}\n`);
  return child.pid;
}

async function waitUntilAnswering(config, paths, brokers, pid) {
  const deadline = Date.now() + config.kafkaStartTimeoutMs;
  for (;;) {
    if (!isAlive(pid)) {
      rmSync(paths.pid, { force: true });
      throw new InfraError('INFRA.KAFKA_EXITED', `Kafka exited while starting${lastError(paths.log)} — see ${rel(paths.log)}`);
    }
    if (!(await probeKafka(brokers, 2_000))) return;
    if (Date.now() > deadline) {
      throw new InfraError(
        'INFRA.KAFKA_START_TIMEOUT',
        `Kafka (pid ${pid}) did not answer on ${brokers} within ${config.kafkaStartTimeoutMs / 1000} s — see ${rel(paths.log)}; npm run infra:down stops it`,
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

function lastError(logFile) {
  try {
    const lines = readFileSync(logFile, 'utf8').split('\n');
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
