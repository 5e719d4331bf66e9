#!/usr/bin/env node
// Local infrastructure for development, tests and CI: Kafka (started here unless KAFKA_BROKERS is
// set), PostgreSQL (DATABASE_URL; database created and migrated) and Redis (REDIS_URL; a local
// redis-server started if installed and not answering).
//   node tools/infra/cli.mjs up     [--record FILE]   start/prepare; FILE lists what this call started
//   node tools/infra/cli.mjs down   [--record FILE] [--wipe]   stop what we started (only FILE's, if given)
//   node tools/infra/cli.mjs status                   what is in use and whether it answers
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { InfraError, infraConfig, isExpectedError, readJson, rel, writeJson } from './common.mjs';
import { kafkaBrokers, kafkaDown, kafkaPaths, kafkaSasl, kafkaUp, kafkaWipe, ownBrokerPid, probeKafka } from './kafka.mjs';
import { postgresDown, postgresStatus, postgresUp } from './postgres.mjs';
import { probeRedis, redisDown, redisUp } from './redis.mjs';

const line = (what, where, text) => `${what.padEnd(8)} ${where}  ${text}`;

/** Brings Kafka, PostgreSQL and Redis up; resolves to the KAFKA_BROKERS and DATABASE_URL to use. */
export async function infraUp({ config = infraConfig(), record, log = console.log } = {}) {
  const [kafka, postgres, redis] = await Promise.allSettled([kafkaUp(config, log), postgresUp(config, config.databaseUrl, log), redisUp(config)]);
  if (record) {
    const started = readJson(record, {});
    if (kafka.value?.state === 'started') started.kafkaPid = kafka.value.pid;
    if (postgres.value?.startedCluster) started.postgresCluster = postgres.value.startedCluster;
    if (redis.value?.state === 'started') started.redisPid = redis.value.pid;
    writeJson(record, started);
  }
  if (kafka.status === 'fulfilled') log(line('kafka', kafka.value.brokers, describeKafkaUp(kafka.value)));
  if (postgres.status === 'fulfilled') log(line('postgres', postgres.value.url, describePostgresUp(postgres.value)));
  if (redis.status === 'fulfilled') log(line('redis', redis.value.url, redis.value.state === 'started' ? `started (pid ${redis.value.pid}; log ${rel(redis.value.log)})` : 'up'));
  const failed = [kafka, postgres, redis].filter((r) => r.status === 'rejected').map((r) => r.reason);
  // Each failure on its own line, Kafka's first; main() prints the last.
  failed.slice(0, -1).forEach((err) => console.error(`infra: ${messageOf(err)}`));
  if (failed.length) throw failed[failed.length - 1];
  return { kafkaBrokers: kafka.value.brokers, kafkaSasl: kafkaSasl(config), databaseUrl: config.databaseUrl };
}

function describeKafkaUp(k) {
  switch (k.state) {
    case 'external':
      return 'up (KAFKA_BROKERS)';
    case 'started':
      return `started (pid ${k.pid}, ${k.seconds.toFixed(1)} s; log ${rel(k.log)})`;
    case 'running':
      return `up (started by smsgw, pid ${k.pid})`;
    default:
      return 'up (already answering, not started by smsgw)';
  }
}

function describePostgresUp(p) {
  const parts = [];
  if (p.startedCluster) parts.push(`server started (${p.startedCluster.version}/${p.startedCluster.name})`);
  if (p.created) parts.push('database created');
  parts.push(p.applied.length ? `applied ${p.applied.join(', ')}` : `migrations: ${p.total} applied`);
  return `ready (${parts.join('; ')})`;
}

export async function infraDown({ config = infraConfig(), record, wipe = false, log = console.log } = {}) {
  const only = record ? readJson(record, {}) : undefined;
  const stopped = [];
  if (!only || only.kafkaPid) {
    const k = await kafkaDown(config, only ? { onlyPid: only.kafkaPid } : {});
    if (k.stopped) stopped.push(line('kafka', `pid ${k.pid}`, k.killed ? 'killed (did not stop within 30 s)' : 'stopped'));
  }
  if (!only || only.postgresCluster) {
    const p = postgresDown(only ? { onlyCluster: only.postgresCluster } : {});
    if (p.stopped) stopped.push(line('postgres', `${p.cluster.version}/${p.cluster.name}`, 'stopped'));
  }
  if (!only || only.redisPid) {
    const r = redisDown(config, only ? { onlyPid: only.redisPid } : {});
    if (r.stopped) stopped.push(line('redis', `pid ${r.pid}`, 'stopped'));
  }
  if (record) rmSync(record, { force: true });
  if (wipe) {
    kafkaWipe(config);
    stopped.push(line('kafka', rel(kafkaPaths(config).data), 'wiped'));
  }
  stopped.forEach((l) => log(l));
  if (!stopped.length) log('infra: nothing started by smsgw is running');
}

export async function infraStatus({ config = infraConfig(), log = console.log } = {}) {
  const brokers = kafkaBrokers(config);
  const [kafkaReason, postgres] = await Promise.all([probeKafka(brokers, 5_000), postgresStatus(config)]);
  let kafkaText;
  const pid = ownBrokerPid(config);
  const logFile = rel(kafkaPaths(config).log);
  if (config.externalBrokers) kafkaText = kafkaReason ? `down (${kafkaReason}) [KAFKA_BROKERS]` : 'up (KAFKA_BROKERS)';
  else if (!kafkaReason) kafkaText = pid ? `up (started by smsgw, pid ${pid})` : 'up (not started by smsgw)';
  else if (pid) kafkaText = `down (pid ${pid} runs but does not answer — starting, or see ${logFile})`;
  else kafkaText = 'down (not running — npm run infra:up starts it)';
  log(line('kafka', brokers, kafkaText));
  log(line('postgres', postgres.url, postgres.text));
  const redisReason = await probeRedis(config.redisUrl);
  log(line('redis', config.redisUrl, redisReason ? `down (${redisReason} — npm run infra:up starts a local one)` : 'up'));
  return { kafkaUp: !kafkaReason, postgresUp: postgres.up, redisUp: !redisReason };
}

const messageOf = (err) => (isExpectedError(err) ? err.message : String(err?.stack ?? err));

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const options = {};
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--record') options.record = rest[++i];
    else if (rest[i] === '--wipe') options.wipe = true;
    else throw new InfraError('INFRA.USAGE', `unknown option ${rest[i]}; usage: cli.mjs up|down|status [--record FILE] [--wipe]`);
  }
  if (!['up', 'down', 'status'].includes(command)) throw new InfraError('INFRA.USAGE', 'usage: node tools/infra/cli.mjs up|down|status [--record FILE] [--wipe]');
  if (options.record === undefined && rest.includes('--record')) throw new InfraError('INFRA.USAGE', '--record needs a file name');
  return { command, options };
}

async function main() {
  const { command, options } = parseArgs(process.argv.slice(2));
  if (command === 'up') await infraUp({ record: options.record });
  if (command === 'down') await infraDown(options);
  if (command === 'status') {
    const { kafkaUp: k, postgresUp: p, redisUp: r } = await infraStatus();
    process.exitCode = k && p && r ? 0 : 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main()
    .then(() => process.exit(process.exitCode ?? 0)) // kafkajs sockets may linger a moment; don't wait for them
    .catch((err) => {
      console.error(`infra: ${messageOf(err)}`);
      process.exit(1);
    });
}
