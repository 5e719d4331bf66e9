import { Client, Pool, type PoolConfig } from 'pg';
import { DatabaseError, DatabaseUnreachableError, DatabaseUrlError } from './errors';

export interface DatabaseTarget {
  /** host or socket directory */
  host: string;
  port: number;
  user: string;
  database: string;
}

/** Parses a postgres:// or postgresql:// URL (throws DatabaseUrlError). */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseUrlError(url, 'not a URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseUrlError(redactUrl(url), `scheme "${parsed.protocol.replace(/:$/, '')}" is not postgres`);
  }
  const port = parsed.port ? Number(parsed.port) : 5432;
  const user = decodeURIComponent(parsed.username) || parsed.searchParams.get('user') || 'postgres';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user;
  if (database.includes('/')) throw new DatabaseUrlError(redactUrl(url), `"${database}" is not a database name`);
  const host = decodeURIComponent(parsed.hostname) || parsed.searchParams.get('host') || 'localhost';
  return { host, port, user, database };
}

/** The URL with its password masked, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/** The same server and credentials, another database (e.g. `postgres` for maintenance, `smsgw_test`). */
export function databaseUrlWithName(url: string, database: string): string {
  parseDatabaseUrl(url);
  const parsed = new URL(url);
  parsed.pathname = '/' + encodeURIComponent(database);
  return parsed.toString();
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  ENOENT: 'no server socket at that path',
};

/**
 * Turns a connection-level failure (network, auth, missing database, server starting) into a
 * DatabaseUnreachableError with a hint; any other error is returned unchanged.
 */
export function toDatabaseError(err: unknown, url: string): unknown {
  if (err instanceof DatabaseError) return err;
  const e = err as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const code = e?.code ?? e?.errors?.[0]?.code;
  const shown = redactUrl(url);
  const down = 'start PostgreSQL there, or set DATABASE_URL to a running server';
  if (code && NETWORK_REASONS[code]) return new DatabaseUnreachableError(shown, NETWORK_REASONS[code], down, err);
  if (/timeout/i.test(e?.message ?? '') && !code) return new DatabaseUnreachableError(shown, 'connection timed out', down, err);
  if (code === '28P01' || code === '28000') {
    return new DatabaseUnreachableError(shown, `login refused (${firstLine(e.message)})`, 'fix the user or password in DATABASE_URL', err);
  }
  if (code === '3D000') {
    return new DatabaseUnreachableError(shown, 'the database does not exist', 'run `npm run infra:up` to create it, or fix the name in DATABASE_URL', err);
  }
  if (code === '57P03') return new DatabaseUnreachableError(shown, 'the server is starting up or shutting down', 'retry in a few seconds', err);
  return err;
}

const firstLine = (s: string | undefined) => (s ?? '').split('\n')[0];

export interface PoolOptions extends Omit<PoolConfig, 'connectionString'> {
  /**
   * Called for connection errors of pooled clients, idle or checked out (server restart, network
   * drop); default: a process warning. The query in flight, if any, fails on its own.
   */
  onIdleError?: (err: Error) => void;
}

/**
 * A pg Pool for the URL, with a connect timeout (pg's default waits forever). It survives a
 * server restart: broken clients are dropped, and the next query connects again.
 */
export function createPool(url: string, options: PoolOptions = {}): Pool {
  parseDatabaseUrl(url);
  const { onIdleError, ...config } = options;
  const pool = new Pool({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: 'smsgw',
    ...config,
  });
  const onError = onIdleError ?? ((err: Error) => process.emitWarning(`PostgreSQL client error: ${err.message}`));
  // pg-pool listens for errors only while a client is idle; a checked-out client whose server goes
  // away between two queries (a transaction waiting on Kafka) emits 'error' with no listener,
  // which kills the process. Every client gets one for its whole life.
  pool.on('connect', (client) => client.on('error', onError));
  pool.on('error', () => undefined); // the client's own listener above has reported it
  return pool;
}

/** Runs `SELECT 1`; throws DatabaseUnreachableError when the server does not answer. */
export async function pingDatabase(url: string, timeoutMs = 5_000): Promise<void> {
  parseDatabaseUrl(url);
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw toDatabaseError(err, url);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface EnsureDatabaseResult {
  database: string;
  created: boolean;
}

/**
 * Creates the URL's database when missing, connecting to the `postgres` maintenance database of
 * the same server. Safe to run from several processes at once.
 */
export async function ensureDatabase(url: string, options: { maintenanceDatabase?: string } = {}): Promise<EnsureDatabaseResult> {
  const { database, user } = parseDatabaseUrl(url);
  const maintenanceUrl = databaseUrlWithName(url, options.maintenanceDatabase ?? 'postgres');
  const client = new Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return { database, created: false };
    await client.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
    return { database, created: true };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '42P04') return { database, created: false }; // another process created it first
    if (code === '42501') {
      throw new DatabaseError(
        'DB.CREATE_DENIED',
        `user "${user}" may not create database "${database}" on ${redactUrl(url)}: create it yourself, or use a user with CREATEDB`,
        { cause: err },
      );
    }
    if (code === '3D000') {
      throw new DatabaseError('DB.NO_MAINTENANCE_DB', `cannot create "${database}": ${redactUrl(maintenanceUrl)} does not exist — create the database yourself`, { cause: err });
    }
    // Name the URL the user gave, not the maintenance one.
    throw toDatabaseError(err, url);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function quoteIdentifier(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
