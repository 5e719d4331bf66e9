// Routing decisions per second on one core: chooseRoute over a realistic rule set and rate cards,
// with and without the offline number lookup (libphonenumber-js + prefix table) in front of it, with
// route quality learned for every carrier (one carrier's breaker open), as the router routes.
//   node -r ./tools/ts-run.cjs tools/bench/route.ts [--json] [--seconds 2]
import { ALL_CARRIERS_UP, OfflineNumberLookup, QualityBook, RateBook, chooseRoute, compileRules, trafficClassOfPriority, type RateCard, type RouteRequest } from '@smsgw/routing/domain';

const args = process.argv.slice(2);
const json = args.includes('--json');
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 2;

const carriers = ['alpha', 'beta', 'gamma', 'delta'];
const rules = compileRules({
  currency: 'EUR',
  exchangeRates: { GBP: 1.17, USD: 0.92 },
  rules: [
    { id: 'acme-night', match: { account: ['acme'], time: { days: ['mon-fri'], from: '22:00', to: '06:00', zone: 'Europe/London' } }, action: { type: 'fixed', carriers: ['delta'] } },
    { id: 'otp-uk', match: { country: ['GB', 'GG', 'JE', 'IM'], class: ['otp'] }, action: { type: 'quality-first', carriers: ['alpha', 'beta'], failover: ['gamma'], maxPriceMicros: 40_000 } },
    { id: 'marketing', match: { class: ['marketing'], sender: ['PROMO*'] }, action: { type: 'weighted', carriers: ['gamma', 'delta'], weights: [80, 20] } },
    { id: 'de-vodafone', match: { network: ['262-02'] }, action: { type: 'fixed', carriers: ['beta'] } },
    { id: 'default', action: { type: 'least-cost', carriers, maxPriceMicros: 60_000 } },
  ],
});
const cards: RateCard[] = carriers.map((carrier, i) => ({
  carrier,
  version: 1,
  currency: i % 2 ? 'GBP' : 'EUR',
  effectiveAtMs: 0,
  entries: [
    ...['+447', '+4477', '+4479', '+4915', '+4917', '+336', '+337', '+1'].map((prefix, j) => ({ prefix, country: '', network: '', priceMicros: 8_000 + ((i * 7 + j * 13) % 20) * 1_000 })),
    ...['234-10', '234-15', '234-20', '234-30', '262-01', '262-02'].map((network, j) => ({ prefix: '', country: '', network, priceMicros: 7_000 + ((i * 5 + j * 3) % 15) * 1_000 })),
    ...['GB', 'DE', 'FR', 'US', 'ES', 'IT'].map((country, j) => ({ prefix: '', country, network: '', priceMicros: 10_000 + ((i + j) % 9) * 2_000 })),
  ],
}));
const book = new RateBook(cards);
const lookup = new OfflineNumberLookup(undefined, false);
const numbers = ['+447711123456', '+447911123456', '+447400123456', '+4915112345678', '+4917212345678', '+33612345678', '+14155550123', '+34612345678'];
const destinations = numbers.map((n) => lookup.destinationOf(n));
const accounts = ['acme', 'globex', 'initech', ''];
const senders = ['ACME', 'PROMO1', 'BANK', '447700900001'];
const requests: RouteRequest[] = Array.from({ length: 4096 }, (_, i) => ({
  messageId: `01JBENCH${i.toString(36).padStart(8, '0')}`,
  destination: destinations[i % destinations.length],
  account: accounts[i % accounts.length],
  sender: senders[(i >> 2) % senders.length],
  trafficClass: trafficClassOfPriority([1, 2, 3][i % 3]),
  encoding: i % 10 ? 'gsm7' : 'ucs2',
  segments: 1 + (i % 3),
  nowMs: Date.UTC(2026, 11, 1, 12, 0, 0) + i * 1000,
}));

// Results for every carrier toward every destination; beta's are 30 % UNDELIV (its breaker opens).
const learned = new QualityBook();
const t0 = Date.now();
for (const carrier of carriers)
  for (const d of destinations)
    for (let i = 0; i < 100; i++) learned.observe({ kind: 'final', carrier, destination: d.network || d.country, atMs: t0, delivered: carrier === 'beta' ? i % 10 >= 3 : i % 50 > 0, latencyMs: 500 + i * 40 });
const quality = learned.snapshot(t0 + 1_000);

function measure(name: string, step: (i: number) => unknown): { name: string; decisionsPerSecond: number; nsPerDecision: number } {
  for (let i = 0; i < 20_000; i++) step(i); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(seconds * 1e9);
  let now = start;
  while (now < until) {
    for (let i = 0; i < 1000; i++) step(n++);
    now = process.hrtime.bigint();
  }
  const ns = Number(now - start);
  return { name, decisionsPerSecond: Math.round((n / ns) * 1e9), nsPerDecision: Math.round(ns / n) };
}

const results = [
  measure('chooseRoute', (i) => chooseRoute(requests[i & 4095], rules, book, quality)),
  measure('lookup + chooseRoute', (i) => {
    const r = requests[i & 4095];
    return chooseRoute({ ...r, destination: lookup.destinationOf(numbers[i % numbers.length]) }, rules, book, quality);
  }),
  measure('chooseRoute, nothing learned', (i) => chooseRoute(requests[i & 4095], rules, book, ALL_CARRIERS_UP)),
];
if (json) process.stdout.write(JSON.stringify({ rules: rules.rules.length, carriers: carriers.length, results }) + '\n');
else for (const r of results) console.log(`${r.name.padEnd(22)} ${r.nsPerDecision.toLocaleString('en')} ns/decision  ${r.decisionsPerSecond.toLocaleString('en')} decisions/s (one core)`);
