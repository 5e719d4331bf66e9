import type { Pool } from 'pg';
import { createPool, databaseUrlWithName, ensureDatabase, migrate, parseDatabaseUrl } from '@smsgw/shared/data-access-db';
import { ScheduleStore, type HeldMessage } from './schedule.store';

// Real PostgreSQL, in a database of its own: the release loop takes every due row of its table,
// so it must not meet the end-to-end suites' scheduled messages in the shared test database.
const base = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw_test';
const url = databaseUrlWithName(base, `${parseDatabaseUrl(base).database}_schedule`);
let pool: Pool;
let store: ScheduleStore;

beforeAll(async () => {
  await ensureDatabase(url);
  await migrate(url);
  pool = createPool(url, { max: 4 });
  store = new ScheduleStore(pool);
  await pool.query('DELETE FROM scheduled_messages'); // this test's own database: rows of an interrupted run
});
const run = `it-${Date.now().toString(36)}`;
const id = (n: string) => `${run}-${n}`;
const held = (n: string, sendAtMs: number): HeldMessage => ({ messageId: id(n), sendAtMs, accepted: Buffer.from(`event ${n}`) });

async function state(n: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ state: string }>('SELECT state FROM scheduled_messages WHERE message_id = $1', [id(n)]);
  return rows[0]?.state;
}

/** Releases what is due, checking that it is this run's. */
async function releaseMine(publish: (due: HeldMessage[]) => Promise<void> = async () => undefined): Promise<string[]> {
  const released: string[] = [];
  await store.releaseDue(1000, async (due) => {
    const foreign = due.filter((d) => !d.messageId.startsWith(run));
    if (foreign.length) throw new Error('another test run has due rows in this database'); // rolls back, nothing released
    await publish(due);
    released.push(...due.map((d) => d.messageId.slice(run.length + 1)));
  });
  return released.sort();
}

afterAll(async () => {
  await pool?.query('DELETE FROM scheduled_messages WHERE message_id LIKE $1', [`${run}-%`]);
  await pool?.end();
});

describe('ScheduleStore (PostgreSQL)', () => {
  it('holds each message once and releases it when due, with the event bytes as held', async () => {
    const now = Date.now();
    expect(await store.hold([held('due', now - 1_000), held('later', now + 60_000), held('due', now - 1_000)])).toEqual({ scheduled: 2, pumping: 0 });
    expect(await store.hold([held('due', now - 1_000)])).toEqual({ scheduled: 0, pumping: 0 }); // a redelivered event
    let bytes = '';
    expect(await releaseMine(async (due) => void (bytes = Buffer.from(due[0].accepted).toString()))).toEqual(['due']);
    expect(bytes).toBe('event due');
    expect(await state('due')).toBe('released');
    expect(await state('later')).toBe('pending');
    expect(await releaseMine()).toEqual([]); // released once
  });

  it('a failed publish leaves the messages pending for the next round', async () => {
    await store.hold([held('retry', Date.now() - 10)]);
    await expect(store.releaseDue(1000, async () => Promise.reject(new Error('broker down')))).rejects.toThrow('broker down');
    expect(await state('retry')).toBe('pending');
    expect(await releaseMine()).toEqual(['retry']);
  });

  it('two replicas releasing at once never release the same message twice', async () => {
    const now = Date.now();
    await store.hold(Array.from({ length: 40 }, (_, i) => held(`race${i}`, now - 5)));
    const seen: string[] = [];
    const slowPublish = async (due: HeldMessage[]) => {
      seen.push(...due.map((d) => d.messageId));
      await new Promise((r) => setTimeout(r, 50));
    };
    await Promise.all([store.releaseDue(25, slowPublish), store.releaseDue(25, slowPublish), store.releaseDue(25, slowPublish)]);
    const mine = seen.filter((m) => m.startsWith(`${run}-race`));
    expect(new Set(mine).size).toBe(mine.length);
    expect(mine.length).toBe(40);
  });

  it('cancels a pending hold; a released one cannot be canceled; a cancel that comes first wins over the late hold', async () => {
    const now = Date.now();
    await store.hold([held('cancel-me', now + 60_000), held('gone', now - 5)]);
    await releaseMine();
    expect(await store.cancel(id('cancel-me'))).toBe('canceled');
    expect(await store.cancel(id('cancel-me'))).toBe('already-canceled');
    expect(await store.cancel(id('gone'))).toBe('released');

    expect(await store.cancel(id('early'))).toBe('canceled'); // the accepted event has not reached the scheduler yet
    expect(await store.hold([held('early', now - 5)])).toEqual({ scheduled: 0, pumping: 0 });
    expect(await state('early')).toBe('canceled');
    expect(await releaseMine()).toEqual([]);
  });

  it('sweeps released and canceled rows past the retention, never pending ones', async () => {
    await store.hold([held('old-pending', Date.now() + 60_000)]);
    await store.cancel(id('old-canceled'));
    await pool.query(`UPDATE scheduled_messages SET updated_at = now() - interval '8 days' WHERE message_id = ANY($1)`, [[id('old-pending'), id('old-canceled')]]);
    expect(await store.sweep(7 * 24 * 3_600_000)).toBeGreaterThanOrEqual(1);
    expect(await state('old-canceled')).toBeUndefined();
    expect(await state('old-pending')).toBe('pending');
  });
});
