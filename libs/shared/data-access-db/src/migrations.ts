import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createPool, toDatabaseError } from './connection';
import { MigrationChecksumError, MigrationFailedError, MigrationFileError, MigrationLockTimeoutError } from './errors';

/**
 * Finds the SQL folder: beside src/ when run from source; when run from an app built by tsc
 * (dist/apps/<app>/libs/shared/data-access-db/src), the repository's copy above it.
 */
export function findMigrationsDir(start: string): string {
  const beside = join(start, '..', 'migrations');
  if (existsSync(beside)) return beside;
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'libs', 'shared', 'data-access-db', 'migrations');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return beside;
  }
}

/** The SQL files of this library, applied in order of their NNNN prefix. */
export const MIGRATIONS_DIR = findMigrationsDir(__dirname);

/** pg advisory lock key held while migrating ("smsgw" in ASCII), so concurrent starters queue. */
export const MIGRATION_LOCK_KEY = '495757518711';

export interface Migration {
  version: number;
  name: string;
  /** file name, e.g. 0001_status_store.sql */
  file: string;
  sql: string;
  /** sha256 of the SQL with line endings normalised */
  checksum: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
  executionMs: number;
}

/** The slice of pg's Pool and PoolClient the runner uses (so tests can fake it). */
export interface MigrationClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; rowCount?: number | null }>;
  release(err?: Error | boolean): void;
}
export interface MigrationPool {
  connect(): Promise<MigrationClient>;
  options?: { connectionString?: string };
}

export interface MigrateOptions {
  /** folder of NNNN_name.sql files; default MIGRATIONS_DIR */
  dir?: string;
  /** the migrations themselves, instead of a folder */
  migrations?: Migration[];
  lockKey?: string;
  /** how long to wait for another process's migration lock; default 60 s */
  lockTimeoutMs?: number;
  /** progress lines, e.g. "applied 0001_status_store.sql in 12 ms" */
  log?: (line: string) => void;
}

export interface MigrateResult {
  /** migrations applied by this call, in order */
  applied: Migration[];
  /** how many were applied before this call */
  alreadyApplied: number;
  /** rows of schema_migrations with no file here (a newer release ran them) */
  unknown: AppliedMigration[];
}

export interface MigrationStatus {
  applied: AppliedMigration[];
  pending: Migration[];
  unknown: AppliedMigration[];
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9][a-z0-9_]*)\.sql$/;

export function checksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export function migrationFromFile(file: string, sql: string): Migration {
  const match = FILE_PATTERN.exec(file);
  if (!match) throw new MigrationFileError(`migration file ${file} is misnamed: use NNNN_lower_snake_name.sql, e.g. 0002_add_schedules.sql`);
  return { version: Number(match[1]), name: match[2], file, sql, checksum: checksum(sql) };
}

/** Reads every .sql file of the folder, sorted by version; misnamed or duplicate versions throw. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  return sortMigrations(files.map((f) => migrationFromFile(f, readFileSync(join(dir, f), 'utf8'))));
}

export function sortMigrations(migrations: Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].version === sorted[i - 1].version) {
      throw new MigrationFileError(`migrations ${sorted[i - 1].file} and ${sorted[i].file} share version ${sorted[i].version}: renumber one`);
    }
  }
  return sorted;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version      int         PRIMARY KEY,
  name         text        NOT NULL,
  checksum     text        NOT NULL,
  applied_at   timestamptz NOT NULL DEFAULT now(),
  execution_ms int         NOT NULL
)`;

/**
 * Applies the pending migrations in order, each in its own transaction, recording them in
 * schema_migrations. Holds a pg advisory lock meanwhile, so concurrent callers wait and then find
 * nothing to do. Throws MigrationChecksumError when an applied file was edited.
 */
export async function migrate(target: MigrationPool | string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = options.migrations ? sortMigrations(options.migrations) : loadMigrations(options.dir);
  return withLockedClient(target, options, async (client) => {
    const applied = await readApplied(client);
    const { pending, unknown } = compare(migrations, applied);
    const newest = applied.length ? applied[applied.length - 1].version : 0;
    const late = pending.find((m) => m.version < newest);
    if (late) {
      throw new MigrationFileError(`migration ${late.file} is older than the newest applied one (version ${newest}): renumber it above ${newest}`);
    }
    for (const migration of pending) {
      const started = Date.now();
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)', [
          migration.version,
          migration.name,
          migration.checksum,
          Date.now() - started,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new MigrationFailedError(migration.file, describeSqlError(err, migration.sql), err);
      }
      options.log?.(`applied ${migration.file} in ${Date.now() - started} ms`);
    }
    return { applied: pending, alreadyApplied: applied.length, unknown };
  });
}

/** What is applied and what is pending, without changing anything (checksums are checked too). */
export async function migrationStatus(target: MigrationPool | string, options: MigrateOptions = {}): Promise<MigrationStatus> {
  const migrations = options.migrations ? sortMigrations(options.migrations) : loadMigrations(options.dir);
  const { client, done } = await connect(target);
  try {
    const { rows } = await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
    const applied = rows[0]?.present ? await readApplied(client) : [];
    return { applied, ...compare(migrations, applied) };
  } catch (err) {
    throw toDatabaseError(err, urlOf(target));
  } finally {
    await done();
  }
}

function compare(migrations: Migration[], applied: AppliedMigration[]) {
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  for (const m of migrations) {
    const row = byVersion.get(m.version);
    if (row && row.checksum !== m.checksum) throw new MigrationChecksumError(m.file, row.checksum, m.checksum);
  }
  const known = new Set(migrations.map((m) => m.version));
  return {
    pending: migrations.filter((m) => !byVersion.has(m.version)),
    unknown: applied.filter((a) => !known.has(a.version)),
  };
}

async function readApplied(client: MigrationClient): Promise<AppliedMigration[]> {
  const { rows } = await client.query('SELECT version, name, checksum, applied_at, execution_ms FROM schema_migrations ORDER BY version');
  return rows.map((r) => ({
    version: r.version as number,
    name: r.name as string,
    checksum: r.checksum as string,
    appliedAt: r.applied_at as Date,
    executionMs: r.execution_ms as number,
  }));
}

async function withLockedClient<T>(target: MigrationPool | string, options: MigrateOptions, work: (client: MigrationClient) => Promise<T>): Promise<T> {
  const { client, done } = await connect(target);
  const lockKey = options.lockKey ?? MIGRATION_LOCK_KEY;
  let locked = false;
  let broken: Error | undefined;
  try {
    locked = await acquireLock(client, lockKey, options.lockTimeoutMs ?? 60_000, options.log);
    await client.query(CREATE_TABLE);
    return await work(client);
  } catch (err) {
    if (!(err instanceof MigrationFailedError)) broken = err as Error;
    throw toDatabaseError(err, urlOf(target));
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => undefined);
    await done(broken);
  }
}

async function acquireLock(client: MigrationClient, key: string, timeoutMs: number, log?: (line: string) => void): Promise<boolean> {
  const started = Date.now();
  // pg_try_advisory_lock in a loop rather than pg_advisory_lock, so the wait has a limit.
  for (let attempt = 0; ; attempt++) {
    const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS locked', [key]);
    if (rows[0]?.locked) return true;
    const waited = Date.now() - started;
    if (waited >= timeoutMs) throw new MigrationLockTimeoutError(waited);
    if (attempt === 0) log?.('waiting for another process to finish migrating');
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, timeoutMs - waited)));
  }
}

async function connect(target: MigrationPool | string): Promise<{ client: MigrationClient; done: (err?: Error) => Promise<void> }> {
  const pool: MigrationPool & { end?: () => Promise<void> } = typeof target === 'string' ? createPool(target, { max: 1 }) : target;
  const ownPool = typeof target === 'string';
  let client: MigrationClient;
  try {
    client = await pool.connect();
  } catch (err) {
    if (ownPool) await pool.end?.().catch(() => undefined);
    throw toDatabaseError(err, urlOf(target));
  }
  return {
    client,
    done: async (err) => {
      client.release(err ?? false);
      if (ownPool) await pool.end?.().catch(() => undefined);
    },
  };
}

function urlOf(target: MigrationPool | string): string {
  return typeof target === 'string' ? target : (target.options?.connectionString ?? 'the configured database');
}

/** pg's message plus the line of the SQL file it points at. */
export function describeSqlError(err: unknown, sql: string): string {
  const e = err as { message?: string; position?: string };
  const message = e?.message ?? String(err);
  const position = Number(e?.position);
  if (!position) return message;
  const line = sql.slice(0, position - 1).split('\n').length;
  return `${message} (line ${line})`;
}
