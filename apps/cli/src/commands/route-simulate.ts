import { getAccount } from '@smsgw/accounts/data-access-store';
import { compileRoutesYaml, latestRoutingConfig, loadActiveRateCards, loadRateCards, loadRouteRules, pinnedRateCardHeaders, type Queryable } from '@smsgw/routing/data-access-config';
import {
  OfflineNumberLookup,
  RateBook,
  RoutingConfigError,
  parseRateCardCsv,
  parseRateCardDocument,
  parseTrafficCsv,
  simulateTraffic,
  validCarrierId,
  type CarrierHealthView,
  type ParsedTraffic,
  type RateCard,
  type RouteRules,
  type Simulation,
} from '@smsgw/routing/domain';
import { createPool, toDatabaseError } from '@smsgw/shared/data-access-db';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { printJson } from '../output';
import { whenOption } from '../option-parsers';

// `smsgw route simulate` reads PostgreSQL and the files itself rather than calling the admin API:
// a day of traffic is tens of MB (over gRPC's 4 MB message limit, so it would need a streaming
// upload RPC and a proto change) and millions of decisions of CPU, which would land on ingest,
// the process that accepts sends. The "current" configuration comes through the loaders the
// router uses: the newest stored routing configuration version (its rules, its pinned rate cards),
// or, before any version is stored, ROUTES_FILE and the active rate cards (the router's bootstrap).

const out = (line: string) => process.stdout.write(line + '\n');
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/smsgw';
/** Distinct account values looked up by name; more than this are taken as ids as they are. */
const MAX_ACCOUNT_LOOKUPS = 200;

export interface SimulateOptions {
  routes?: string;
  rateCard: string[];
  down: string[];
  currentRoutes: string;
  /** The routing configuration whose newest version is "current" (ROUTING_CONFIG_NAME). */
  configName: string;
  databaseUrl: string;
  at?: number;
  skipBad?: boolean;
  top: number;
  json?: boolean;
}

/** The configuration in force (as at `atMs`), and where it came from ("version 7", or the file). */
export async function loadCurrentRouting(db: Queryable, configName: string, routesFile: string, atMs: number): Promise<{ rules: RouteRules; cards: RateCard[]; source: string }> {
  const version = await latestRoutingConfig(db, configName);
  if (!version) return { rules: rulesFrom(routesFile), cards: await loadActiveRateCards(db, atMs), source: routesFile };
  const cards = await loadRateCards(db, await pinnedRateCardHeaders(db, version.rateCardPins, atMs));
  return { rules: compileRoutesYaml(version.routesYaml, `${configName} version ${version.version}`), cards, source: `${configName} version ${version.version}` };
}

/** loadRouteRules, with a missing or unparsable file under the same code as an invalid one. */
function rulesFrom(file: string): RouteRules {
  try {
    return loadRouteRules(file);
  } catch (err) {
    if (err instanceof RoutingConfigError) throw err;
    throw new RoutingConfigError('ROUTING.INVALID_RULES', (err as Error).message);
  }
}

/** "carrier-a=prices.csv" → a proposed card replacing the carrier's active one (CSV in its currency, else the rules'). */
export function proposedRateCard(spec: string, current: readonly RateCard[], rulesCurrency: string, atMs: number): RateCard {
  const eq = spec.indexOf('=');
  const carrier = spec.slice(0, eq).trim();
  const file = spec.slice(eq + 1).trim();
  if (eq < 1 || !file || !validCarrierId(carrier)) throw new RoutingConfigError('ROUTING.INVALID_RATE_CARD', `--rate-card "${spec}": expected <carrier>=<file> (carrier-a=prices.csv)`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RoutingConfigError('ROUTING.INVALID_RATE_CARD', `--rate-card ${carrier}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const active = current.find((c) => c.carrier === carrier);
  const base = { carrier, version: (active?.version ?? 0) + 1, effectiveAtMs: atMs };
  if (/\.(ya?ml|json)$/i.test(file)) {
    const doc = parseRateCardDocument(parse(text), file);
    return { ...base, currency: doc.currency ?? active?.currency ?? rulesCurrency, entries: doc.entries };
  }
  return { ...base, currency: active?.currency ?? rulesCurrency, entries: parseRateCardCsv(text, file) };
}

/** Account names in the traffic become ids, as rules match them; values that name no account stay as they are. */
async function resolveAccounts(db: Queryable, traffic: ParsedTraffic): Promise<string[]> {
  const values = [...new Set(traffic.rows.map((r) => r.account).filter(Boolean))];
  if (values.length > MAX_ACCOUNT_LOOKUPS) return [`${values.length} distinct accounts: taken as account ids, not looked up by name`];
  const ids = new Map<string, string>();
  const unknown: string[] = [];
  for (const v of values) {
    try {
      ids.set(v, (await getAccount(db, v)).id);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ACCOUNT.NOT_FOUND') throw err;
      unknown.push(v);
    }
  }
  for (const row of traffic.rows) row.account = ids.get(row.account) ?? row.account;
  return unknown.length ? [`accounts not found, matched as ids as they are: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`] : [];
}

export interface SimulationReport {
  traffic: { file: string; rows: number; skipped: number; problems: ParsedTraffic['problems'] };
  current: { routes: string; rateCards: { carrier: string; version: number }[] };
  /** replaces: the active version the file stands in for (null: the carrier had no card). */
  proposed: { routes: string; rateCards: { carrier: string; file: string; replaces: number | null }[]; down: string[] };
  notes: string[];
  /** How many movers, shifts, examples and countries are listed. */
  top: number;
  simulation: Simulation;
  elapsedMs: number;
}

export async function runSimulation(file: string, opts: SimulateOptions): Promise<SimulationReport> {
  const started = Date.now();
  const atMs = opts.at ?? Date.now();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw Object.assign(new Error(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`), { code: 'SIMULATION.INVALID_TRAFFIC' });
  }
  // Parse the files before the database is asked anything: a bad file fails fast and alone.
  const lookup = new OfflineNumberLookup(undefined, false); // the router's lookup (no number type)
  const traffic = parseTrafficCsv(text, { name: file, nowMs: atMs, destinationOf: (n) => lookup.destinationOf(n), skipBad: opts.skipBad });
  const proposedRules = opts.routes ? rulesFrom(opts.routes) : undefined;
  const pool = createPool(opts.databaseUrl, { max: 2 });
  try {
    const { rules, cards, source } = await loadCurrentRouting(pool, opts.configName, opts.currentRoutes, atMs).catch((err) => {
      throw toDatabaseError(err, opts.databaseUrl);
    });
    const notes = await resolveAccounts(pool, traffic);
    const rulesNext = proposedRules ?? rules;
    const overrides = opts.rateCard.map((spec) => ({ card: proposedRateCard(spec, cards, rulesNext.currency, atMs), file: spec.slice(spec.indexOf('=') + 1) }));
    const twice = overrides.find((o, i) => overrides.findIndex((x) => x.card.carrier === o.card.carrier) !== i);
    if (twice) throw new RoutingConfigError('ROUTING.INVALID_RATE_CARD', `--rate-card ${twice.card.carrier} is given twice`);
    const replaced = new Set(overrides.map((o) => o.card.carrier));
    const cardsNext = [...cards.filter((c) => !replaced.has(c.carrier)), ...overrides.map((o) => o.card)];
    const down = new Set(opts.down);
    const health: CarrierHealthView | undefined = down.size ? { isDown: (carrier) => down.has(carrier), whyDown: () => 'down in the proposal (--down)' } : undefined;
    for (const c of [...replaced, ...down]) if (!rulesNext.carriers.includes(c)) notes.push(`carrier ${c} is named by no proposed rule; its change affects nothing`);
    notes.push('quality and breakers are not simulated: every carrier is up unless --down names it, and quality-first is least-cost (nothing learned)');
    const simulation = simulateTraffic(traffic.rows, { rules, rates: new RateBook(cards) }, { rules: rulesNext, rates: new RateBook(cardsNext), health }, { top: opts.top });
    return {
      traffic: { file, rows: traffic.rows.length, skipped: traffic.skipped, problems: traffic.problems },
      current: { routes: source, rateCards: cards.map((c) => ({ carrier: c.carrier, version: c.version })) },
      proposed: { routes: opts.routes ?? source, rateCards: overrides.map((o) => ({ carrier: o.card.carrier, file: o.file, replaces: cards.find((c) => c.carrier === o.card.carrier)?.version ?? null })), down: [...down] },
      notes,
      top: opts.top,
      simulation,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await pool.end();
  }
}

const count = (n: number) => n.toLocaleString('en-US');
/** Micro-units → "1,234.5678": four decimals (a hundredth of a cent), so columns line up. */
const money = (micros: number) => (micros / 1_000_000).toLocaleString('en-US', { minimumFractionDigits: 4, maximumFractionDigits: 4 });
const signed = (micros: number) => (micros > 0 ? `+${money(micros)}` : money(micros));
const topOf = (r: SimulationReport) => r.top;
const pad = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

/** The short table for people. */
export function describeSimulation(r: SimulationReport): string[] {
  const s = r.simulation;
  const cur = s.currency;
  const lines = [
    `traffic ${r.traffic.file}: ${count(r.traffic.rows)} rows, ${count(s.messages)} messages, ${count(s.segments)} segments${r.traffic.skipped ? `; ${count(r.traffic.skipped)} bad rows skipped` : ''}`,
    `current:  ${r.current.routes}, rate cards ${r.current.rateCards.map((c) => `${c.carrier} v${c.version}`).join(', ') || 'none'}`,
    `proposed: ${r.proposed.routes}${r.proposed.rateCards.map((c) => `, ${c.carrier} from ${c.file}${c.replaces ? ` (for v${c.replaces})` : ''}`).join('')}${r.proposed.down.length ? `, down: ${r.proposed.down.join(', ')}` : ''}`,
    '',
  ];
  const widths = [16, 12, 16, 12, 16, 14];
  lines.push(pad(['carrier', 'messages', `cost ${cur}`, 'proposed', `cost ${cur}`, 'delta'], widths));
  for (const [carrier, d] of Object.entries(s.byCarrierDelta)) lines.push(pad([carrier, count(d.currentMessages), money(d.currentCostMicros), count(d.proposedMessages), money(d.proposedCostMicros), signed(d.deltaMicros)], widths));
  const [a, b] = [s.current.totals, s.proposed.totals];
  if (a.unroutableMessages || b.unroutableMessages) lines.push(pad(['(unroutable)', count(a.unroutableMessages), '', count(b.unroutableMessages), '', ''], widths));
  lines.push(pad(['total', count(a.routedMessages), money(a.costMicros), count(b.routedMessages), money(b.costMicros), signed(s.delta.costMicros)], widths));
  lines.push(`delta ${signed(s.delta.costMicros)} ${cur} (${s.delta.percent >= 0 ? '+' : ''}${s.delta.percent.toFixed(2)}%)`);
  const countries = [...new Set([...Object.keys(s.current.byCountry), ...Object.keys(s.proposed.byCountry)])]
    .map((c) => ({ c, x: s.current.byCountry[c] ?? { messages: 0, costMicros: 0 }, y: s.proposed.byCountry[c] ?? { messages: 0, costMicros: 0 } }))
    .sort((p, q) => Math.max(q.x.costMicros, q.y.costMicros) - Math.max(p.x.costMicros, p.y.costMicros) || (p.c < q.c ? -1 : 1));
  if (countries.length > 1 && topOf(r) > 0) {
    lines.push('', pad(['country', 'routed', `cost ${cur}`, 'proposed', `cost ${cur}`, 'delta'], widths));
    for (const { c, x, y } of countries.slice(0, topOf(r))) lines.push(pad([c || '(unknown)', count(x.messages), money(x.costMicros), count(y.messages), money(y.costMicros), signed(y.costMicros - x.costMicros)], widths));
    if (countries.length > topOf(r)) lines.push(`  … ${countries.length - topOf(r)} more countries (--json has all)`);
  }
  const change = (what: string, x: Simulation['newlyUnroutable']) => {
    if (!x.messages) return;
    lines.push('', `${what}: ${count(x.messages)} messages in ${count(x.rows)} rows`);
    for (const e of x.examples) lines.push(`  line ${e.line}  ${e.country || '?'} ${e.network}  ${count(e.messages)} msgs  ${e.current} → ${e.proposed}${e.proposedPricePerSegmentMicros !== undefined && e.maxPriceMicros !== undefined ? `  ${money(e.proposedPricePerSegmentMicros)} > max ${money(e.maxPriceMicros)}` : ''}`);
  };
  change('newly unroutable', s.newlyUnroutable);
  change('newly over max_price', s.newlyOverMaxPrice);
  if (s.shifts.length) {
    lines.push('', 'messages moving');
    for (const m of s.shifts) lines.push(`  ${(m.from || '(unroutable)').padEnd(16)} → ${(m.to || '(unroutable)').padEnd(16)} ${count(m.messages).padStart(12)}`);
  }
  if (s.movers.length) {
    lines.push('', `biggest movers (${cur})`);
    for (const m of s.movers) lines.push(`  ${m.destination.padEnd(22)} ${count(m.messages).padStart(10)} msgs  ${money(m.currentCostMicros).padStart(12)} → ${money(m.proposedCostMicros).padStart(12)}  ${signed(m.deltaMicros).padStart(12)}`);
  }
  for (const p of r.traffic.problems) lines.push(`skipped line ${p.line}${p.column ? `, column ${p.column}` : ''}: ${p.message}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines;
}

/** One line (or one JSON object) with a stable code, exit 1: file errors name the file, line and column. */
function failSimulation(err: unknown, json: boolean): never {
  const e = err as Error & { code?: unknown };
  const code = typeof e.code === 'string' && /^[A-Z_]+\.[A-Z_.]+$/.test(e.code) ? e.code : 'ERROR';
  if (json) printJson({ error: { code, message: e.message } });
  else process.stderr.write(`error: ${code}: ${e.message}\n`);
  process.exit(1);
}

const collect = (value: string, previous: string[]) => [...previous, value];
const topOption = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new InvalidArgumentError('a whole number from 0 to 1000');
  return n;
};

/** `smsgw route simulate <traffic.csv>`: under the `route` command. */
export function registerRouteSimulate(route: Command): void {
  route
    .command('simulate')
    .description('price a day of traffic under the routing in force and a proposed change (routes file, rate cards, carriers down); reads PostgreSQL and the files directly')
    .argument('<traffic.csv>', 'header row, then one row per message or group: to (E.164, or prefix*), count, segments, account, sender, class, encoding, time, country, network, max_price (README "Route simulation")')
    .option('--routes <file>', 'proposed route rules (YAML, as ROUTES_FILE); default: the current ones')
    .option('--rate-card <carrier=file>', 'proposed rate card for a carrier, replacing its active one (.csv: prefix,country,network,price in the active card\'s currency; .yaml); repeatable', collect, [])
    .option('--down <carrier>', 'treat a carrier as down in the proposal (its breaker open); repeatable', collect, [])
    .addOption(new Option('--config-name <name>', 'the routing configuration in force: its newest stored version').env('ROUTING_CONFIG_NAME').default(`${process.env['KAFKA_TOPIC_PREFIX'] ?? ''}default`))
    .addOption(new Option('--current-routes <file>', 'the route rules in force while no version is stored').env('ROUTES_FILE').default('config/routes.yaml'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL with the rate cards and accounts').env('DATABASE_URL').default(DEFAULT_DATABASE_URL))
    .option('--at <date>', 'rate cards in force at this time, and the time of rows without one (ISO 8601; default now)', whenOption)
    .option('--skip-bad', 'leave out rows that cannot be read (counted, the first 20 listed) instead of stopping at the first')
    .option('--top <n>', 'how many movers, shifts and example rows to list', topOption, 10)
    .option('--json', 'print one JSON object (prices in micro-units)')
    .action(async (file: string, opts: SimulateOptions) => {
      try {
        const report = await runSimulation(file, opts);
        if (opts.json) return printJson(report);
        for (const line of describeSimulation(report)) out(line);
      } catch (err) {
        failSimulation(err, !!opts.json);
      }
    });
}
