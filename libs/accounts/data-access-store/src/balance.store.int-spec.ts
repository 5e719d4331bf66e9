// Against the real PostgreSQL of DATABASE_URL (migrated by npm test / infra:up).
import { AccountError, closeReservation, type Closing, type OpenReservation } from '@smsgw/accounts/domain';
import { Pool } from 'pg';
import { createAccount } from './account.store';
import { closeReservations, creditAccount, findOpenReservations, getBalance, getSpend, reserveSpend, setCreditLimit, type ReservationRequest } from './balance.store';

const pool = new Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw', max: 12 });
const run = `bal-${process.pid}-${Date.now().toString(36)}`;
let seq = 0;
const msg = (accountId: string, amountMicros: number, currency = 'EUR'): ReservationRequest => ({ accountId, messageId: `${run}-m${++seq}`, amountMicros, currency });
const account = async (name: string) => (await createAccount(pool, `${run}-${name}`)).account.id;

afterAll(async () => {
  const ids = `SELECT id FROM accounts WHERE name LIKE '${run}%'`;
  await pool.query(`DELETE FROM account_ledger WHERE account_id IN (${ids})`);
  await pool.query(`DELETE FROM account_balances WHERE account_id IN (${ids})`);
  await pool.query(`DELETE FROM api_keys WHERE account_id IN (${ids})`);
  await pool.query(`DELETE FROM accounts WHERE name LIKE $1`, [`${run}%`]);
  await pool.end();
});

describe('balance store', () => {
  it('reserves a batch in order while it fits and says which did not, with what is left', async () => {
    const a = await account('a');
    await creditAccount(pool, a, 100_000, 'EUR', 'top-up');
    const batch = [msg(a, 40_000), msg(a, 40_000), msg(a, 30_000), msg(a, 10_000)];
    const out = await reserveSpend(pool, batch);
    expect(out[0]).toBeUndefined();
    expect(out[1]).toBeUndefined();
    expect(out[2]).toEqual({ reason: 'insufficient', availableMicros: 20_000, amountMicros: 30_000, currency: 'EUR' });
    expect(out[3]).toMatchObject({ reason: 'insufficient', availableMicros: 20_000 }); // after the first refusal, the rest wait too
    expect(await getBalance(pool, a)).toMatchObject({ balanceMicros: 20_000, reservedMicros: 80_000, availableMicros: 20_000 });
    // The same message ids again (a replayed record): no second charge.
    expect(await reserveSpend(pool, batch.slice(0, 2))).toEqual([undefined, undefined]);
    expect((await getBalance(pool, a))?.balanceMicros).toBe(20_000);
  });

  it('leaves accounts without a balance unlimited, and refuses a price in another currency', async () => {
    const free = await account('free');
    const usd = await account('usd');
    await creditAccount(pool, usd, 1_000_000, 'USD');
    expect(await reserveSpend(pool, [msg(free, 10 ** 12), msg(usd, 1, 'EUR')])).toEqual([undefined, { reason: 'currency', accountCurrency: 'USD', currency: 'EUR' }]);
    expect(await getBalance(pool, free)).toBeUndefined();
    await expect(creditAccount(pool, usd, 5, 'EUR')).rejects.toBeInstanceOf(AccountError);
    await expect(creditAccount(pool, usd, 0, 'USD')).rejects.toThrow(/non-zero/);
  });

  it('a credit limit lets the balance go below zero that far', async () => {
    const c = await account('credit');
    await setCreditLimit(pool, c, 50_000, 'EUR');
    expect(await reserveSpend(pool, [msg(c, 30_000), msg(c, 30_000)])).toEqual([undefined, expect.objectContaining({ availableMicros: 20_000 })]);
    expect(await getBalance(pool, c)).toMatchObject({ balanceMicros: -30_000, creditLimitMicros: 50_000, availableMicros: 20_000 });
  });

  it('settles at the charged price and refunds, once each, the ledger adding up to the balance', async () => {
    const s = await account('settle');
    await creditAccount(pool, s, 100_000, 'EUR');
    const [routed, failed, pending] = [msg(s, 30_000), msg(s, 30_000), msg(s, 30_000)];
    await reserveSpend(pool, [routed, failed, pending]);
    const open = await findOpenReservations(pool, [routed.messageId, failed.messageId, pending.messageId]);
    expect(open).toHaveLength(3);
    const byId = new Map(open.map((o) => [o.reservation.messageId, o.reservation]));
    const of = (id: string) => byId.get(id) as OpenReservation;
    const settle = closeReservation(of(routed.messageId), { chargedMicros: 12_000, chargeCurrency: 'EUR', final: false }) as Closing;
    const refund = closeReservation(of(failed.messageId), { chargedMicros: 0, chargeCurrency: '', final: true }) as Closing;
    expect(await closeReservations(pool, [settle, refund])).toBe(2);
    expect(await closeReservations(pool, [settle, refund])).toBe(0); // a replayed status event
    expect(await getBalance(pool, s)).toMatchObject({ balanceMicros: 100_000 - 12_000 - 30_000, reservedMicros: 30_000, spentMicros: 12_000 });
    expect((await findOpenReservations(pool, [routed.messageId, failed.messageId, pending.messageId])).map((o) => o.reservation.messageId)).toEqual([pending.messageId]);
    const { rows } = await pool.query(`SELECT sum(amount_micros)::bigint AS total FROM account_ledger WHERE account_id = $1`, [s]);
    expect(Number(rows[0].total)).toBe(58_000);
  });

  it("gives the day's spend by currency: reserved, settled (what was charged), refunded, credited", async () => {
    const s = await account('spend');
    await creditAccount(pool, s, 100_000, 'EUR');
    const [routed, failed] = [msg(s, 30_000), msg(s, 20_000)];
    await reserveSpend(pool, [routed, failed]);
    const byId = new Map((await findOpenReservations(pool, [routed.messageId, failed.messageId])).map((o) => [o.reservation.messageId, o.reservation]));
    const settle = closeReservation(byId.get(routed.messageId) as OpenReservation, { chargedMicros: 12_000, chargeCurrency: 'EUR', final: false }) as Closing;
    const refund = closeReservation(byId.get(failed.messageId) as OpenReservation, { chargedMicros: 0, chargeCurrency: '', final: true }) as Closing;
    await closeReservations(pool, [settle, refund]);
    // An entry on another day, moved there: outside a one-day range, inside a two-day one.
    await pool.query(`UPDATE account_ledger SET created_at = now() - interval '1 day' WHERE account_id = $1 AND kind = 'credit'`, [s]);
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const startOfToday = Date.parse(`${today}T00:00:00Z`);
    expect(await getSpend(pool, s, startOfToday, startOfToday + 86_400_000)).toEqual([{ day: today, currency: 'EUR', reservedMicros: 50_000, settledMicros: 12_000, refundedMicros: 20_000, creditedMicros: 0 }]);
    const twoDays = await getSpend(pool, s, startOfToday - 86_400_000, startOfToday + 86_400_000);
    expect(twoDays.map((r) => [r.day, r.creditedMicros])).toEqual([
      [yesterday, 100_000],
      [today, 0],
    ]);
    expect(await getSpend(pool, `${run}-nobody`, 0, Date.now() + 1)).toEqual([]);
  });

  it('concurrent batches on many connections never reserve more than the balance', async () => {
    const r = await account('race');
    await creditAccount(pool, r, 1_000_000, 'EUR');
    const other = await account('race2');
    await creditAccount(pool, other, 1_000_000, 'EUR');
    // 10 batches × 20 messages × 14,000 = 1,400,000 asked of each account, 1,000,000 there.
    const batches = Array.from({ length: 10 }, (_, b) => Array.from({ length: 20 }, (_, i) => msg((b + i) % 2 ? r : other, 14_000)));
    const results = await Promise.all(batches.map((b) => reserveSpend(pool, b)));
    const fitted = results.flat().filter((x) => x === undefined).length;
    for (const id of [r, other]) {
      const b = await getBalance(pool, id);
      expect(b?.balanceMicros).toBeGreaterThanOrEqual(0);
      expect(b?.balanceMicros).toBeLessThan(14_000); // as many as fit were taken
      expect((b?.balanceMicros ?? 0) + (b?.reservedMicros ?? 0)).toBe(1_000_000);
    }
    expect(fitted).toBe(2 * Math.floor(1_000_000 / 14_000));
  });
});
