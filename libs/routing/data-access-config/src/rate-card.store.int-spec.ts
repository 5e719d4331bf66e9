// Against the real PostgreSQL of DATABASE_URL (migrated by npm test / infra:up).
import { RoutingConfigError, type RateBook } from '@smsgw/routing/domain';
import { Pool } from 'pg';
import { RateCardWatcher, getRateCard, importRateCard, listRateCards, loadActiveRateCards } from './rate-card.store';

const pool = new Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw' });
const run = `it${process.pid}-${Date.now().toString(36)}`;
const carrier = (name: string) => `${run}-${name}`;
const entry = (prefix: string, priceMicros: number) => ({ prefix, country: '', network: '', priceMicros });
const dest = (e164: string) => ({ e164, country: 'GB', network: '', networkName: '', numberType: 'MOBILE' });

afterAll(async () => {
  await pool.query(`DELETE FROM rate_cards WHERE carrier_id LIKE $1`, [`${run}%`]);
  await pool.end();
});

describe('rate card store', () => {
  it('imports versions 1, 2, … and shows the newest in effect as active', async () => {
    const a = carrier('a');
    const now = Date.now();
    const v1 = await importRateCard(pool, { carrier: a, currency: 'EUR', effectiveAtMs: now - 1000, entries: [entry('+44', 10_000), { prefix: '', country: 'FR', network: '', priceMicros: 30_000 }] });
    expect(v1).toMatchObject({ carrier: a, version: 1, currency: 'EUR', entryCount: 2, active: true });
    const v2 = await importRateCard(pool, { carrier: a, currency: 'EUR', effectiveAtMs: now + 3_600_000, entries: [entry('+44', 9_000)] });
    expect(v2).toMatchObject({ version: 2, active: false });
    expect((await listRateCards(pool, a)).map((c) => [c.version, c.active])).toEqual([
      [2, false],
      [1, true],
    ]);
    expect(await getRateCard(pool, a)).toMatchObject({ card: { version: 1 }, entries: [{ prefix: '+44', priceMicros: 10_000 }, { prefix: '', country: 'FR', priceMicros: 30_000 }] });
    expect((await getRateCard(pool, a, 2))?.entries).toEqual([entry('+44', 9_000)]);
    expect(await getRateCard(pool, a, 7)).toBeUndefined();
    const later = await loadActiveRateCards(pool, now + 7_200_000);
    expect(later.find((c) => c.carrier === a)).toMatchObject({ version: 2, entries: [entry('+44', 9_000)] });
  });

  it('concurrent imports of one carrier get distinct versions', async () => {
    const b = carrier('b');
    const cards = await Promise.all([1, 2, 3].map((p) => importRateCard(pool, { carrier: b, currency: 'EUR', effectiveAtMs: 0, entries: [entry('+44', p)] })));
    expect(cards.map((c) => c.version).sort()).toEqual([1, 2, 3]);
  });

  it('refuses a bad card before writing anything', async () => {
    await expect(importRateCard(pool, { carrier: carrier('c'), currency: 'euro', effectiveAtMs: 0, entries: [entry('+44', 1)] })).rejects.toThrow(RoutingConfigError);
    expect(await listRateCards(pool, carrier('c'))).toEqual([]);
  });

  it('the watcher reloads when an import or an effective date changes the active versions, and not otherwise', async () => {
    const d = carrier('d');
    let clock = Date.now();
    const books: RateBook[] = [];
    const watcher = new RateCardWatcher(pool, { intervalMs: 60_000, onChange: (b) => books.push(b), onError: (err) => books.push(err as never), now: () => clock });
    await watcher.start();
    try {
      expect(watcher.current.priceFor(d, dest('+447700900123'))).toBeUndefined();
      expect(await watcher.refresh()).toBe(false);
      await importRateCard(pool, { carrier: d, currency: 'GBP', effectiveAtMs: clock - 1, entries: [entry('+44', 8_000)] });
      await importRateCard(pool, { carrier: d, currency: 'GBP', effectiveAtMs: clock + 60_000, entries: [entry('+44', 7_000)] });
      expect(await watcher.refresh()).toBe(true);
      expect(watcher.current.priceFor(d, dest('+447700900123'))).toMatchObject({ priceMicros: 8_000, currency: 'GBP', version: 1 });
      clock += 120_000;
      expect(await watcher.refresh()).toBe(true);
      expect(watcher.current.priceFor(d, dest('+447700900123'))).toMatchObject({ priceMicros: 7_000, version: 2 });
      expect(books).toHaveLength(3);
    } finally {
      watcher.stop();
    }
  });
});
