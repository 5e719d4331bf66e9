// npm run soak: the pipeline under a steady load for a long time (soak.ts); prints the figures and
// writes them to docs/reliability.md (its "Soak" section, replaced each run). Builds nothing: it
// runs dist/ as it is (npx nx run-many -t build first). Not part of npm test.
//   npm run soak -- [--minutes 60] [--rate 200] [--sample-seconds 30] [--warmup-seconds 120]
//                   [--settle-seconds 300] [--receipt-delay 200] [--log-level info] [--no-write-docs]
// Database: SOAK_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/smsgw_soak, created if
// missing); Kafka: KAFKA_BROKERS (default 127.0.0.1:9092). Ctrl-C or SIGTERM ends the load early
// and still reports (after at most 30 s of waiting for final statuses); a second one skips the wait.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { soakSection, spliceSoakSection, summarize } from './report';
import { runSoak } from './soak';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    rate: { type: 'string', default: '200' },
    'sample-seconds': { type: 'string', default: '30' },
    'warmup-seconds': { type: 'string', default: '120' },
    'settle-seconds': { type: 'string', default: '300' },
    'receipt-delay': { type: 'string', default: '200' },
    'log-level': { type: 'string', default: 'info' },
    'no-write-docs': { type: 'boolean', default: false },
  },
});

function number(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number of at least ${min}, got ${value}`);
  return n;
}

const stop = new AbortController();
const hardStop = new AbortController();
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals++;
    if (signals === 1) {
      console.log(`soak: ${sig}: ending the load now; the stack stops after the final count (${sig} again to stop at once)`);
      stop.abort();
    } else {
      console.log(`soak: ${sig} again: stopping the stack without waiting`);
      process.exitCode = 130;
      hardStop.abort();
    }
  });
}

async function main(): Promise<number> {
  const minutes = number('minutes', args.minutes, 1);
  const rate = number('rate', args.rate, 1);
  const sampleSeconds = number('sample-seconds', args['sample-seconds'], 1);
  const workDir = mkdtempSync(join(tmpdir(), 'smsgw-soak-'));
  const command = `npm run soak -- --minutes ${minutes} --rate ${rate} --sample-seconds ${sampleSeconds}`;
  const run = await runSoak({
    rate,
    minutes,
    sampleSeconds,
    warmupSeconds: number('warmup-seconds', args['warmup-seconds'], 0),
    settleSeconds: number('settle-seconds', args['settle-seconds'], 1),
    receiptDelay: args['receipt-delay'] ?? '200',
    logLevel: args['log-level'] ?? 'info',
    databaseUrl: process.env['SOAK_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw_soak',
    kafkaBrokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    workDir,
    command,
    signal: stop.signal,
    hardStop: hardStop.signal,
    log: (line) => console.log(line),
  });
  // The raw samples, so the figures can be made again (or differently) without another hour.
  const raw = join(workDir, 'soak-run.json');
  writeFileSync(raw, JSON.stringify(run));
  console.log(`samples  ${raw}`);
  const summary = summarize(run);
  const section = soakSection(run, summary);
  console.log(`\n${section}\n`);
  if (!args['no-write-docs']) {
    const file = join(__dirname, '../../docs/reliability.md');
    writeFileSync(file, spliceSoakSection(readFileSync(file, 'utf8'), section));
    console.log('docs/reliability.md updated (its Soak section)');
  }
  return summary.problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(process.exitCode || code),
  (err) => {
    console.error(`soak: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
