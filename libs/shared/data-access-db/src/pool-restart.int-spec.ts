// createPool against a private PostgreSQL that is really stopped (immediate) and started again:
// a checked-out client whose server goes away between two queries must not crash the process
// (pg emits 'error' on it), and the pool must serve queries again once the server is back.
import type { Pool } from 'pg';
import { createPool, startPrivatePostgres, type PrivatePostgres } from './index';

jest.setTimeout(60_000);

let pg: PrivatePostgres;
let pool: Pool;
const errors: string[] = [];

beforeAll(async () => {
  pg = await startPrivatePostgres();
  pool = createPool(pg.url, { max: 2, onIdleError: (err) => errors.push(err.message) });
});
afterAll(async () => {
  await pool?.end().catch(() => undefined);
  pg?.destroy();
});

it('rides out a restart: errors reported, no crash, queries work again', async () => {
  const held = await pool.connect(); // checked out, as inside a transaction waiting on Kafka
  await held.query('SELECT 1');
  await pool.query('SELECT 1'); // and one idle client
  pg.stopImmediate();
  await new Promise((r) => setTimeout(r, 300));
  expect(errors.length).toBeGreaterThanOrEqual(1);
  await expect(held.query('SELECT 1')).rejects.toThrow();
  held.release(true);
  await expect(pool.query('SELECT 1')).rejects.toThrow();
  pg.start();
  const { rows } = await pool.query<{ n: number }>('SELECT 1 AS n');
  expect(rows).toEqual([{ n: 1 }]);
});
