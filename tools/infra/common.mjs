// Settings and small helpers shared by the infra scripts (plain Node: they run before npm ci has
// built anything, so they read process.env themselves).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const INFRA_DIR = join(ROOT, 'tools', 'infra');
export const STATE_DIR = join(ROOT, '.smsgw');

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/smsgw';

/** Every setting of the infra scripts, with its default. */
export function infraConfig(env = process.env) {
  const kafkaPort = Number(env.SMSGW_KAFKA_PORT || 9092);
  if (!Number.isInteger(kafkaPort) || kafkaPort < 1 || kafkaPort > 65534) {
    throw new InfraError('INFRA.BAD_CONFIG', `SMSGW_KAFKA_PORT "${env.SMSGW_KAFKA_PORT}" is not a port number (default 9092)`);
  }
  return {
    /** set: use that cluster and start nothing */
    externalBrokers: env.KAFKA_BROKERS?.trim() || undefined,
    kafkaHost: '127.0.0.1',
    kafkaPort,
    controllerPort: kafkaPort + 1,
    kafkaVersion: env.KAFKA_VERSION || '4.1.0',
    kafkaHeap: env.KAFKA_HEAP_OPTS || '-Xmx1g -Xms256m',
    kafkaStartTimeoutMs: Number(env.SMSGW_KAFKA_START_TIMEOUT_MS || 90_000),
    cacheDir: env.SMSGW_CACHE_DIR || join(homedir(), '.cache', 'smsgw'),
    javaHome: env.JAVA_HOME || undefined,
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    databaseUrlFromEnv: Boolean(env.DATABASE_URL),
    testDatabaseUrl: env.TEST_DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
  };
}

/** An expected failure: the CLI prints its message as one line, without a stack. */
export class InfraError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
    this.name = 'InfraError';
  }
}

/** True for errors whose message is meant for a person (ours and the db library's). */
export function isExpectedError(err) {
  return typeof err?.code === 'string' && /^(INFRA|DB)\./.test(err.code);
}

export const rel = (path) => relative(process.cwd(), path) || '.';
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** The process's command line, or '' where /proc is not available. */
export function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export function readJson(path, fallback) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return fallback;
  }
}

export function writeJson(path, value) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * A lock file holding our pid, so two `infra up` at once (two terminals, CI and a developer)
 * don't both start a broker. A lock whose owner died is taken over.
 */
export async function withFileLock(path, timeoutMs, work) {
  mkdirSync(join(path, '..'), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(path, 'utf8').trim() || 0);
      if (owner && !isAlive(owner)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() - started > timeoutMs) {
        throw new InfraError('INFRA.LOCKED', `another infra command (pid ${owner}) holds ${rel(path)}; wait for it or remove the file`);
      }
      await sleep(200);
    }
  }
  const release = () => existsSync(path) && readFileSync(path, 'utf8').trim() === String(process.pid) && rmSync(path, { force: true });
  process.once('exit', release);
  try {
    return await work();
  } finally {
    release();
    process.removeListener('exit', release);
  }
}
