// Redis for the counters ingest replicas share (per-account rate limits): REDIS_URL, by default
// 127.0.0.1:6379. Started here (redis-server, no persistence: the counters live for seconds) when
// it is local, installed and not answering; a remote REDIS_URL is only checked.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { InfraError } from './common.mjs';

const LOCAL = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** undefined when Redis answers PING, else why not. */
export function probeRedis(url, timeoutMs = 1000) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) });
    const done = (reason) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done('no answer'));
    socket.on('error', (err) => done(err.code ?? err.message));
    // AUTH errors still prove a Redis answers; the app reports a wrong password itself.
    socket.on('data', (d) => done(/^(\+PONG|-NOAUTH)/.test(d.toString()) ? undefined : `unexpected answer ${JSON.stringify(d.toString().slice(0, 40))}`));
    socket.on('connect', () => socket.write('PING\r\n'));
  });
}

function redisServerBinary() {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** Makes sure Redis answers at config.redisUrl; starts a local redis-server if needed. */
export async function redisUp(config) {
  const url = config.redisUrl;
  const why = await probeRedis(url);
  if (!why) return { url, state: 'running' };
  const u = new URL(url);
  if (!LOCAL.has(u.hostname)) throw new InfraError('INFRA.REDIS_DOWN', `Redis at ${url} does not answer (${why}); check REDIS_URL`);
  const bin = redisServerBinary();
  if (!bin) throw new InfraError('INFRA.REDIS_MISSING', `Redis does not answer at ${url} and redis-server is not installed: sudo apt-get install -y redis-server (Debian), or set REDIS_URL to a running Redis`);
  const dir = join(config.cacheDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, 'redis.pid');
  const log = join(dir, 'redis.log');
  const port = u.port || '6379';
  const run = spawnSync(bin, ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--pidfile', pidFile, '--logfile', log, '--dir', dir], { encoding: 'utf8' });
  if (run.status !== 0) throw new InfraError('INFRA.REDIS_START', `redis-server did not start (exit ${run.status}): ${run.stderr || run.stdout}; log ${log}`);
  for (let i = 0; i < 50; i++) {
    if (!(await probeRedis(url, 200))) return { url, state: 'started', pid: Number(readFileSync(pidFile, 'utf8').trim()) || undefined, log };
    await sleep(100);
  }
  throw new InfraError('INFRA.REDIS_START', `redis-server was started but does not answer at ${url}; see ${log}`);
}

/** Stops the redis-server this launcher started (its pid file), or only onlyPid. */
export function redisDown(config, { onlyPid } = {}) {
  let pid = onlyPid;
  if (!pid) {
    try {
      pid = Number(readFileSync(join(config.cacheDir, 'redis', 'redis.pid'), 'utf8').trim());
    } catch {
      return { stopped: false };
    }
  }
  try {
    process.kill(pid, 'SIGTERM');
    return { stopped: true, pid };
  } catch {
    return { stopped: false }; // not running any more
  }
}
