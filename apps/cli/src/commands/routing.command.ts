import type { RateCardSummary, RouteExplanation } from '@smsgw/shared/util-proto';
import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { gatewayOptions } from '../credentials';
import { withAdmin } from '../grpc-client';
import { whenOption } from '../option-parsers';
import { printJson } from '../output';
import { registerRouteSimulate } from './route-simulate';
import { localAuthor } from './routes.command';

const out = (line: string) => process.stdout.write(line + '\n');
const iso = (ms: number) => (ms ? new Date(ms).toISOString() : '');
/** 12500 micro-units → "0.0125". */
export const money = (micros: number, currency: string) => `${(micros / 1_000_000).toFixed(6).replace(/0+$/, '').replace(/\.$/, '')} ${currency}`.trim();
const summaryView = (c: RateCardSummary) => ({ carrier: c.carrier, version: c.version, currency: c.currency, effectiveAt: iso(c.effectiveAtMs), importedAt: iso(c.importedAtMs), entries: c.entries, active: c.active });
const countOption = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
};

const pct = (x: number) => `${(x * 100).toFixed(1).replace(/\.0$/, '')}%`;
const secs = (ms: number) => (ms ? `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 0).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')} s` : 'n/a');

/** "delivered 66% (120 results, network 234-10)  receipts p50 1 s p90 4 s  submit errors 0%  throttled 0%". */
function qualityFigures(c: RouteExplanation['candidates'][number]): string {
  return `delivered ${pct(c.deliveryRatio)} (${c.qualitySamples} results, ${c.qualityBasis})  receipts p50 ${secs(c.receiptP50Ms)} p90 ${secs(c.receiptP90Ms)}  submit errors ${pct(c.submitErrorRate)}  throttled ${pct(c.throttledShare)}`;
}

/** Lines for people: the decision, the rules passed by, every candidate and why it lost. */
export function describeExplanation(e: RouteExplanation): string[] {
  const lines = [`to ${e.to}  country ${e.country || '?'}  network ${e.network ? `${e.network} (${e.networkName})` : 'unknown'}  class ${e.trafficClass}`];
  lines.push(
    e.routed
      ? `→ ${e.carrierId} by rule ${e.ruleId}: ${money(e.pricePerSegmentMicros, e.currency)} per segment, ${money(e.totalMicros, e.currency)} in all${e.failover.length ? `; failover ${e.failover.join(', ')}` : ''}`
      : `→ not routed: ${e.code}: ${e.reason}`,
  );
  for (const r of e.rules) lines.push(`  rule ${r.id}: ${r.matched ? 'matched' : `no — ${r.why}`}`);
  for (const c of e.candidates) {
    const price = c.priced ? `${money(c.priceMicros, c.currency)} (${c.priceBasis})` : 'no price';
    const quality = c.quality === undefined || c.quality === null ? 'n/a' : c.quality.toFixed(2);
    const breaker = c.breaker && c.breaker !== 'closed' ? `  breaker ${c.breaker}` : '';
    lines.push(`  ${c.chosen ? '*' : ' '} ${c.carrierId.padEnd(16)} ${c.role.padEnd(8)} ${price}  quality ${quality}${breaker}${c.chosen ? '  chosen' : `  ${c.passedOverCode}: ${c.passedOverReason}`}`);
    if (c.quality !== undefined && c.quality !== null) lines.push(`      ${qualityFigures(c)}`);
  }
  return lines;
}

/** `smsgw ratecard …` and `smsgw route explain`: sms.v1.AdminService, with the admin token. */
export function registerRouting(program: Command): void {
  const admin = (parent: Command, name: string) => gatewayOptions(parent.command(name), 'admin-token');
  const ratecard = program.command('ratecard').description("carriers' rate cards: prices per destination, versioned (admin token needed)");

  admin(ratecard, 'import')
    .description('store a rate card as the carrier\'s next version; routers use it from its effective date (CSV: prefix,country,network,price; or YAML)')
    .argument('<carrier>', 'carrier id (as in the carriers file)')
    .argument('<file>', 'a .csv (prefix,country,network,price per line) or .yaml file ({ currency, effective, rates: [...] })')
    .option('--currency <code>', 'ISO 4217 currency of the prices (required for CSV)')
    .option('--effective <date>', 'ISO 8601 date from which it applies (default: the YAML\'s, else now)', whenOption)
    .option('--format <format>', 'csv or yaml (default: from the file name)')
    .option('--comment <text>', 'kept with the routing configuration version the import makes', '')
    .action((carrier: string, file: string, opts) =>
      withAdmin(opts, async (client) => {
        const format = opts.format ?? (/\.ya?ml$|\.json$/i.test(extname(file)) ? 'yaml' : 'csv');
        const card = await client.importRateCard({ carrier, format, content: readFileSync(file, 'utf8'), currency: opts.currency ?? '', effectiveAtMs: opts.effective ?? 0, comment: opts.comment, author: localAuthor() });
        if (opts.json) return printJson({ ...summaryView(card), configVersion: card.configVersion });
        out(`rate card ${card.carrier} v${card.version} imported: ${card.entries} prices in ${card.currency}, effective ${iso(card.effectiveAtMs)}${card.active ? ' (active now)' : ''}`);
        out(card.configVersion ? `routing configuration version ${card.configVersion} published: routers use it` : 'no routing configuration yet: the first one (routes import, or a router starting) will include it');
      }),
    );

  admin(ratecard, 'list')
    .description('list rate card versions, newest first; "active" marks the one routers use now')
    .argument('[carrier]', 'only this carrier')
    .action((carrier: string | undefined, opts) =>
      withAdmin(opts, async (client) => {
        const cards = (await client.listRateCards(carrier ?? '')).cards.map(summaryView);
        if (opts.json) return printJson({ cards });
        for (const c of cards) out(`${c.carrier}  v${c.version}  ${c.currency}  effective ${c.effectiveAt}  ${c.entries} prices${c.active ? '  active' : ''}`);
      }),
    );

  admin(ratecard, 'show')
    .description('show a rate card version with its prices (default: the active one)')
    .argument('<carrier>', 'carrier id')
    .option('--version <n>', 'the version', countOption)
    .action((carrier: string, opts) =>
      withAdmin(opts, async (client) => {
        const details = await client.getRateCard(carrier, opts.version ?? 0);
        const card = details.card ? summaryView(details.card) : undefined;
        if (opts.json) return printJson({ card, entries: details.entries });
        if (card) out(`${card.carrier}  v${card.version}  ${card.currency}  effective ${card.effectiveAt}${card.active ? '  active' : ''}`);
        for (const e of details.entries) out(`  ${(e.prefix || '-').padEnd(16)} ${(e.country || '-').padEnd(3)} ${(e.network || '-').padEnd(8)} ${money(e.priceMicros, card?.currency ?? '')}`);
      }),
    );

  const route = program.command('route').description('routing decisions');
  admin(route, 'explain')
    .description('where a message would go and why: the rules passed by, every candidate carrier with its price and why it lost')
    .requiredOption('--to <number>', 'destination (E.164, or national in the gateway\'s default region)')
    .option('--from <sender>', 'sender id', '')
    .option('--account <account>', 'account id or name', '')
    .option('--class <class>', 'traffic class: otp, transactional or marketing', 'transactional')
    .option('--encoding <encoding>', 'gsm7, ucs2 or latin1', 'gsm7')
    .option('--segments <n>', 'segments, for the total price', countOption, 1)
    .option('--at <date>', 'route as at this time (time-of-day rules; ISO 8601)', whenOption)
    .action((opts) =>
      withAdmin(opts, async (client) => {
        const e = await client.explainRoute({ to: opts.to, from: opts.from, account: opts.account, trafficClass: opts.class, encoding: opts.encoding, segments: opts.segments, atMs: opts.at ?? 0 });
        if (opts.json) return printJson(e);
        for (const line of describeExplanation(e)) out(line);
      }),
    );
  registerRouteSimulate(route);
}
