// Raw SMPP throughput of the SMSC simulator: a client with one transceiver bind per --binds and a
// fixed window of outstanding submit_sm, against the simulator in its own process.
//
//   node -r ./tools/ts-run.cjs tools/bench/simulator-raw.ts [--windows 100,500] [--seconds 5]
//        [--binds 1] [--client smpp|raw] [--nodelay] [--no-receipts] [--target host:port] [--json]
//
// --client smpp (default) is a plain node-smpp client: the figure a Node gateway built on node-smpp
// sees (--nodelay turns Nagle off on its socket; node-smpp leaves it on). --client raw is a minimal
// hand-coded client that finds the simulator's own ceiling (node-smpp's codec costs the client far
// more CPU than the simulator spends). Without --target the simulator runs as a child process
// (client and server on separate CPUs) and reports its CPU time per submit.
// Receipts are requested and acknowledged unless --no-receipts.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startSimulator, type SimulatorStatsSnapshot } from '@smsgw/smpp/feature-simulator';

const smpp = require('smpp');

interface Args {
  client: 'smpp' | 'raw';
  noDelay: boolean;
  windows: number[];
  seconds: number;
  binds: number;
  receipts: boolean;
  target?: string;
  json: boolean;
  serve: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { client: 'smpp', noDelay: false, windows: [100, 500], seconds: 5, binds: 1, receipts: true, json: false, serve: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => argv[++i] ?? '';
    if (a === '--windows' || a === '--window') args.windows = next().split(',').map(Number);
    else if (a === '--seconds') args.seconds = Number(next());
    else if (a === '--binds') args.binds = Number(next());
    else if (a === '--client') args.client = next() === 'raw' ? 'raw' : 'smpp';
    else if (a === '--nodelay') args.noDelay = true;
    else if (a === '--no-receipts') args.receipts = false;
    else if (a === '--target') args.target = next();
    else if (a === '--json') args.json = true;
    else if (a === '--serve') args.serve = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node -r ./tools/ts-run.cjs tools/bench/simulator-raw.ts [--windows 100,500] [--seconds 5] [--binds 1] [--client smpp|raw] [--nodelay] [--no-receipts] [--target host:port] [--json]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** Child mode: run the simulator and print its port. */
async function serve(): Promise<void> {
  const sim = await startSimulator({ port: 0, config: { maxBinds: 64 } });
  process.stdout.write(JSON.stringify({ port: sim.port }) + '\n');
  process.stdin.resume();
  process.stdin.on('data', (d) => {
    if (String(d).trim() === 'stats') process.stdout.write(JSON.stringify({ stats: sim.stats(), cpu: process.cpuUsage() }) + '\n');
  });
  process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
}

interface ChildReport {
  stats: SimulatorStatsSnapshot;
  cpu: NodeJS.CpuUsage;
}

async function startChild(): Promise<{ child: ChildProcess; port: number; report(): Promise<ChildReport> }> {
  const child = spawn(process.execPath, ['-r', join(__dirname, '..', 'ts-run.cjs'), __filename, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiters: Array<(msg: Record<string, unknown>) => void> = [];
  lines.on('line', (line) => waiters.shift()?.(JSON.parse(line)));
  const nextMessage = (): Promise<Record<string, unknown>> => new Promise((resolve) => waiters.push(resolve));
  const first = await nextMessage();
  return {
    child,
    port: first['port'] as number,
    report: async () => {
      const p = nextMessage();
      child.stdin?.write('stats\n');
      return (await p) as unknown as ChildReport;
    },
  };
}

interface RunResult {
  client: Args['client'];
  window: number;
  binds: number;
  seconds: number;
  submitsPerSec: number;
  receiptsPerSec: number;
  errors: number;
  /** Simulator CPU time per accepted submit (child mode only). */
  simulatorCpuUsPerSubmit?: number;
  /** Simulator CPU use during the run, in % of one core (child mode only). */
  simulatorCpuPercent?: number;
}

interface Counters {
  ok: number;
  errors: number;
  receipts: number;
  measuring: boolean;
  stopped: boolean;
}

let runNumber = 0;

async function run(args: Args, host: string, port: number, window: number, child?: Awaited<ReturnType<typeof startChild>>): Promise<RunResult> {
  const c: Counters = { ok: 0, errors: 0, receipts: 0, measuring: false, stopped: false };
  const tag = `${process.pid}-${++runNumber}`; // every run's messages differ: no false duplicates
  const sessions: Array<{ close(): void }> = [];
  // Each bind's messages differ too (the tag names the bind).
  const bind = (i: number): Promise<void> =>
    args.client === 'raw' ? bindRaw(host, port, window, args.receipts, `${tag}-${i}`, c, sessions) : bindSmpp(host, port, window, args.receipts, args.noDelay, `${tag}-${i}`, c, sessions);
  await Promise.all(Array.from({ length: args.binds }, (_, i) => bind(i)));
  await sleep(1000); // warm-up
  const before = await child?.report();
  c.measuring = true;
  const started = process.hrtime.bigint();
  await sleep(args.seconds * 1000);
  c.measuring = false;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const after = await child?.report();
  c.stopped = true;
  await sleep(200);
  for (const s of sessions) s.close();
  const result: RunResult = { client: args.client, window, binds: args.binds, seconds: Math.round(elapsed * 100) / 100, submitsPerSec: Math.round(c.ok / elapsed), receiptsPerSec: Math.round(c.receipts / elapsed), errors: c.errors };
  if (before && after) {
    const cpuUs = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
    const accepted = after.stats.submits.accepted - before.stats.submits.accepted;
    result.simulatorCpuUsPerSubmit = Math.round((cpuUs / Math.max(1, accepted)) * 10) / 10;
    result.simulatorCpuPercent = Math.round(cpuUs / (elapsed * 1e4));
  }
  return result;
}

function bindSmpp(host: string, port: number, window: number, receipts: boolean, noDelay: boolean, tag: string, c: Counters, sessions: Array<{ close(): void }>): Promise<void> {
  return new Promise((resolve, reject) => {
      const session = smpp.connect({ url: `smpp://${host}:${port}` });
      if (noDelay) session.socket.setNoDelay(true);
      session.on('error', reject);
      session.on('deliver_sm', (pdu: { response(): unknown }) => {
        session.send(pdu.response());
        if (c.measuring) c.receipts++;
      });
      session.on('connect', () =>
        session.bind_transceiver({ system_id: 'smsgw', password: 'secret' }, (r: { command_status: number }) => {
          if (r.command_status !== 0) return reject(new Error(`bind failed: ${r.command_status}`));
          sessions.push(session);
          let n = 0;
          const submitOne = (): void => {
            if (c.stopped) return;
            n++;
            session.submit_sm(
              { source_addr: 'BENCH', destination_addr: '4477009' + String(n % 100000).padStart(5, '0'), short_message: `bench ${tag} ${n}`, registered_delivery: receipts ? 1 : 0 },
              (resp: { command_status: number }) => {
                if (c.measuring) {
                  if (resp.command_status === 0) c.ok++;
                  else c.errors++;
                }
                submitOne();
              },
            );
          };
          for (let i = 0; i < window; i++) submitOne();
          resolve();
        }),
      );
  });
}

/** A minimal SMPP client: just enough bytes for bind, submit_sm, and answering deliver_sm. */
function bindRaw(host: string, port: number, window: number, receipts: boolean, tag: string, c: Counters, sessions: Array<{ close(): void }>): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    socket.setNoDelay(true);
    sessions.push({ close: () => socket.destroy() });
    let seq = 0;
    let n = 0;
    let buffered: Buffer = Buffer.alloc(0);
    let corked = false;
    const pdu = (commandId: number, sequence: number, body: Buffer, status = 0): Buffer => {
      const head = Buffer.alloc(16);
      head.writeUInt32BE(16 + body.length, 0);
      head.writeUInt32BE(commandId, 4);
      head.writeUInt32BE(status, 8);
      head.writeUInt32BE(sequence, 12);
      return Buffer.concat([head, body]);
    };
    const cstr = (s: string): Buffer => Buffer.from(s + '\0', 'latin1');
    const write = (b: Buffer): void => {
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(() => {
          corked = false;
          socket.uncork();
        });
      }
      socket.write(b);
    };
    const submitOne = (): void => {
      if (c.stopped) return;
      n++;
      const text = Buffer.from(`bench ${tag} ${n}`, 'latin1');
      const body = Buffer.concat([
        cstr(''), Buffer.from([1, 1]), cstr('BENCH'), Buffer.from([1, 1]), cstr('4477009' + String(n % 100000).padStart(5, '0')),
        Buffer.from([0, 0, 0]), cstr(''), cstr(''), Buffer.from([receipts ? 1 : 0, 0, 0, 0, text.length]), text,
      ]);
      write(pdu(0x00000004, ++seq, body));
    };
    socket.on('error', reject);
    socket.on('connect', () => write(pdu(0x00000009, ++seq, Buffer.concat([cstr('smsgw'), cstr('secret'), cstr(''), Buffer.from([0x34, 0, 0]), cstr('')]))));
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      let o = 0;
      while (buffered.length - o >= 16) {
        const len = buffered.readUInt32BE(o);
        if (buffered.length - o < len) break;
        const id = buffered.readUInt32BE(o + 4);
        const status = buffered.readUInt32BE(o + 8);
        const sequence = buffered.readUInt32BE(o + 12);
        if (id === 0x80000009) {
          if (status !== 0) return reject(new Error(`bind failed: ${status}`));
          for (let i = 0; i < window; i++) submitOne();
          resolve();
        } else if (id === 0x80000004) {
          if (c.measuring) {
            if (status === 0) c.ok++;
            else c.errors++;
          }
          submitOne();
        } else if (id === 0x00000005) {
          write(pdu(0x80000005, sequence, Buffer.from([0])));
          if (c.measuring) c.receipts++;
        }
        o += len;
      }
      buffered = o === buffered.length ? Buffer.alloc(0) : buffered.subarray(o);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.serve) return serve();
  let host = '127.0.0.1';
  let port: number;
  let child: Awaited<ReturnType<typeof startChild>> | undefined;
  if (args.target) {
    const [h, p] = args.target.split(':');
    host = h;
    port = Number(p);
  } else {
    child = await startChild();
    port = child.port;
  }
  const results: RunResult[] = [];
  for (const window of args.windows) {
    const r = await run(args, host, port, window, child);
    results.push(r);
    const cpu = r.simulatorCpuUsPerSubmit === undefined ? '' : `  simulator ${r.simulatorCpuUsPerSubmit} µs CPU/submit (${r.simulatorCpuPercent}% of a core)`;
    if (!args.json) console.log(`${r.client}${args.noDelay && r.client === 'smpp' ? ' (nodelay)' : ''} client  window ${String(r.window).padStart(4)}  binds ${r.binds}  ${r.submitsPerSec.toLocaleString('en')} submits/s  ${r.receiptsPerSec.toLocaleString('en')} receipts/s  errors ${r.errors}${cpu}`);
  }
  const stats = child ? (await child.report()).stats : undefined;
  child?.child.stdin?.end();
  const best = Math.max(...results.map((r) => r.submitsPerSec));
  if (args.json) console.log(JSON.stringify({ submitsPerSec: best, receipts: args.receipts, runs: results, simulator: stats && { uniqueMessages: stats.uniqueMessages, duplicateSubmits: stats.duplicateSubmits, receiptsAcknowledged: stats.receipts.acknowledged } }));
  else if (stats) console.log(`simulator: ${stats.submits.accepted} accepted, ${stats.duplicateSubmits} duplicates, ${stats.receipts.acknowledged} receipts acknowledged`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
