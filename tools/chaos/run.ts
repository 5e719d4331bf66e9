// npm run chaos: the fault suite (chaos.ts) with its own Kafka, PostgreSQL and Redis, every fault in
// turn; prints the table and, with --write-docs, puts it in docs/reliability.md.
//   npm run chaos -- [--rate 400] [--load-seconds 30] [--settle-seconds 180] [--faults "kill ingest,restart kafka"] [--shared-infra] [--write-docs]
// Run it alone on the machine (it starts the whole gateway): flock /tmp/smsgw-e2e.lock npm run chaos
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FAULTS, runChaos } from './chaos';
import { reliabilityTable, spliceTable, verdict } from './report';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '400' },
    'load-seconds': { type: 'string', default: '30' },
    'settle-seconds': { type: 'string', default: '180' },
    faults: { type: 'string' },
    'shared-infra': { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
  },
});

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
  return n;
}

async function main(): Promise<number> {
  const wanted = args.faults?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted?.filter((w) => !FAULTS.some((f) => f.name === w)) ?? [];
  if (unknown.length) throw new Error(`unknown fault(s) ${unknown.join(', ')}; known: ${FAULTS.map((f) => f.name).join(', ')}`);
  const faults = wanted ? FAULTS.filter((f) => wanted.includes(f.name)) : FAULTS;
  const rate = positive('rate', args.rate);
  const loadSeconds = positive('load-seconds', args['load-seconds']);
  const startedAt = new Date();
  const results = await runChaos({
    rate,
    loadSeconds,
    settleSeconds: positive('settle-seconds', args['settle-seconds']),
    faults,
    infra: args['shared-infra'] ? 'shared' : 'private',
    workDir: mkdtempSync(join(tmpdir(), 'smsgw-chaos-')),
    log: (line) => console.log(line),
  });
  const table = reliabilityTable(results);
  console.log(`\n${table}\n`);
  if (args['write-docs']) {
    const file = join(__dirname, '../../docs/reliability.md');
    let doc = '';
    try {
      doc = readFileSync(file, 'utf8');
    } catch {
      doc = '# Reliability\n';
    }
    const caption = `Measured ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: \`npm run chaos -- --rate ${rate} --load-seconds ${loadSeconds}\` (each fault a third into its load).`;
    writeFileSync(file, spliceTable(doc, `${caption}\n\n${table}`));
    console.log(`docs/reliability.md updated`);
  }
  return results.every((r) => verdict(r) === 'ok') ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`chaos: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
