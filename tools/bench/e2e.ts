// End-to-end benchmark: drives N messages through the whole gateway to the SMSC simulator and back
// (receipts), and reports throughput, latency percentiles, lost and duplicated messages, and each
// process's CPU and memory.
//   npm run bench -- [--messages N] [--concurrency C] [--via grpc|batch|http|http2|kafka] [--batch-size B] [--mix gsm7|mixed] [--out FILE] [--rate R]
// --batch-size (--via batch): messages per SendBatch, default 500 with at most 8 requests under way;
// given, --concurrency requests are under way (npm run bench:peer: 50 per batch, 16 at once).
// --via http: POST /v1/messages, one message per request, over keep-alive connections (fetch,
// undici's pool in Node), like --via grpc's unary Send; SMSGW_API_URL names another API.
// --via http2: the same requests over one HTTP/2 connection (h2c, prior knowledge; node:http2), as
// grpc-js carries unary Send: --concurrency streams at once.
// Uses a running stack (npm start) when ingest answers on its default port; otherwise starts one.
import { Metadata, credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect as connectHttp2 } from 'node:http2';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TOPICS, createKafka, setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { createLogger } from '@smsgw/shared/util-logging';
import { MessageStatus, SendRequest, StatusEvent, type SendBatchResponse, type SendResponse } from '@smsgw/shared/util-proto';
import { Partitioners } from 'kafkajs';

const ROOT = join(__dirname, '../..');
const APPS = ['ingest', 'encoder', 'router', 'smpp-connector', 'dlr-processor', 'smsc-simulator'];
const FINAL = new Set([MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.EXPIRED, MessageStatus.REJECTED, MessageStatus.FAILED, MessageStatus.CANCELED]);

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '200' },
    via: { type: 'string', default: 'grpc' },
    'batch-size': { type: 'string' },
    mix: { type: 'string', default: 'gsm7' },
    out: { type: 'string' },
    rate: { type: 'string' },
    'grace-seconds': { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(args.messages);
const C = Number(args.concurrency);
const via = args.via as 'grpc' | 'batch' | 'http' | 'http2' | 'kafka';
const rate = args.rate ? Number(args.rate) : undefined;
if (!['grpc', 'batch', 'http', 'http2', 'kafka'].includes(via)) throw new Error(`--via must be grpc, batch, http, http2 or kafka, got ${via}`);
if (args['batch-size'] !== undefined && !(Number.isInteger(Number(args['batch-size'])) && Number(args['batch-size']) >= 1)) throw new Error(`--batch-size must be a whole number ≥ 1, got ${args['batch-size']}`);

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
setTopicPrefix(process.env['KAFKA_TOPIC_PREFIX'] ?? ''); // the stack's, when it runs with one
const grpcTarget = process.env['SMSGW_TARGET'] ?? '127.0.0.1:50051';
const apiUrl = process.env['SMSGW_API_URL'] ?? 'http://127.0.0.1:8080';
// The stack's API key: SMSGW_API_KEY (bench:peer passes its stack's), else the demo key that
// tools/stack.cjs keeps for a stack on the default ports (npm start, or the one started below).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { localApiKey } = require(join(ROOT, 'tools/local-accounts.cjs')) as { localApiKey(): string | undefined };
let apiKey = process.env['SMSGW_API_KEY'];
const simulatorHttp = process.env['SIMULATOR_URL'] ?? 'http://127.0.0.1:8086';

function textFor(i: number): string {
  if (args.mix === 'mixed' && i % 10 === 9) return `Ваш код ${100000 + (i % 900000)} 😀`;
  if (args.mix === 'mixed' && i % 10 >= 7) return `Reminder ${i}: `.padEnd(300, 'your appointment is tomorrow at 10:00. ');
  return `Your code is ${100000 + (i % 900000)}`;
}

function percentiles(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : 0);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { p50: r(at(50)), p95: r(at(95)), p99: r(at(99)), max: r(s[s.length - 1] ?? 0) };
}

function findPid(app: string): number | undefined {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`dist/apps/${app}/`)) return Number(pid);
    } catch {
      /* process ended */
    }
  }
  return undefined;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

async function ensureStack(): Promise<(() => Promise<void>) | undefined> {
  // SMSGW_TARGET names a stack someone else started (bench:peer runs one on its own ports).
  if (process.env['SMSGW_TARGET']) return undefined;
  const up = await fetch('http://127.0.0.1:8081/healthz').then((r) => r.ok, () => false);
  if (up) return undefined;
  console.error('no running stack: starting one (infra, build, apps)…');
  const { infraUp } = await import(join(ROOT, 'tools/infra/cli.mjs'));
  const { buildApps } = await import(join(ROOT, 'tools/build-apps.mjs'));
  const { kafkaBrokers, databaseUrl } = await infraUp({ log: () => undefined });
  buildApps({ log: () => undefined });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startStack } = require(join(ROOT, 'tools/stack.cjs'));
  const stack = await startStack({ env: { KAFKA_BROKERS: kafkaBrokers, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' } });
  apiKey ??= stack.apiKey;
  return () => stack.stop();
}

async function main() {
  const stopStack = await ensureStack();
  const logger = createLogger({ app: 'bench', level: 'error' });
  const kafka = createKafka({ brokers, clientId: 'smsgw-bench', logger });
  const runId = `bench-${Date.now().toString(36)}`;

  // Watch sms.status.v1 from now on, keyed by client reference (known for every --via).
  const acceptedAt = new Map<string, number>();
  const submittedLatency: number[] = [];
  const finalLatency: number[] = [];
  const finalStatus = new Map<string, MessageStatus>();
  let firstSubmit = 0;
  let lastFinal = 0;
  const consumer = kafka.consumer({ groupId: runId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.status.name, fromBeginning: false });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const e = StatusEvent.decode(m.value!);
        if (!e.clientReference.startsWith(runId)) continue;
        if (e.status === MessageStatus.SUBMITTED) submittedLatency.push(e.occurredAtMs - e.acceptedAtMs);
        if (FINAL.has(e.status) && !finalStatus.has(e.clientReference)) {
          finalStatus.set(e.clientReference, e.status);
          finalLatency.push(e.occurredAtMs - e.acceptedAtMs);
          lastFinal = Math.max(lastFinal, e.occurredAtMs);
        }
      }
    },
  });
  await joined;
  await fetch(`${simulatorHttp}/stats/reset`, { method: 'POST' }).catch(() => undefined);

  const pids = Object.fromEntries(APPS.map((a) => [a, findPid(a)]));
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([a, pid]) => [a, pid ? cpuSeconds(pid) : 0]));

  const acceptLatency: number[] = [];
  let errors = 0;
  const errorKinds = new Map<string, number>();
  /** One failed call, counted by what went wrong (HTTP 503, a connection reset…). */
  const failed = (err: unknown) => {
    errors++;
    const e = err as Error & { cause?: Error & { code?: string }; code?: string };
    const kind = (e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(err)).slice(0, 60);
    errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
  };
  const started = Date.now();
  firstSubmit = started;
  const pace = async (i: number) => {
    if (!rate) return;
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  };
  const request = (i: number) => SendRequest.create({ to: `+4479${String(11000000 + (i % 8999999)).padStart(8, '0')}`, from: 'BENCH', text: textFor(i), clientReference: `${runId}-${i}` });

  if (via === 'kafka') {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const chunk = 500;
    // sms.submit.v1 events name their account and carry its key, like a gRPC call's metadata.
    const submitHeaders = { authorization: `Bearer ${apiKey ?? localApiKey() ?? ''}`, 'smsgw-account': 'demo' };
    for (let i = 0; i < N; i += chunk) {
      await pace(i);
      const t0 = Date.now();
      const msgs = Array.from({ length: Math.min(chunk, N - i) }, (_, k) => request(i + k));
      await producer.send({ topic: TOPICS.submit.name, acks: -1, messages: msgs.map((m) => ({ key: m.clientReference, headers: submitHeaders, value: Buffer.from(SendRequest.encode(m).finish()) })) });
      const ms = Date.now() - t0;
      for (const m of msgs) {
        acceptLatency.push(ms);
        acceptedAt.set(m.clientReference, Date.now());
      }
    }
    await producer.disconnect();
  } else if (via === 'http' || via === 'http2') {
    const authorization = `Bearer ${apiKey ?? localApiKey() ?? ''}`;
    const session = via === 'http2' ? connectHttp2(apiUrl) : undefined;
    if (session) await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
    /** POST /v1/messages: fetch's pool (HTTP/1.1) or a stream of the one HTTP/2 session; resolves with the status, the answer read to the end. */
    const post = async (body: string): Promise<number> => {
      if (!session) {
        const res = await fetch(`${apiUrl}/v1/messages`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });
        await res.arrayBuffer(); // read to the end: the connection goes back to the pool
        return res.status;
      }
      return new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/v1/messages', authorization, 'content-type': 'application/json' });
        let status = 0;
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.on('data', () => undefined);
        stream.on('end', () => resolve(status));
        stream.on('error', reject);
        stream.end(body);
      });
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next < N) {
          const i = next++;
          const { to, from, text, clientReference } = request(i);
          await pace(i);
          const t0 = performance.now();
          try {
            const status = await post(JSON.stringify({ to, from, text, clientReference }));
            if (status !== 202) throw new Error(`HTTP ${status}`);
            acceptLatency.push(performance.now() - t0);
            acceptedAt.set(clientReference, Date.now());
          } catch (err) {
            failed(err);
          }
        }
      }),
    );
    session?.close();
  } else {
    const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [join(ROOT, 'proto')], keepCase: false, longs: Number, defaults: true, oneofs: true });
    const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (t: string, c: unknown, o: object) => Record<string, (req: unknown, md: Metadata, cb: (err: ServiceError | null, res: unknown) => void) => void> & { close(): void } } } };
    const client = new pkg.sms.v1.SmsService(grpcTarget, credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 << 20 });
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${apiKey ?? localApiKey() ?? ''}`);
    const call = <T>(method: string, req: unknown) => new Promise<T>((resolve, reject) => client[method].call(client, req, metadata, (err, res) => (err ? reject(err) : resolve(res as T))));
    let next = 0;
    const batchSize = via === 'batch' ? Number(args['batch-size'] ?? 500) : 1;
    const workers = via === 'batch' && args['batch-size'] === undefined ? Math.max(1, Math.min(C, 8)) : C;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < N) {
          const from = next;
          next += batchSize;
          const reqs = Array.from({ length: Math.min(batchSize, N - from) }, (_, k) => request(from + k));
          await pace(from);
          const t0 = performance.now();
          try {
            if (via === 'batch') {
              const res = await call<SendBatchResponse>('sendBatch', { messages: reqs });
              const ms = performance.now() - t0;
              res.results.forEach((r, k) => (r.accepted ? (acceptLatency.push(ms), acceptedAt.set(reqs[k].clientReference, Date.now())) : errors++));
            } else {
              await call<SendResponse>('send', reqs[0]);
              acceptLatency.push(performance.now() - t0);
              acceptedAt.set(reqs[0].clientReference, Date.now());
            }
          } catch {
            errors += reqs.length;
          }
        }
      }),
    );
    client.close();
  }
  const acceptDone = Date.now();

  // Wait for every accepted message to reach a final status; stop after a grace period without progress.
  const grace = Number(args['grace-seconds']) * 1000;
  let lastProgress = Date.now();
  let lastCount = -1;
  while (finalStatus.size < acceptedAt.size && Date.now() - lastProgress < grace) {
    if (finalStatus.size !== lastCount) {
      lastCount = finalStatus.size;
      lastProgress = Date.now();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await consumer.disconnect();

  const stats = await fetch(`${simulatorHttp}/stats`).then((r) => r.json() as Promise<Record<string, number>>, () => ({}) as Record<string, number>);
  const processes = Object.fromEntries(
    Object.entries(pids)
      .filter(([, pid]) => pid)
      .map(([a, pid]) => {
        const cpu = cpuSeconds(pid!) - cpuBefore[a];
        return [a, { cpuSecondsPer1000: Math.round((cpu / Math.max(1, acceptedAt.size)) * 1000 * 1000) / 1000, peakRssMb: peakRssMb(pid!) }];
      }),
  );
  const delivered = [...finalStatus.values()].filter((s) => s === MessageStatus.DELIVERED).length;
  const result = {
    messages: N,
    via,
    mix: args.mix,
    concurrency: C,
    rate: rate ?? null,
    acceptedPerSec: Math.round(acceptedAt.size / ((acceptDone - started) / 1000)),
    endToEndPerSec: Math.round(delivered / (Math.max(1, lastFinal - firstSubmit) / 1000)),
    latencyMs: { accept: percentiles(acceptLatency), acceptToSubmit: percentiles(submittedLatency), acceptToFinal: percentiles(finalLatency) },
    accepted: acceptedAt.size,
    delivered,
    lost: acceptedAt.size - finalStatus.size,
    duplicates: stats['duplicateSubmits'] ?? stats['duplicates'] ?? null,
    errors,
    errorKinds: Object.fromEntries(errorKinds),
    processes,
    machine: `${require('node:os').cpus().length} cores, ${require('node:os').cpus()[0]?.model ?? ''}`.trim(),
  };
  if (args.out) writeFileSync(args.out, JSON.stringify(result, null, 2) + '\n');
  if (args.json) console.log(JSON.stringify(result));
  else {
    console.log(`\n${N} messages via ${via} (${args.mix}), concurrency ${C}${rate ? `, rate ${rate}/s` : ''}`);
    console.log(`accepted/s ${result.acceptedPerSec}   end-to-end/s ${result.endToEndPerSec}   delivered ${delivered}   lost ${result.lost}   duplicates ${result.duplicates}   errors ${errors}${errorKinds.size ? ` (${[...errorKinds].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}`);
    for (const [k, v] of Object.entries(result.latencyMs)) console.log(`${k.padEnd(15)} p50 ${v.p50} ms  p95 ${v.p95} ms  p99 ${v.p99} ms  max ${v.max} ms`);
    for (const [k, v] of Object.entries(processes)) console.log(`${k.padEnd(15)} cpu ${v.cpuSecondsPer1000} s/1000 msgs  peak rss ${v.peakRssMb} MB`);
  }
  await stopStack?.();
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
