// Against the real PostgreSQL of DATABASE_URL (migrated by npm test / infra:up). Publication is the
// callback the store is given: here it records what it was asked to publish, or fails like a
// broker that is down (the two-replica test in apps/router publishes on real Kafka).
import { RoutingConfigError, RoutingConfigVersionError, type RoutingConfigVersionRecord } from '@smsgw/routing/domain';
import { Pool } from 'pg';
import { importRateCard } from './rate-card.store';
import { getRoutingConfig, importRateCardVersion, importRoutes, latestRoutingConfig, listRoutingConfigs, rollbackRoutingConfig } from './routing-config.store';

const pool = new Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw' });
const run = `rc${process.pid}-${Date.now().toString(36)}`;
const carrier = `${run}-a`;
const published: RoutingConfigVersionRecord[] = [];
const publish = async (r: RoutingConfigVersionRecord) => void published.push(r);
const brokerDown = async () => {
  throw new Error('broker down');
};
const author = { createdBy: 'spec', comment: '' };
const rules = (c: string) => `currency: EUR\nrules:\n  - id: uk\n    match: { country: GB }\n    action: { type: fixed, carriers: [${c}] }\n`;
const card = (priceMicros: number) => ({ carrier, currency: 'EUR', effectiveAtMs: Date.now() - 1000, entries: [{ prefix: '+44', country: '', network: '', priceMicros }] });

afterAll(async () => {
  await pool.query(`DELETE FROM routing_config_versions WHERE name LIKE $1`, [`${run}%`]);
  await pool.query(`DELETE FROM rate_cards WHERE carrier_id LIKE $1`, [`${run}%`]);
  await pool.end();
});

describe('routing configuration store', () => {
  it('refuses a bad file naming the rule and the field, and stores nothing', async () => {
    const name = `${run}-bad`;
    const bad = `rules:\n  - id: uk\n    match: { country: GB }\n    action: { type: cheapest, carriers: [${carrier}] }\n`;
    const err = await importRoutes(pool, name, bad, author, publish).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RoutingConfigError);
    expect((err as RoutingConfigError).code).toBe('ROUTING.INVALID_RULES');
    expect((err as Error).message).toMatch(/rule 1 \(uk\).*type/);
    await expect(importRoutes(pool, name, 'rules: [: oops', author, publish)).rejects.toThrow(/not YAML/);
    expect(await latestRoutingConfig(pool, name)).toBeUndefined();
  });

  it('numbers versions 1, 2, 3; an unchanged file makes none; a rate card import pins its card; a rollback copies', async () => {
    const name = `${run}-main`;
    await importRateCard(pool, card(10_000));
    const v1 = await importRoutes(pool, name, rules(carrier), { createdBy: 'ops@host', comment: 'first' }, publish);
    expect(v1).toMatchObject({ unchanged: false, record: { version: 1, action: 'import-routes', createdBy: 'ops@host', comment: 'first', rateCardPins: { [carrier]: 1 } } });
    expect(published.at(-1)).toEqual(v1.record);
    expect(await importRoutes(pool, name, rules(carrier), author, publish)).toMatchObject({ unchanged: true, record: { version: 1 } });

    const priced = await importRateCardVersion(pool, name, card(9_000), author, publish);
    expect(priced.card.version).toBe(2);
    expect(priced.config.record).toMatchObject({ version: 2, action: 'import-rate-card', routesYaml: rules(carrier), rateCardPins: { [carrier]: 2 }, comment: `rate card ${carrier} v2` });

    const other = `${run}-b`;
    const v3 = await importRoutes(pool, name, rules(other), author, publish);
    expect(v3.record).toMatchObject({ version: 3, rateCardPins: { [carrier]: 2 } });

    const v4 = await rollbackRoutingConfig(pool, name, 1, author, publish);
    expect(v4.record).toMatchObject({ version: 4, action: 'rollback', sourceVersion: 1, routesYaml: rules(carrier), rateCardPins: { [carrier]: 1 }, contentSha256: v1.record!.contentSha256 });
    expect((await listRoutingConfigs(pool, name)).map((v) => v.version)).toEqual([4, 3, 2, 1]);
    expect((await getRoutingConfig(pool, name)).version).toBe(4);
    expect((await getRoutingConfig(pool, name, 3)).routesYaml).toBe(rules(other));
    await expect(getRoutingConfig(pool, name, 9)).rejects.toMatchObject({ code: 'ROUTING.CONFIG_VERSION_NOT_FOUND' });
    await expect(rollbackRoutingConfig(pool, name, 9, author, publish)).rejects.toMatchObject({ code: 'ROUTING.CONFIG_VERSION_NOT_FOUND' });
    expect(published.map((r) => r.version)).toEqual([1, 2, 3, 4]);
  });

  it('a version Kafka did not take is not stored', async () => {
    const name = `${run}-down`;
    const err = await importRoutes(pool, name, rules(carrier), author, brokerDown).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RoutingConfigVersionError);
    expect(err).toMatchObject({ code: 'ROUTING.CONFIG_NOT_PUBLISHED', message: expect.stringMatching(/nothing was stored/) });
    expect(await latestRoutingConfig(pool, name)).toBeUndefined();
  });

  it('concurrent imports get consecutive versions, published in their order', async () => {
    const name = `${run}-race`;
    const order: number[] = [];
    const slowPublish = async (r: RoutingConfigVersionRecord) => {
      await new Promise((done) => setTimeout(done, 30));
      order.push(r.version);
    };
    const results = await Promise.all([1, 2, 3, 4].map((i) => importRoutes(pool, name, rules(`${run}-c${i}`), author, slowPublish)));
    expect(results.map((r) => r.record!.version).sort()).toEqual([1, 2, 3, 4]);
    expect(order).toEqual([1, 2, 3, 4]);
  });
});
