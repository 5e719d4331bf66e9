// Kannel and smsgw side by side on this machine, one after the other, against the same SMSC
// simulator conditions (issue 17): 2 binds, window 100, a DELIVRD receipt for every message, the
// response and the receipt at once. Two workloads, each warmed up and then measured for --rounds:
//   single: one message per request, 64 requests at once (Kannel: sendsms; smsgw: unary gRPC Send)
//   bulk:   50 messages per request, 16 at once (Kannel: sendsms with 50 recipients; smsgw: SendBatch)
// A message counts when its final DELIVERED status reaches the bench (Kannel: its dlr-url callback;
// smsgw: sms.status.v1). Rate = delivered / (first request → last final status).
//   npm run bench:peer -- [--rounds 3] [--messages 10000] [--warmup 5000] [--json] [--only kannel|smsgw]
//     [--receipt-delay MS] [--kannel-set group.key=value]… [--grace-seconds 30] [--skip-build] [--keep]
// Prints progress on stderr, a table and then one JSON object (the last line) on stdout; --json
// prints only the JSON. Installs Kannel (Debian's package) when missing. docs/peer-bench.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendsmsClient, ReceiptReceiver, runKannelRound } from './peer/kannel-load';
import { startKannel, type KannelSettings } from './peer/kannel';
import { cpuMeter, round2, summarize, type Round, type WorkloadSummary } from './peer/measure';
import { HELP, readOptions, type PeerOptions } from './peer/options';
import { resetSimulator, simulatorCounts, simulatorEnv } from './peer/simulator';
import { deleteTopics, runE2e, startSmsgw, startStack, stopE2eRuns } from './peer/smsgw';
import { WORKLOADS, type WorkloadName } from './peer/workload';

const ROOT = join(__dirname, '../..');
function options(): PeerOptions {
  try {
    return readOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench:peer: ${(err as Error).message}\n${HELP}`);
    process.exit(2);
  }
}
const OPTIONS = options();
const { rounds: ROUNDS, messages: MESSAGES, warmup: WARMUP, graceSeconds: GRACE_SECONDS, conditions: CONDITIONS, kannelOverrides: KANNEL_OVERRIDES } = OPTIONS;
const BINDS = 2;

// Ports apart from npm start's, the end-to-end tests' and each other's (both sides never run at once,
// but each gets its own simulator, so nothing of one run carries into the other).
const PORTS = {
  kannel: { simulatorSmpp: 32776, simulatorHttp: 38087, admin: 33000, smsbox: 33001, sendsms: 33013 },
  smsgw: { simulatorSmpp: 32775, simulatorHttp: 38086, ingestGrpc: 35051, ingestApi: 38080, ingestHttp: 38081, encoderHttp: 38082, routerHttp: 38083, connectorHttp: 38084, dlrHttp: 38085, emailHttp: 38088, emailSmtp: 32525 },
};

const log = (line: string) => process.stderr.write(`${line}\n`);
type Results = Record<WorkloadName, WorkloadSummary>;

/** Undone in reverse order at the end of each side, on failure and on SIGINT/SIGTERM. */
const cleanups: (() => Promise<unknown>)[] = [];
let cleaning = Promise.resolve();
let interrupted = false;
function cleanUp(): Promise<void> {
  // Chained: a signal's clean-up and the failing run's own one do not race each other.
  cleaning = cleaning.then(async () => {
    for (let undo = cleanups.pop(); undo; undo = cleanups.pop()) await undo().catch((err: Error) => log(`cleanup: ${err.message}`));
  });
  return cleaning;
}

/** Runs the warm-up, then the rounds, of each workload; `round` measures one. */
async function measure(gateway: string, round: (workload: WorkloadName, messages: number) => Promise<Round>): Promise<Results> {
  const results = {} as Results;
  for (const workload of Object.keys(WORKLOADS) as WorkloadName[]) {
    if (WARMUP) {
      log(`${gateway.padEnd(8)} ${workload}: warm-up, ${WARMUP} messages`);
      await round(workload, WARMUP);
    }
    const rounds: Round[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const r = await round(workload, MESSAGES);
      log(`${gateway.padEnd(8)} ${workload}: round ${i}/${ROUNDS}: ${r.endToEndPerSec}/s end to end, delivered ${r.delivered}/${r.messages}, lost ${r.lost}, duplicates ${r.duplicates}, errors ${r.errors}; simulator: ${r.simulator.submitsAccepted} submits, ${r.simulator.receiptsSent} receipts`);
      if (r.simulator.submitsAccepted < r.accepted) log(`${gateway.padEnd(8)} warning: the simulator accepted ${r.simulator.submitsAccepted} submits for ${r.accepted} messages`);
      rounds.push(r);
    }
    results[workload] = summarize(rounds);
  }
  return results;
}

async function measureKannel(dir: string): Promise<{ version: string; overrides: typeof KANNEL_OVERRIDES } & Results> {
  const { ensureSystemTools, findTool, SYSTEM_TOOLS } = await import(join(ROOT, 'tools/ensure-system-tools.mjs'));
  ensureSystemTools(SYSTEM_TOOLS['bench:peer'], { log });
  const [bearerbox, smsbox] = (SYSTEM_TOOLS['bench:peer'] as unknown[]).map((t) => findTool(t) as string);
  const ports = PORTS.kannel;
  const account = { systemId: 'kannel', password: 'secret', maxBinds: 4 };
  const simulator = await startStack({
    apps: ['smsc-simulator'],
    ports: { simulatorSmpp: ports.simulatorSmpp, simulatorHttp: ports.simulatorHttp },
    appEnv: { 'smsc-simulator': simulatorEnv(CONDITIONS, account) },
    logDir: join(dir, 'kannel-logs'),
    lockName: 'peer',
    what: 'npm run bench:peer (Kannel)',
  });
  cleanups.push(() => simulator.stop());
  const simulatorUrl = `http://127.0.0.1:${ports.simulatorHttp}`;
  const user = { username: 'bench', password: 'bench' };
  const settings: KannelSettings = {
    dir,
    ports,
    smsc: { host: '127.0.0.1', port: ports.simulatorSmpp, systemId: account.systemId, password: account.password, binds: BINDS, window: CONDITIONS.window },
    adminPassword: 'peer-bench',
    sendsmsUser: user,
    overrides: KANNEL_OVERRIDES,
  };
  const kannel = await startKannel(settings, { bearerbox, smsbox });
  cleanups.push(() => kannel.stop());
  log(`kannel   ${kannel.version} up: ${BINDS} binds online (bearerbox pid ${kannel.pids.bearerbox}, smsbox pid ${kannel.pids.smsbox})`);
  const receiver = new ReceiptReceiver();
  await receiver.start();
  cleanups.push(() => receiver.stop());
  const simulatorPid = simulator.processes[0].child.pid ?? 0;

  const clients = new Map<WorkloadName, SendsmsClient>();
  let roundNo = 0;
  const results = await measure('kannel', async (workload, messages) => {
    const { perRequest, concurrency } = WORKLOADS[workload];
    const client = clients.get(workload) ?? new SendsmsClient(kannel.sendsmsUrl, user, concurrency);
    clients.set(workload, client);
    const flushed = await kannel.emptyReceiptStore();
    if (flushed) log(`kannel   emptied the receipt store of ${flushed} entries left by dropped receipts`);
    await resetSimulator(simulatorUrl);
    const gatewayCpu = cpuMeter([kannel.pids.bearerbox, kannel.pids.smsbox]);
    const simulatorCpu = cpuMeter([simulatorPid]);
    const mark = kannel.logMark();
    const droppedReceipts = () => kannel.unmatchedReceiptsSince(mark);
    const r = await runKannelRound(client, receiver, { messages, perRequest, concurrency, graceMs: GRACE_SECONDS * 1000, droppedReceipts }, `r${++roundNo}`);
    const counts = await simulatorCounts(simulatorUrl);
    const cpu = { gateway: gatewayCpu(r.accepted), simulator: simulatorCpu(r.accepted) };
    return { ...r, duplicates: counts.duplicates, cpuSecondsPer1000: cpu, simulator: counts, unmatchedReceipts: droppedReceipts() };
  });
  clients.forEach((c) => c.close());
  await cleanUp();
  return { version: kannel.version, overrides: KANNEL_OVERRIDES, ...results };
}

async function measureSmsgw(dir: string): Promise<Results> {
  const ports = PORTS.smsgw;
  const stack = await startSmsgw({ dir, ports, simulatorEnv: simulatorEnv(CONDITIONS, { systemId: 'smsgw', password: 'secret', maxBinds: 4 }), build: OPTIONS.build, log });
  cleanups.push(() => deleteTopics(stack.kafkaBrokers, stack.topicPrefix));
  cleanups.push(() => stack.stop());
  log(`smsgw    stack up (topics ${stack.topicPrefix}*)`);
  const simulatorUrl = `http://127.0.0.1:${ports.simulatorHttp}`;
  const gatewayPids = Object.entries(stack.pids).filter(([app]) => app !== 'smsc-simulator').map(([, pid]) => pid);
  let roundNo = 0;
  const results = await measure('smsgw', async (workload, messages) => {
    const { perRequest, concurrency } = WORKLOADS[workload];
    const gatewayCpu = cpuMeter(gatewayPids);
    const simulatorCpu = cpuMeter([stack.pids['smsc-simulator']]);
    const e = await runE2e({ stack, ports, messages, perRequest, concurrency, graceSeconds: GRACE_SECONDS, outFile: join(dir, `e2e-${++roundNo}.json`) });
    const counts = await simulatorCounts(simulatorUrl); // e2e.ts reset them when it started
    const finals = e.accepted - e.lost;
    return {
      endToEndPerSec: e.endToEndPerSec,
      acceptedPerSec: e.acceptedPerSec,
      messages: e.messages,
      accepted: e.accepted,
      errors: e.errors,
      delivered: e.delivered,
      failed: finals - e.delivered,
      lost: e.lost,
      duplicates: counts.duplicates,
      latencyMs: e.latencyMs,
      cpuSecondsPer1000: { gateway: gatewayCpu(e.accepted), simulator: simulatorCpu(e.accepted) },
      simulator: counts,
    };
  });
  await cleanUp();
  return results;
}

function table(kannel: Results | undefined, smsgw: Results | undefined, ratio: Record<WorkloadName, number | null>): string {
  const rows = [['gateway', 'workload', 'median/s', 'min-max/s', 'spread', 'lost', 'duplicates', 'errors', 'cpu s/1000']];
  for (const [name, results] of [['kannel', kannel], ['smsgw', smsgw]] as const) {
    if (!results) continue;
    for (const workload of Object.keys(WORKLOADS) as WorkloadName[]) {
      const s = results[workload];
      rows.push([name, workload, String(s.medianPerSec), `${s.minPerSec}-${s.maxPerSec}`, `${Math.round(s.spread * 100)}%`, String(s.lost), String(s.duplicates), String(s.errors), String(s.cpuSecondsPer1000)]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  const ratios = Object.entries(ratio).map(([w, x]) => `${w} ${x ?? '-'}`);
  const unmatched = kannel ? kannel.single.unmatchedReceipts + kannel.bulk.unmatchedReceipts : 0;
  const note = unmatched
    ? [`kannel: ${unmatched} receipts could not be matched and were dropped ("got DLR but could not find message"): they came in on the other bind before bearerbox had handled the submit_sm_resp; see docs/peer-bench.md`]
    : [];
  return [
    `\n${MESSAGES} messages x ${ROUNDS} rounds per workload (warm-up ${WARMUP}); simulator: ${BINDS} binds, window ${CONDITIONS.window}, ${CONDITIONS.outcomes}, response ${CONDITIONS.responseDelayMs} ms, receipt ${CONDITIONS.receiptDelayMs} ms`,
    ...lines,
    `smsgw/kannel (medians): ${ratios.join(', ')}`,
    ...note,
  ].join('\n');
}

async function main(): Promise<void> {
  if (OPTIONS.help) return void process.stdout.write(HELP);
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-peer-'));
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg().map(round2);
  let failed = false;
  const stopOnSignal = (signal: string) => {
    interrupted = true;
    log(`${signal}: stopping Kannel and the stacks…`);
    stopE2eRuns();
    void cleanUp().then(() => process.exit(130));
  };
  process.once('SIGINT', () => stopOnSignal('SIGINT'));
  process.once('SIGTERM', () => stopOnSignal('SIGTERM'));
  try {
    const kannel = OPTIONS.only === 'smsgw' ? undefined : await measureKannel(dir);
    const smsgw = OPTIONS.only === 'kannel' ? undefined : await measureSmsgw(dir);
    const ratioOf = (w: WorkloadName) => (kannel && smsgw && kannel[w].medianPerSec ? round2(smsgw[w].medianPerSec / kannel[w].medianPerSec) : null);
    const ratio = { single: ratioOf('single'), bulk: ratioOf('bulk') };
    const perGateway = <T>(f: (r: Results) => T) => ({ kannel: kannel ? f(kannel) : null, smsgw: smsgw ? f(smsgw) : null });
    const result = {
      bench: 'peer',
      startedAt,
      conditions: { messagesPerRound: MESSAGES, rounds: ROUNDS, warmup: WARMUP, workloads: WORKLOADS, binds: BINDS, simulator: CONDITIONS },
      machine: { cores: cpus().length, model: cpus()[0]?.model ?? '', loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map(round2) },
      rates: perGateway((r) => ({ single: r.single.medianPerSec, bulk: r.bulk.medianPerSec })),
      spread: perGateway((r) => ({ single: r.single.spread, bulk: r.bulk.spread })),
      ratio,
      lost: perGateway((r) => ({ single: r.single.lost, bulk: r.bulk.lost })),
      duplicates: perGateway((r) => ({ single: r.single.duplicates, bulk: r.bulk.duplicates })),
      kannel: kannel ?? null,
      smsgw: smsgw ?? null,
    };
    if (!OPTIONS.json) console.log(table(kannel, smsgw, ratio));
    console.log(JSON.stringify(result));
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await cleanUp();
    if (OPTIONS.keep || failed) log(`peer     configs and logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  if (!interrupted) log(`bench:peer: ${err.message}`);
  process.exit(interrupted ? 130 : 1);
});
