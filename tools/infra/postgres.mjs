// The development PostgreSQL: DATABASE_URL (default the machine's server on 127.0.0.1:5432).
// `up` creates the database when missing and applies the migrations of libs/shared/data-access-db,
// through the library itself (loaded with swc, as tools/ts-run.cjs does), so there is one runner.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { InfraError, ROOT, STATE_DIR, readJson, writeJson } from './common.mjs';

const require = createRequire(import.meta.url);
const STARTED_FILE = join(STATE_DIR, 'postgres-started.json');
let db;

/** @smsgw/shared/data-access-db, compiled on load. */
export function dataAccessDb() {
  if (!db) {
    require(join(ROOT, 'tools', 'ts-run.cjs'));
    db = require(join(ROOT, 'libs', 'shared', 'data-access-db', 'src', 'index.ts'));
  }
  return db;
}

/**
 * Creates the database if missing and migrates it. When the default local server is down and
 * this machine has Debian's pg_ctlcluster, starts it first (and remembers, so `down` stops it).
 */
export async function postgresUp(config, url = config.databaseUrl, log = () => undefined) {
  const { ensureDatabase, migrate, redactUrl, parseDatabaseUrl } = dataAccessDb();
  parseDatabaseUrl(url);
  let startedCluster;
  let ensured;
  try {
    ensured = await ensureDatabase(url);
  } catch (err) {
    const cluster = err?.reason === 'connection refused' && isLocal(url) && stoppedLocalCluster(url);
    if (!cluster) throw err;
    log(`postgres starting the local cluster ${cluster.version}/${cluster.name} (pg_ctlcluster)`);
    startCluster(cluster);
    startedCluster = cluster;
    writeJson(STARTED_FILE, cluster);
    ensured = await retry(() => ensureDatabase(url), 10_000);
  }
  const result = await migrate(url);
  return {
    url: redactUrl(url),
    created: ensured.created,
    applied: result.applied.map((m) => m.file),
    total: result.alreadyApplied + result.applied.length,
    startedCluster,
  };
}

/** One line about the database: up with its migrations, or why not. */
export async function postgresStatus(config, url = config.databaseUrl) {
  const { migrationStatus, redactUrl, parseDatabaseUrl } = dataAccessDb();
  parseDatabaseUrl(url);
  try {
    const status = await migrationStatus(url);
    const pending = status.pending.length ? `, ${status.pending.length} pending — npm run infra:up applies them` : '';
    return { up: true, url: redactUrl(url), text: `up (migrations: ${status.applied.length} applied${pending})` };
  } catch (err) {
    if (err?.code === 'DB.UNREACHABLE' && /does not exist/.test(err.reason)) {
      return { up: false, url: redactUrl(url), text: 'server up, database missing — npm run infra:up creates it' };
    }
    if (err?.code === 'DB.UNREACHABLE') return { up: false, url: redactUrl(url), text: `down (${err.reason})` };
    throw err;
  }
}

/** Stops the local cluster only if an `up` of this checkout started it. */
export function postgresDown({ onlyCluster } = {}) {
  const cluster = readJson(STARTED_FILE, undefined);
  if (!cluster || (onlyCluster && (onlyCluster.version !== cluster.version || onlyCluster.name !== cluster.name))) return { stopped: false };
  const result = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'stop'], { encoding: 'utf8' });
  rmSync(STARTED_FILE, { force: true });
  if (result.status !== 0) {
    throw new InfraError('INFRA.PG_STOP_FAILED', `pg_ctlcluster ${cluster.version} ${cluster.name} stop failed: ${(result.stderr || '').trim().split('\n')[0]}`);
  }
  return { stopped: true, cluster };
}

function isLocal(url) {
  const { host } = dataAccessDb().parseDatabaseUrl(url);
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host) || host.startsWith('/');
}

/** A Debian cluster (pg_lsclusters) on the URL's port that is down, which we may start. */
function stoppedLocalCluster(url) {
  const { port } = dataAccessDb().parseDatabaseUrl(url);
  const list = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  if (list.error || list.status !== 0) return undefined;
  for (const row of list.stdout.split('\n')) {
    const [version, name, clusterPort, status] = row.trim().split(/\s+/);
    if (Number(clusterPort) === port && status === 'down') return { version, name };
  }
  return undefined;
}

function startCluster(cluster) {
  const result = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'start'], { encoding: 'utf8' });
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout || '').trim().split('\n')[0];
    throw new InfraError(
      'INFRA.PG_START_FAILED',
      `PostgreSQL is not running and pg_ctlcluster ${cluster.version} ${cluster.name} start failed: ${detail} — start it yourself or set DATABASE_URL`,
    );
  }
}

async function retry(work, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (Date.now() > deadline || err?.code !== 'DB.UNREACHABLE') throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
