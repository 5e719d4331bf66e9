// Usage by day against the real PostgreSQL of DATABASE_URL; rows of this run's own accounts.
import { createPool, migrate } from '@smsgw/shared/data-access-db';
import { MessageStatus as S } from '@smsgw/shared/util-proto';
import type { Pool } from 'pg';
import { getUsage } from './usage.reader';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
const run = `usage-${process.pid}-${Date.now().toString(36)}`;
let pool: Pool;
let n = 0;
const insert = (clientId: string, acceptedAt: string, status: S, segments: number) =>
  pool.query(`INSERT INTO messages (id, status, status_rank, to_number, sender, segment_count, accepted_at, client_id) VALUES ($1, $2, 0, '+447911123456', 'SMSGW', $3, $4, $5)`, [
    `${run}-${n++}`,
    status,
    segments,
    acceptedAt,
    clientId,
  ]);

beforeAll(async () => {
  pool = createPool(url, { max: 2 });
  await migrate(pool);
});
afterAll(async () => {
  await pool.query('DELETE FROM messages WHERE id LIKE $1', [`${run}-%`]);
  await pool.end();
});

describe('getUsage', () => {
  it("counts one account's messages and segments by UTC day and status, within the range only", async () => {
    const a = `${run}-a`;
    await insert(a, '2026-11-30T23:59:59Z', S.DELIVERED, 2);
    await insert(a, '2026-12-01T00:00:00Z', S.DELIVERED, 1);
    await insert(a, '2026-12-01T10:00:00+02:00', S.DELIVERED, 3);
    await insert(a, '2026-12-01T12:00:00Z', S.FAILED, 1);
    await insert(a, '2026-12-02T00:00:00Z', S.DELIVERED, 1); // after the range
    await insert(`${run}-b`, '2026-12-01T12:00:00Z', S.DELIVERED, 5); // another account
    const rows = await getUsage(pool, a, Date.parse('2026-11-30T00:00:00Z'), Date.parse('2026-12-02T00:00:00Z'));
    expect(rows).toEqual([
      { day: '2026-11-30', status: S.DELIVERED, messages: 1, segments: 2 },
      { day: '2026-12-01', status: S.DELIVERED, messages: 2, segments: 4 },
      { day: '2026-12-01', status: S.FAILED, messages: 1, segments: 1 },
    ]);
    expect(await getUsage(pool, `${run}-none`, 0, Date.now())).toEqual([]);
  });
});
