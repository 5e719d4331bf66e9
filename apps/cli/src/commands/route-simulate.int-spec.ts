// `smsgw route simulate` as a process, against the real PostgreSQL of DATABASE_URL (migrated by npm test)
// with rate cards imported through the store the admin API uses.
import { importRateCard, importRoutes } from '@smsgw/routing/data-access-config';
import { parseRateCardCsv } from '@smsgw/routing/domain';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';

const ROOT = join(__dirname, '../../../..');
jest.setTimeout(120_000); // each case starts the CLI as a process (compiled on start) on a shared machine
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw_test';
const pool = new Pool({ connectionString: DATABASE_URL });
const DAY_MS = 86_400_000;
const run = `sim${process.pid}-${Date.now().toString(36)}`;
const [cheap, dear] = [`${run}-cheap`, `${run}-dear`];
const dir = mkdtempSync(join(tmpdir(), 'smsgw-route-simulate-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

function smsgw(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [join(ROOT, 'tools/smsgw.js'), 'route', 'simulate', ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL, ROUTING_CONFIG_NAME: `${run}-unversioned` }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const routes = (rules: unknown[]) => file(`routes-${Math.random().toString(36).slice(2)}.yaml`, JSON.stringify({ currency: 'EUR', exchangeRates: { GBP: 1.2 }, rules }));
let current: string;
let traffic: string;

beforeAll(async () => {
  await importRateCard(pool, { carrier: cheap, currency: 'EUR', effectiveAtMs: Date.now() - 60_000, entries: parseRateCardCsv('prefix,country,network,price\n44,GB,,0.010\n,DE,,0.030\n') });
  await importRateCard(pool, { carrier: dear, currency: 'GBP', effectiveAtMs: Date.now() - 60_000, entries: parseRateCardCsv('44,GB,,0.010\n') }); // 0.012 EUR
  // v2 of the cheap carrier comes into force tomorrow: not current today, current with --at
  await importRateCard(pool, { carrier: cheap, currency: 'EUR', effectiveAtMs: Date.now() + DAY_MS, entries: parseRateCardCsv('44,GB,,0.005\n,DE,,0.030\n') });
  current = routes([
    { id: 'de', match: { country: 'DE' }, action: { type: 'fixed', carriers: [cheap] } },
    { id: 'uk', match: { country: 'GB' }, action: { type: 'least-cost', carriers: [cheap, dear], maxPriceMicros: 15_000 } },
  ]);
  traffic = file('traffic.csv', 'to,count,segments,class,max_price\n+447711123456,100,2,otp,\n+447712123456,50,1,,0.011\n+4915112345678,10,1,,\n');
});

afterAll(async () => {
  await pool.query(`DELETE FROM rate_cards WHERE carrier_id LIKE $1`, [`${run}%`]);
  await pool.query(`DELETE FROM routing_config_versions WHERE name LIKE $1`, [`${run}%`]);
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('smsgw route simulate', () => {
  it('with no change: the imported rate cards price the traffic, and the delta is 0', async () => {
    const r = await smsgw([traffic, '--current-routes', current, '--json']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(r.stdout);
    expect(report.current.rateCards).toEqual(expect.arrayContaining([{ carrier: cheap, version: 1 }, { carrier: dear, version: 1 }]));
    expect(report.simulation.current.byCarrier).toEqual({ [cheap]: { messages: 160, segments: 260, costMicros: 250 * 10_000 + 10 * 30_000 } });
    expect(report.simulation.delta).toEqual({ costMicros: 0, percent: 0, routedMessages: 0 });
  });

  it('a stored routing configuration version is what is current (its rules and pinned cards), not the file', async () => {
    const name = `${run}-versioned`;
    const rules = `currency: EUR\nexchangeRates: { GBP: 1.2 }\nrules:\n  - id: gb-dear\n    match: { country: GB }\n    action: { type: fixed, carriers: [${dear}] }\n`;
    await importRoutes(pool, name, rules, { createdBy: 'it', comment: '' }, async () => undefined); // no router follows here: nothing to publish to
    const report = JSON.parse((await smsgw([traffic, '--config-name', name, '--current-routes', current, '--json'])).stdout);
    expect(report.current.routes).toBe(`${name} version 1`);
    expect(Object.keys(report.simulation.current.byCarrier)).toEqual([dear]);
    expect(report.current.rateCards).toEqual(expect.arrayContaining([{ carrier: dear, version: 1 }]));
  });

  it('--at takes the rate card versions in force then (a card imported for tomorrow)', async () => {
    const at = new Date(Date.now() + 2 * DAY_MS).toISOString();
    const report = JSON.parse((await smsgw([traffic, '--current-routes', current, '--at', at, '--json'])).stdout);
    expect(report.current.rateCards).toEqual(expect.arrayContaining([{ carrier: cheap, version: 2 }]));
    expect(report.simulation.current.byCarrier[cheap].costMicros).toBe(250 * 5_000 + 10 * 30_000);
  });

  it('a proposed rate card and routes: the delta, shifts, newly unroutable and over max_price rows; a short table for people', async () => {
    const proposed = routes([{ id: 'uk', match: { country: 'GB' }, action: { type: 'least-cost', carriers: [cheap, dear], maxPriceMicros: 15_000 } }]);
    const card = file('cheap-next.csv', 'prefix,country,network,price\n44,GB,,0.013\n,DE,,0.030\n');
    const r = await smsgw([traffic, '--current-routes', current, '--routes', proposed, '--rate-card', `${cheap}=${card}`, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout).simulation;
    // UK moves to the GBP carrier at 0.012 EUR; DE has no rule any more
    expect(s.shifts).toEqual([
      { from: cheap, to: dear, messages: 150 },
      { from: cheap, to: '', messages: 10 },
    ]);
    expect(s.delta.costMicros).toBe(250 * 12_000 - (250 * 10_000 + 10 * 30_000));
    expect(s.newlyUnroutable).toMatchObject({ messages: 10, rows: 1, examples: [{ line: 4, country: 'DE', current: cheap, proposed: 'NO_ROUTE' }] });
    expect(s.newlyOverMaxPrice).toMatchObject({ messages: 50, rows: 1, examples: [{ line: 3, proposedPricePerSegmentMicros: 12_000, maxPriceMicros: 11_000 }] });
    expect(JSON.parse(r.stdout).proposed.rateCards).toEqual([{ carrier: cheap, file: card, replaces: 1 }]);

    const table = await smsgw([traffic, '--current-routes', current, '--routes', proposed, '--rate-card', `${cheap}=${card}`]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('traffic');
    expect(table.stdout).toMatch(/total\s+160\s+2\.8000\s+150\s+3\.0000\s+\+0\.2000/);
    expect(table.stdout).toContain('newly unroutable: 10 messages in 1 rows');
  });

  it('a bad row stops it with the line and the column, unless --skip-bad; a bad routes file names the rule', async () => {
    const bad = file('bad.csv', 'to,count\n+447711123456,2\n+447711123457,lots\n');
    const r = await smsgw([bad, '--current-routes', current]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: SIMULATION.INVALID_TRAFFIC: ${bad} line 3, column count: "lots" must be a whole number`);
    const skipped = JSON.parse((await smsgw([bad, '--current-routes', current, '--skip-bad', '--json'])).stdout);
    expect(skipped.traffic).toMatchObject({ rows: 1, skipped: 1, problems: [{ line: 3, column: 'count' }] });
    const broken = routes([{ id: 'uk', action: { type: 'cheapest', carriers: [cheap] } }]);
    const e = await smsgw([traffic, '--current-routes', current, '--routes', broken, '--json']);
    expect(e.code).toBe(1);
    expect(JSON.parse(e.stdout).error).toMatchObject({ code: 'ROUTING.INVALID_RULES', message: expect.stringContaining('rule 1 (uk): action.type: "cheapest"') });
  });
});
