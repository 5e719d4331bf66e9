// Against the real PostgreSQL of DATABASE_URL: messages without a sender go from the account's
// pool, each handset from the same number every time; repeats cost one read per batch.
import { createAccount } from '@smsgw/accounts/data-access-store';
import { addNumber, removeNumber } from '@smsgw/twoway/data-access-store';
import { SendRequest } from '@smsgw/shared/util-proto';
import { Pool } from 'pg';
import type { IngestEnv } from '../env';
import { POOL_CACHE_MS, StickySenders } from './sticky-senders';
import type { Submission } from './send-message.service';

const pool = new Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw' });
const run = `it-${process.pid}-${Date.now().toString(36)}`;
const tail = String(Date.now()).slice(-5);
const numbers = [`4470091${tail}`, `4470092${tail}`];
let withPool: string;
let withoutPool: string;
let queries = 0;
const counted = new Proxy(pool, {
  get: (target, prop) => (prop === 'query' ? (...args: unknown[]) => (queries++, (target.query as (...a: unknown[]) => unknown).apply(target, args)) : Reflect.get(target, prop)),
});
const senders = new StickySenders(counted, { INGEST_DEFAULT_REGION: 'GB' } as IngestEnv);
const handsets = Array.from({ length: 20 }, (_, i) => `+4479000${tail.slice(0, 3)}${String(i).padStart(2, '0')}`);
const submissions = (clientId: string, from = ''): Submission[] => handsets.map((to) => ({ request: SendRequest.create({ to, from, text: 'Your code is 123456' }), clientId }));
const fromOf = (s: Submission[]) => s.map((x) => x.request.from);

beforeAll(async () => {
  withPool = (await createAccount(pool, `${run}-pool`)).account.id;
  withoutPool = (await createAccount(pool, `${run}-none`)).account.id;
  for (const n of numbers) await addNumber(pool, withPool, n, '');
  await addNumber(pool, withPool, `6${tail}`, 'PIZZA'); // a keyword on a short code: not a sender of the pool
});

afterAll(async () => {
  for (const table of ['sender_assignments', 'inbound_numbers', 'api_keys']) await pool.query(`DELETE FROM ${table} WHERE account_id = ANY($1)`, [[withPool, withoutPool]]);
  await pool.query(`DELETE FROM accounts WHERE id = ANY($1)`, [[withPool, withoutPool]]);
  await pool.end();
});

describe('StickySenders', () => {
  it('sends each handset from one pool number, the same one every time, with one read for repeats', async () => {
    const first = submissions(withPool);
    await senders.fill(first);
    const chosen = fromOf(first);
    expect(new Set(chosen)).toEqual(new Set(numbers.map((n) => `+${n}`))); // both used across 20 handsets
    await new Promise((r) => setTimeout(r, POOL_CACHE_MS)); // the pool read again, then once more within its cache
    const again = submissions(withPool);
    queries = 0;
    await senders.fill(again);
    expect(fromOf(again)).toEqual(chosen);
    expect(queries).toBe(2); // the pool (cache expired) and the assignments; nothing to write
    const third = submissions(withPool);
    queries = 0;
    await senders.fill(third);
    expect(queries).toBe(1);
  });

  it('moves the handsets of a number taken out of the pool, and keeps the others', async () => {
    const before = submissions(withPool);
    await senders.fill(before);
    await removeNumber(pool, numbers[1], '');
    await new Promise((r) => setTimeout(r, POOL_CACHE_MS));
    const after = submissions(withPool);
    await senders.fill(after);
    expect(fromOf(after).every((f) => f === `+${numbers[0]}`)).toBe(true);
    await addNumber(pool, withPool, numbers[1], '');
    await new Promise((r) => setTimeout(r, POOL_CACHE_MS));
    const back = submissions(withPool);
    await senders.fill(back);
    expect(fromOf(back)).toEqual(fromOf(after)); // sticky: the number back in the pool takes nobody's handset
  });

  it('leaves messages that name a sender, and accounts without numbers, alone', async () => {
    const named = submissions(withPool, 'ACME');
    await senders.fill(named);
    expect(fromOf(named).every((f) => f === 'ACME')).toBe(true);
    const none = submissions(withoutPool);
    await senders.fill(none);
    expect(fromOf(none).every((f) => f === '')).toBe(true);
  });
});
