import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { MessageStatus, SendRequest, type Message } from '@smsgw/shared/util-proto';
import { ROOT, eventually, smsClient, smsgw, startStack } from './gateway';

// Least-cost routing end to end: two carriers (two connectors, one simulator) with different rate
// cards imported through the CLI; UK traffic follows the cheaper card, a rule pins Germany to one
// carrier whatever the price, GetMessage keeps the rule and the price, and `route explain` says why.
// Then the cheaper carrier degrades (the simulator turns 30 % of its receipts UNDELIV and slows
// them): its circuit breaker opens, UK traffic moves to the other carrier, and comes back once it
// recovers. The quality windows and breaker timings are shortened by config for the test.
// Last, a prepaid account spends against those prices: each message reserves the priciest carrier's
// price, what the balance does not cover is refused, a routed message is settled at its price and
// a canceled one refunded.
const KAFKA_BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
const KAFKA_TOPIC_PREFIX = `e2e-lcr-${Date.now().toString(36)}.`;
setTopicPrefix(KAFKA_TOPIC_PREFIX);
const PORTS = { simulatorSmpp: 22775, simulatorHttp: 28086, ingestHttp: 28081, ingestGrpc: 25051, encoderHttp: 28082, routerHttp: 28083, connectorHttp: 28084, dlrHttp: 28085 };
const SECOND_CONNECTOR_HTTP = 28087;
const run = Date.now().toString(36);
const ALPHA = `alpha-${run}`;
const BETA = `beta-${run}`;

/** Router and ingest (Explain): 10 s / 60 s windows, a breaker that opens at 15 % undelivered of 10 results, stays open 25 s (Explain is checked while it is), ramps back over 5 s. */
const QUALITY_ENV = {
  ROUTE_QUALITY_SHORT_WINDOW_MS: 10_000,
  ROUTE_QUALITY_LONG_WINDOW_MS: 60_000,
  ROUTE_QUALITY_REFRESH_MS: 250,
  ROUTE_BREAKER_MIN_SAMPLES: 10,
  ROUTE_BREAKER_UNDELIVERED_PERCENT: 15,
  ROUTE_BREAKER_OPEN_MS: 25_000,
  ROUTE_BREAKER_RAMP_MS: 5_000,
};

const UK = '+447711123456'; // GB, O2 (234-10) in the sample network table
const DE = '+4915112345678'; // DE, Telekom (262-01)

describe('least-cost routing across two carriers', () => {
  const work = mkdtempSync(join(tmpdir(), 'smsgw-e2e-lcr-'));
  let stack: Awaited<ReturnType<typeof startStack>>;
  let second: Awaited<ReturnType<typeof startStack>>;
  let client: ReturnType<typeof smsClient>;
  const target = `127.0.0.1:${PORTS.ingestGrpc}`;
  const admin = (...args: string[]) => smsgw([...args, '--target', target], { SMSGW_ADMIN_TOKEN_FILE: stack.adminTokenFile });

  beforeAll(async () => {
    // Both carriers are accounts of their own on the one simulator (receipts go back to the
    // account's binds); each gets its own connector process.
    const demo = readFileSync(join(ROOT, 'config/carriers.yaml'), 'utf8').replace(/port: 2775/, `port: ${PORTS.simulatorSmpp}`).replace(/binds: 2 /, 'binds: 1 ');
    const [head, block] = demo.split(/^ {2}demo:\n/m);
    const carriersFile = join(work, 'carriers.yaml');
    writeFileSync(carriersFile, `${head}  ${ALPHA}:\n${block.replace('systemId: smsgw', 'systemId: alpha')}  ${BETA}:\n${block.replace('systemId: smsgw', 'systemId: beta')}`);
    const routesFile = join(work, 'routes.yaml');
    writeFileSync(
      routesFile,
      [
        'currency: EUR',
        'exchangeRates: { GBP: 1.2 }',
        'rules:',
        '  - id: pin-de',
        '    match: { country: DE }',
        `    action: { type: fixed, carriers: [${BETA}] }`,
        '  - id: uk',
        '    match: { country: [GB, GG] }',
        `    action: { type: least-cost, carriers: [${ALPHA}, ${BETA}], maxPriceMicros: 50000 }`,
        '',
      ].join('\n'),
    );
    const env = { KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, DATABASE_URL, CARRIERS_FILE: carriersFile, ROUTES_FILE: routesFile, RATE_CARD_REFRESH_MS: 300, LOG_LEVEL: 'info', ...QUALITY_ENV };
    stack = await startStack({ ports: PORTS, logDir: join(work, 'logs'), stateDir: join(work, 'state'), lockName: 'e2e', lockWaitMs: 600_000, what: 'gateway-e2e least-cost routing', env, appEnv: { 'smpp-connector': { CARRIER_ID: ALPHA }, 'smsc-simulator': { SIMULATOR_ACCOUNTS: 'alpha:secret,beta:secret' } } });
    second = await startStack({
      apps: ['smpp-connector'],
      ports: { connectorHttp: SECOND_CONNECTOR_HTTP },
      logDir: join(work, 'logs-beta'),
      stateDir: join(work, 'state'),
      lockName: `e2e-lcr-${run}`,
      what: 'gateway-e2e least-cost routing, second carrier',
      env,
      appEnv: { 'smpp-connector': { CARRIER_ID: BETA } },
    });
    client = smsClient(target, stack.apiKey);
  }, 780_000); // may wait for another e2e stack to stop (tools/stack.cjs lock)

  afterAll(async () => {
    client?.close();
    await second?.stop();
    await stack?.stop();
  }, 60_000);

  const delivered = (id: string) =>
    eventually(
      `message ${id} delivered`,
      async () => {
        const m: Message = await client.getMessage({ id });
        return m.status === MessageStatus.DELIVERED ? m : undefined;
      },
      60_000,
    );
  const importCard = async (carrier: string, name: string, text: string, ...options: string[]) => {
    const file = join(work, name);
    writeFileSync(file, text);
    const r = await admin('ratecard', 'import', carrier, file, '--json', ...options);
    expect(r).toMatchObject({ code: 0 });
    return JSON.parse(r.stdout) as { version: number; active: boolean };
  };

  it('sends by price, pins a country by rule, keeps what it cost, and explains why', async () => {
    await importCard(ALPHA, 'alpha.csv', 'prefix,country,network,price\n44,GB,,0.012\n49,DE,,0.02\n', '--currency', 'EUR');
    expect(await importCard(BETA, 'beta.yaml', 'currency: GBP\nrates:\n  - { country: GB, price: 0.015 }\n  - { country: DE, price: 0.03 }\n')).toMatchObject({ version: 1, active: true });
    const list = await admin('ratecard', 'list', '--json');
    expect(JSON.parse(list.stdout).cards.map((c: { carrier: string }) => c.carrier)).toEqual(expect.arrayContaining([ALPHA, BETA]));

    // UK: alpha 0.012 EUR < beta 0.015 GBP (0.018 EUR). The router polls the cards: wait until it has them.
    const uk = await eventually(
      'UK traffic priced by the rate cards',
      async () => {
        const m = await delivered((await client.send({ to: UK, from: 'SMSGW', text: 'Your code is 1234' })).id);
        return m.priceCurrency === 'EUR' && m.pricePerSegmentMicros === 12_000 ? m : undefined;
      },
      60_000,
    );
    expect(uk).toMatchObject({ carrier: ALPHA, routeRuleId: 'uk', pricePerSegmentMicros: 12_000, priceTotalMicros: 12_000, priceCurrency: 'EUR' });

    // Germany is pinned to beta although alpha is cheaper there.
    const de = await delivered((await client.send({ to: DE, from: 'SMSGW', text: 'Hallo' })).id);
    expect(de).toMatchObject({ carrier: BETA, routeRuleId: 'pin-de', pricePerSegmentMicros: 30_000, priceCurrency: 'GBP' });

    // A cheaper beta card moves UK traffic over, with no restart.
    expect(await importCard(BETA, 'beta-v2.yaml', 'currency: GBP\nrates:\n  - { country: GB, price: 0.008 }\n  - { country: DE, price: 0.03 }\n')).toMatchObject({ version: 2, active: true });
    const moved = await eventually(
      'UK traffic to move to the cheaper card',
      async () => {
        const m = await delivered((await client.send({ to: UK, from: 'SMSGW', text: 'Your code is 5678' })).id);
        return m.carrier === BETA ? m : undefined;
      },
      60_000,
    );
    expect(moved).toMatchObject({ routeRuleId: 'uk', pricePerSegmentMicros: 8_000, priceCurrency: 'GBP' });
    const status = await smsgw(['status', moved.id, '--target', target, '--api-key', stack.apiKey]);
    expect(status.stdout).toMatch(/routeRule\s+uk/);
    expect(status.stdout).toMatch(/price\s+0\.008 GBP/);

    // Explain: why UK goes to beta now, and why Germany goes there whatever the price.
    const ukWhy = await admin('route', 'explain', '--to', UK, '--json');
    expect(ukWhy.code).toBe(0);
    const ukExplained = JSON.parse(ukWhy.stdout);
    expect(ukExplained).toMatchObject({ routed: true, ruleId: 'uk', carrierId: BETA, country: 'GB', network: '234-10', rules: [{ id: 'pin-de', matched: false }, { id: 'uk', matched: true }] });
    expect(ukExplained.candidates).toEqual([
      expect.objectContaining({ carrierId: BETA, chosen: true, priceMicros: 8_000, currency: 'GBP', priceBasis: 'rate card v2, country GB' }),
      expect.objectContaining({ carrierId: ALPHA, chosen: false, priceMicros: 12_000, passedOverCode: 'PRICIER' }),
    ]);
    const deWhy = await admin('route', 'explain', '--to', DE);
    expect(deWhy.code).toBe(0);
    expect(deWhy.stdout).toContain(`→ ${BETA} by rule pin-de`);
    expect(deWhy.stdout).toContain('rule pin-de: matched');
    const shown = JSON.parse((await admin('ratecard', 'show', BETA, '--version', '1', '--json')).stdout);
    expect(shown).toMatchObject({ card: { carrier: BETA, version: 1, currency: 'GBP', active: false }, entries: [{ country: 'DE', priceMicros: 30_000 }, { country: 'GB', priceMicros: 15_000 }] });
    const missing = await admin('ratecard', 'show', `gamma-${run}`);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toContain('NOT_FOUND');
    const refused = await admin('ratecard', 'import', ALPHA, join(work, 'alpha.csv'));
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.stderr).toContain('currency is missing');
  }, 300_000);

  it('moves UK traffic off the cheaper carrier while its receipts degrade, and back once it recovers; explain says why', async () => {
    // After the test above, beta is the cheaper carrier for UK.
    const setFaults = (faults: object) => fetch(`http://127.0.0.1:${PORTS.simulatorHttp}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
    let round = 0;
    /** Sends n UK messages and answers the carrier each went to. */
    const carriersOf = async (n: number) => {
      round++;
      const ids = await Promise.all(Array.from({ length: n }, (_, i) => client.send({ to: UK, from: 'SMSGW', text: `Your code is ${round}${i}` }).then((r) => r.id)));
      return Promise.all(ids.map((id) => eventually(`message ${id} routed`, async () => (await client.getMessage({ id })).carrier || undefined, 30_000)));
    };
    expect(await carriersOf(5)).toEqual(Array(5).fill(BETA));

    expect((await setFaults({ receipts: { systemId: 'beta', ratio: 0.3, stat: 'UNDELIV', delay: '200-800' } })).ok).toBe(true);
    const degraded = Date.now();
    await eventually(
      'UK traffic to leave the degraded carrier',
      async () => {
        const carriers = await carriersOf(10);
        return carriers.every((c) => c === ALPHA) ? carriers : undefined;
      },
      60_000,
    );
    expect(Date.now() - degraded).toBeLessThan(60_000);
    const explained = await eventually(
      'route explain to show the open breaker',
      async () => {
        const r = await admin('route', 'explain', '--to', UK, '--json');
        const e = JSON.parse(r.stdout);
        return e.carrierId === ALPHA ? e : undefined;
      },
      20_000,
    );
    const beta = explained.candidates.find((c: { carrierId: string }) => c.carrierId === BETA);
    expect(beta).toMatchObject({ chosen: false, passedOverCode: 'DOWN', breaker: 'open', qualityBasis: expect.stringMatching(/^(network 234-10|carrier)$/) });
    expect(beta.passedOverReason).toMatch(/^breaker open: \d+% UNDELIV over 10 s; kept for when no healthy carrier qualifies$/);
    expect(beta.deliveryRatio).toBeLessThan(0.95);
    const text = await admin('route', 'explain', '--to', UK);
    expect(text.stdout).toMatch(new RegExp(`${BETA}.*breaker open.*DOWN: breaker open`));
    expect(text.stdout).toMatch(/delivered \d+(\.\d)?% \(\d+ results, /);

    // Recovered: after the open time the breaker lets a growing share through, then closes.
    expect((await setFaults({})).ok).toBe(true);
    await eventually(
      'UK traffic to come back to the cheaper carrier',
      async () => {
        const carriers = await carriersOf(10);
        return carriers.every((c) => c === BETA) ? carriers : undefined;
      },
      90_000,
    );
  }, 240_000);

  it('a prepaid account reserves the worst case, is refused beyond its balance, settled at the routed price, refunded for a canceled message', async () => {
    // Beta dearer for the UK again: alpha routes it at 0.012 EUR, the worst case is beta's 0.02 GBP = 0.024 EUR.
    expect(await importCard(BETA, 'beta-v3.yaml', 'currency: GBP\nrates:\n  - { country: GB, price: 0.02 }\n  - { country: DE, price: 0.03 }\n')).toMatchObject({ version: 3, active: true });
    await eventually('ingest to see the new card', async () => {
      const e = JSON.parse((await admin('route', 'explain', '--to', UK, '--json')).stdout);
      return e.carrierId === ALPHA && e.candidates.some((c: { carrierId: string; priceMicros: number }) => c.carrierId === BETA && c.priceMicros === 20_000) ? e : undefined;
    });
    const name = `payer-${run}`;
    const created = await admin('accounts', 'create', name, '--json');
    expect(created.code).toBe(0);
    const payer = smsClient(target, JSON.parse(created.stdout).apiKey);
    const balance = async () => JSON.parse((await admin('accounts', 'balance', name, '--json')).stdout);
    expect(await balance()).toMatchObject({ limited: false });
    const credited = await admin('accounts', 'credit', name, '0.05', '--json');
    expect(credited.code).toBe(0);
    expect(JSON.parse(credited.stdout)).toMatchObject({ limited: true, currency: 'EUR', available: '0.05 EUR', micros: { balance: 50_000, reserved: 0 } });
    try {
      // Three segments: up to 3 × 0.024 EUR, more than the balance.
      const refused = await payer.send({ to: UK, from: 'SMSGW', text: 'x'.repeat(400) }).then(
        () => undefined,
        (err: ServiceError) => err,
      );
      expect(refused?.code).toBe(grpcStatus.FAILED_PRECONDITION);
      expect(refused?.details).toContain('[BILLING.INSUFFICIENT_BALANCE]');
      expect(refused?.details).toContain('0.05 EUR available');
      expect(refused?.details).toContain('up to 0.072 EUR');

      // A batch: two fit (2 × 0.024), the third does not.
      const batch = await payer.sendBatch({ messages: [1, 2, 3].map((i) => SendRequest.create({ to: UK, from: 'SMSGW', text: `Your code is ${i}` })) });
      expect(batch.results.map((r) => r.error?.code || 'accepted')).toEqual(['accepted', 'accepted', 'BILLING.INSUFFICIENT_BALANCE']);
      expect(batch.results[2].error?.message).toContain('0.002 EUR available');

      // Delivered: each settled at what GetMessage says it cost, the rest of its reservation released.
      const ids = batch.results.slice(0, 2).map((r) => r.accepted?.id ?? '');
      const messages = await Promise.all(ids.map((id) => eventually(`message ${id} delivered`, async () => ((m: Message) => (m.status === MessageStatus.DELIVERED ? m : undefined))(await payer.getMessage({ id })), 60_000)));
      for (const m of messages) expect(m).toMatchObject({ carrier: ALPHA, priceTotalMicros: 12_000, priceCurrency: 'EUR' });
      const settled = await eventually('both settled', async () => ((b) => (b.micros.reserved === 0 ? b : undefined))(await balance()));
      expect(settled.micros).toEqual({ balance: 26_000, creditLimit: 0, reserved: 0, available: 26_000, spent: 24_000 });

      // A scheduled message reserves too; canceled before its time, it never reaches a carrier and is refunded.
      const later = await payer.send({ to: UK, from: 'SMSGW', text: 'Later', sendAtMs: Date.now() + 3_600_000 });
      expect((await balance()).micros).toMatchObject({ balance: 2_000, reserved: 24_000 });
      await eventually('the message to be held', async () => ((m: Message) => (m.status === MessageStatus.SCHEDULED ? m : undefined))(await payer.getMessage({ id: later.id })));
      expect(await payer.cancelMessage({ id: later.id })).toMatchObject({ canceled: true });
      const refunded = await eventually('the canceled message refunded', async () => ((b) => (b.micros.reserved === 0 ? b : undefined))(await balance()));
      expect(refunded.micros).toMatchObject({ balance: 26_000, spent: 24_000 });

      // A credit limit lets it spend below zero.
      expect(JSON.parse((await admin('accounts', 'update', name, '--credit-limit', '1', '--json')).stdout)).toMatchObject({ available: '1.026 EUR' });
    } finally {
      payer.close();
    }
  }, 300_000);

  it('routes import, history, show and rollback through the CLI: the router switches to each version, the metric says which', async () => {
    type Version = { version: number; action: string; sourceVersion?: number; comment: string; routes?: string };
    const inForce = async () => {
      const text = await (await fetch(`http://127.0.0.1:${PORTS.routerHttp}/metrics`)).text();
      return Number(/^smsgw_router_config_version(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const history = async () => JSON.parse((await admin('routes', 'history', '--json')).stdout).versions as Version[];
    const before = await history();
    // Version 1 came from ROUTES_FILE; each rate card import above made one more.
    expect(before.at(-1)).toMatchObject({ version: 1, action: 'bootstrap' });
    expect(before.filter((v) => v.action === 'import-rate-card').length).toBeGreaterThanOrEqual(2);
    expect(await inForce()).toBe(before[0].version);

    const file = join(work, 'routes-beta.yaml');
    writeFileSync(file, `currency: EUR\nexchangeRates: { GBP: 1.2 }\nrules:\n  - id: uk-beta\n    match: { country: GB }\n    action: { type: fixed, carriers: [${BETA}] }\n`);
    const imported = await admin('routes', 'import', file, '--comment', 'e2e: UK to beta', '--json');
    expect(imported).toMatchObject({ code: 0 });
    const v = JSON.parse(imported.stdout) as { unchanged: boolean; version: Version };
    expect(v).toMatchObject({ unchanged: false, version: { version: before[0].version + 1, action: 'import-routes', comment: 'e2e: UK to beta' } });
    await eventually('the router on the imported version', async () => ((await inForce()) === v.version.version ? true : undefined), 30_000);
    const pinned = await delivered((await client.send({ to: UK, from: 'SMSGW', text: 'Your code is 5678' })).id);
    expect(pinned).toMatchObject({ carrier: BETA, routeRuleId: 'uk-beta' });
    expect(JSON.parse((await admin('routes', 'import', file, '--json')).stdout)).toMatchObject({ unchanged: true, version: { version: v.version.version } });
    expect(JSON.parse((await admin('routes', 'show', '--json')).stdout).routes).toContain('uk-beta');

    const bad = join(work, 'routes-bad.yaml');
    writeFileSync(bad, 'rules:\n  - id: uk\n    match: { country: GB }\n    action: { type: cheapest, carriers: [x] }\n');
    const refused = await admin('routes', 'import', bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/INVALID_ARGUMENT: .*rule 1 \(uk\).*\[ROUTING\.INVALID_RULES\]/);
    expect((await history())[0].version).toBe(v.version.version);

    const rolled = await admin('routes', 'rollback', String(before[0].version), '--json');
    expect(rolled).toMatchObject({ code: 0 });
    expect(JSON.parse(rolled.stdout).version).toMatchObject({ version: v.version.version + 1, action: 'rollback', sourceVersion: before[0].version });
    await eventually('the router on the rollback', async () => ((await inForce()) === v.version.version + 1 ? true : undefined), 30_000);
    const back = await delivered((await client.send({ to: UK, from: 'SMSGW', text: 'Your code is 9012' })).id);
    expect(back.routeRuleId).toBe('uk');
    expect((await admin('routes', 'show', '999')).stderr).toMatch(/NOT_FOUND: .*\[ROUTING\.CONFIG_VERSION_NOT_FOUND\]/);
  }, 180_000);
});
