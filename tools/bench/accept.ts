// What accounts cost on the accept path: CPU per message of ingest's SendMessageService.admit with
// an account's policy (sender/country checks, rate limit and SMS-pumping counters in Redis, the
// suppression read in PostgreSQL) against the same admits without an account, in this process,
// plus the CPU the Redis and PostgreSQL servers spent meanwhile. Unary-like traffic by default:
// `--concurrency` callers each admitting one message at a time, as concurrent gRPC Sends do.
//   npm run bench:accept -- [--messages 20000] [--concurrency 200] [--batch 1] [--rounds 3]
// Needs PostgreSQL (DATABASE_URL, migrated) and Redis (REDIS_URL): `npm start` or `npm test` set them up.
import 'reflect-metadata';
import { readFileSync, readdirSync } from 'node:fs';
import { DEFAULT_POLICY, type AccountPolicy } from '@smsgw/accounts/domain';
import { createPool } from '@smsgw/shared/data-access-db';
import { createLogger } from '@smsgw/shared/util-logging';
import { Registry } from '@smsgw/shared/util-metrics';
import { Channel, SendRequest } from '@smsgw/shared/util-proto';
import { CallbackHostCheck } from '../../apps/ingest/src/send-message/callback-host.check';
import { IdempotencyStore } from '../../apps/ingest/src/send-message/idempotency.store';
import { IngestMetrics } from '../../apps/ingest/src/send-message/ingest.metrics';
import { SendRateLimit } from '../../apps/ingest/src/send-message/rate-limit';
import { SendMessageService, type Submission } from '../../apps/ingest/src/send-message/send-message.service';
import { SuppressionCheck } from '../../apps/ingest/src/send-message/suppression-check';
import { StickySenders } from '../../apps/ingest/src/send-message/sticky-senders';
import type { SpendReservation } from '../../apps/ingest/src/send-message/spend-reservation';
import type { IngestEnv } from '../../apps/ingest/src/env';
import type { AppProducer } from '@smsgw/shared/feature-ops';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : undefined))
    .filter((e): e is [string, string] => e !== undefined),
);
const messages = Number(args['messages'] ?? 20_000);
const concurrency = Number(args['concurrency'] ?? 200);
const batch = Number(args['batch'] ?? 1);
const rounds = Number(args['rounds'] ?? 3);
const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** CPU seconds (user + system) of every process whose command line matches. */
function serverCpuSeconds(match: RegExp): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!match.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      /* ended meanwhile */
    }
  }
  return total;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const logger = createLogger({ app: 'bench-accept', level: 'warn' });
  const config = { INGEST_DEFAULT_REGION: 'GB', INGEST_MAX_TEXT_LENGTH: 1600, INGEST_MAX_BATCH: 1000, REDIS_URL: redisUrl, KAFKA_TOPIC_PREFIX: `bench-accept-${Date.now().toString(36)}.` } as IngestEnv;
  const registry = new Registry();
  const pool = createPool(databaseUrl, { max: 10 });
  const rateLimit = new SendRateLimit(config, logger, registry);
  await rateLimit.onModuleInit();
  // Nothing is published: admit is the whole of what accounts add; the produce is the same either way.
  // Prepaid balances are not measured here (the account has none, so admit never reserves): no routing view is needed.
  const noBalance = { reserve: async () => [], cancel: async () => undefined } as unknown as SpendReservation;
  const service = new SendMessageService(config, logger, {} as AppProducer, new IdempotencyStore(pool), new IngestMetrics(registry), rateLimit, new CallbackHostCheck(logger), new SuppressionCheck(pool), new StickySenders(pool, config), noBalance);
  // A generous limit, pumping only counted: every message goes through every check and none is refused.
  const policy: AccountPolicy = { ...DEFAULT_POLICY, ratePerSecond: 1_000_000, rateBurst: 1_000_000, pumpingMode: 'monitor', pumpingMinPerMinute: 1_000_000 };
  const request = (i: number) => SendRequest.create({ to: `+4479${String(11000000 + (i % 8999999)).padStart(8, '0')}`, from: 'BENCH', text: `Your code is ${100000 + (i % 900000)}` });

  async function run(withAccount: boolean, offset: number): Promise<{ cpuUs: number; redisUs: number; pgUs: number; perSecond: number; refused: number }> {
    let next = 0;
    let refused = 0;
    const accountId = `bench-accept-${process.pid}`;
    const cpu0 = process.cpuUsage();
    const redis0 = serverCpuSeconds(/^redis-server/);
    const pg0 = serverCpuSeconds(/^postgres/);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < messages) {
          const from = next;
          next += batch;
          const submissions: Submission[] = [];
          for (let i = from; i < Math.min(from + batch, messages); i++) submissions.push(withAccount ? { request: request(offset + i), clientId: accountId, policy } : { request: request(offset + i), clientId: '' });
          for (const a of await service.admit(submissions, Channel.GRPC)) if (!a.publish) refused++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      cpuUs: (cpu.user + cpu.system) / messages,
      redisUs: ((serverCpuSeconds(/^redis-server/) - redis0) * 1e6) / messages,
      pgUs: ((serverCpuSeconds(/^postgres/) - pg0) * 1e6) / messages,
      perSecond: messages / seconds,
      refused,
    };
  }

  await run(true, 0); // warm-up: JIT, connections, the pumping script loaded
  await run(false, 0);
  const results: { without: Awaited<ReturnType<typeof run>>; withAccount: Awaited<ReturnType<typeof run>> }[] = [];
  for (let r = 0; r < rounds; r++) {
    const without = await run(false, (r + 1) * messages);
    const withAccount = await run(true, (r + 1) * messages);
    results.push({ without, withAccount });
    const f = (x: number) => x.toFixed(1).padStart(6);
    console.log(`round ${r + 1}: without account ${f(without.cpuUs)} µs/msg (${Math.round(without.perSecond)}/s)   with account ${f(withAccount.cpuUs)} µs/msg (${Math.round(withAccount.perSecond)}/s) + Redis ${f(withAccount.redisUs - without.redisUs)} + PostgreSQL ${f(withAccount.pgUs - without.pgUs)} µs/msg   refused ${withAccount.refused}`);
  }
  const extra = results.map((x) => x.withAccount.cpuUs - x.without.cpuUs);
  const servers = results.map((x) => x.withAccount.redisUs - x.without.redisUs + (x.withAccount.pgUs - x.without.pgUs));
  console.log(`\n${messages} messages × ${rounds} rounds, concurrency ${concurrency}, batch ${batch}: accounts add ${median(extra).toFixed(1)} µs/msg in ingest (spread ${Math.min(...extra).toFixed(1)}–${Math.max(...extra).toFixed(1)}) and ${median(servers).toFixed(1)} µs/msg in Redis + PostgreSQL`);
  console.log('compare with ingest CPU per message of `npm run bench` (the whole accept path: gRPC, validation, produce)');
  rateLimit.onApplicationShutdown();
  await pool.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
