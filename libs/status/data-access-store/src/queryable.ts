import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';

/** Anything that runs a query: a Pool, or a PoolClient inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

// Deadlocks and serialization failures are safe to retry: the transaction was rolled back whole.
const RETRYABLE = new Set(['40P01', '40001']);

export interface TransactionOptions {
  /** Attempts after the first for deadlocks and serialization failures. */
  retries?: number;
  /** Called before each retry (for a metric or a log line). */
  onRetry?: (err: Error, attempt: number) => void;
}

/**
 * Runs `work` in one transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when
 * it throws. Deadlocks (projection batches of different partitions may touch the same rows) are
 * retried with a short jittered back-off; `work` must therefore be safe to run again.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const retries = options.retries ?? 5;
  for (let attempt = 0; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      const code = (err as { code?: string }).code;
      if (attempt < retries && code && RETRYABLE.has(code)) {
        options.onRetry?.(err as Error, attempt + 1);
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
        continue;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
