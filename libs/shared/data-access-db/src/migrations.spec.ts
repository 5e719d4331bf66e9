import {
  checksum,
  DatabaseUnreachableError,
  findMigrationsDir,
  loadMigrations,
  migrate,
  migrationFromFile,
  MigrationChecksumError,
  MigrationFailedError,
  MigrationFileError,
  MigrationLockTimeoutError,
  migrationStatus,
  type Migration,
} from './index';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MigrationClient, MigrationPool } from './migrations';

/** Enough of PostgreSQL for the runner: schema_migrations, transactions and one advisory lock. */
class FakeDatabase implements MigrationPool {
  committed: Array<{ version: number; name: string; checksum: string }> = [];
  private pending: typeof this.committed = [];
  executed: string[] = [];
  statements: string[] = [];
  lockedByOther = false;
  /** release the other holder's lock after this many failed tries */
  releaseOtherAfter = Infinity;
  lockHeld = false;
  released = 0;
  private tries = 0;

  async connect(): Promise<MigrationClient> {
    return {
      query: async (sql: string, params: unknown[] = []) => this.query(sql, params),
      release: () => void this.released++,
    };
  }

  private async query(sql: string, params: unknown[]) {
    this.statements.push(sql.split('\n')[0]);
    if (sql.includes('pg_try_advisory_lock')) {
      if (this.lockedByOther && ++this.tries > this.releaseOtherAfter) this.lockedByOther = false;
      this.lockHeld = !this.lockedByOther;
      return { rows: [{ locked: this.lockHeld }] };
    }
    if (sql.includes('pg_advisory_unlock')) {
      this.lockHeld = false;
      return { rows: [{ pg_advisory_unlock: true }] };
    }
    if (sql.startsWith('CREATE TABLE IF NOT EXISTS schema_migrations')) return { rows: [] };
    if (sql.includes('to_regclass')) return { rows: [{ present: true }] };
    if (sql.startsWith('SELECT version')) {
      return { rows: this.committed.map((r) => ({ ...r, applied_at: new Date(0), execution_ms: 1 })) };
    }
    if (sql === 'BEGIN') return { rows: [] };
    if (sql === 'COMMIT') {
      this.committed.push(...this.pending);
      this.pending = [];
      return { rows: [] };
    }
    if (sql === 'ROLLBACK') {
      this.pending = [];
      return { rows: [] };
    }
    if (sql.startsWith('INSERT INTO schema_migrations')) {
      const [version, name, sum] = params as [number, string, string];
      this.pending.push({ version, name, checksum: sum });
      return { rows: [] };
    }
    const broken = sql.indexOf('BROKEN');
    if (broken >= 0) throw Object.assign(new Error('syntax error at or near "BROKEN"'), { code: '42601', position: String(broken + 1) });
    this.executed.push(sql);
    return { rows: [] };
  }
}

const m = (file: string, sql = `-- ${file}\nSELECT 1;`): Migration => migrationFromFile(file, sql);

describe('loadMigrations', () => {
  it('reads the shipped migrations in order', () => {
    const migrations = loadMigrations();
    expect(migrations[0]).toMatchObject({ version: 1, name: 'status_store', file: '0001_status_store.sql' });
    expect(migrations[0].checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(migrations.map((x) => x.version)).toEqual([...migrations.map((x) => x.version)].sort((a, b) => a - b));
  });

  it('finds the repository folder from an app built into dist/', () => {
    const root = mkdtempSync(join(tmpdir(), 'smsgw-find-'));
    try {
      const source = join(root, 'libs/shared/data-access-db/migrations');
      const built = join(root, 'dist/apps/ingest/libs/shared/data-access-db/src');
      mkdirSync(source, { recursive: true });
      mkdirSync(built, { recursive: true });
      expect(findMigrationsDir(built)).toBe(source);
      expect(findMigrationsDir(join(root, 'libs/shared/data-access-db/src'))).toBe(source);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it.each(['1_init.sql', '0001-init.sql', '0001_Init.sql', '0001_.sql', 'init.sql'])('rejects the misnamed file %s', (file) => {
    expect(() => migrationFromFile(file, '')).toThrow(MigrationFileError);
  });

  it('rejects two files with one version', async () => {
    await expect(migrate(new FakeDatabase(), { migrations: [m('0001_a.sql'), m('0001_b.sql')] })).rejects.toThrow(/share version 1/);
  });

  it('checksums ignore CRLF line endings', () => {
    expect(checksum('a\r\nb\r\n')).toBe(checksum('a\nb\n'));
    expect(checksum('a\nb')).not.toBe(checksum('a\nc'));
  });
});

describe('migrate', () => {
  it('applies pending migrations in order, each in a transaction, under the lock', async () => {
    const db = new FakeDatabase();
    const log: string[] = [];
    const result = await migrate(db, { migrations: [m('0002_b.sql'), m('0001_a.sql')], log: (l) => log.push(l) });
    expect(result.applied.map((x) => x.file)).toEqual(['0001_a.sql', '0002_b.sql']);
    expect(result.alreadyApplied).toBe(0);
    expect(db.committed.map((r) => r.version)).toEqual([1, 2]);
    expect(db.statements.filter((s) => /^(BEGIN|COMMIT|-- )/.test(s))).toEqual(['BEGIN', '-- 0001_a.sql', 'COMMIT', 'BEGIN', '-- 0002_b.sql', 'COMMIT']);
    expect(db.statements[0]).toContain('pg_try_advisory_lock');
    expect(db.statements.at(-1)).toContain('pg_advisory_unlock');
    expect(db.released).toBe(1);
    expect(log).toEqual([expect.stringMatching(/^applied 0001_a.sql in \d+ ms$/), expect.stringMatching(/^applied 0002_b.sql/)]);
  });

  it('applies nothing the second time', async () => {
    const db = new FakeDatabase();
    const migrations = [m('0001_a.sql'), m('0002_b.sql')];
    await migrate(db, { migrations });
    const again = await migrate(db, { migrations });
    expect(again).toEqual({ applied: [], alreadyApplied: 2, unknown: [] });
    expect(db.executed).toHaveLength(2);
  });

  it('applies only the new file after an upgrade', async () => {
    const db = new FakeDatabase();
    await migrate(db, { migrations: [m('0001_a.sql')] });
    const result = await migrate(db, { migrations: [m('0001_a.sql'), m('0002_b.sql')] });
    expect(result.applied.map((x) => x.version)).toEqual([2]);
    expect(result.alreadyApplied).toBe(1);
  });

  it('refuses to run when an applied file was edited', async () => {
    const db = new FakeDatabase();
    await migrate(db, { migrations: [m('0001_a.sql', 'SELECT 1;')] });
    const run = migrate(db, { migrations: [m('0001_a.sql', 'SELECT 2;'), m('0002_b.sql')] });
    await expect(run).rejects.toThrow(MigrationChecksumError);
    await expect(migrate(db, { migrations: [m('0001_a.sql', 'SELECT 2;')] })).rejects.toThrow(
      /migration 0001_a.sql was changed after it was applied .* put the change in a new migration/,
    );
    expect(db.committed).toHaveLength(1);
    expect(db.lockHeld).toBe(false);
  });

  it('rolls back a failing migration, keeps the earlier ones, and names the line', async () => {
    const db = new FakeDatabase();
    const run = migrate(db, { migrations: [m('0001_a.sql'), m('0002_b.sql', 'SELECT 1;\nSELECT BROKEN;'), m('0003_c.sql')] });
    await expect(run).rejects.toThrow(MigrationFailedError);
    await expect(migrate(db, { migrations: [m('0002_b.sql', 'SELECT 1;\nSELECT BROKEN;')] })).rejects.toThrow(
      'migration 0002_b.sql failed and was rolled back: syntax error at or near "BROKEN" (line 2)',
    );
    expect(db.committed.map((r) => r.version)).toEqual([1]);
    expect(db.statements).toContain('ROLLBACK');
    expect(db.lockHeld).toBe(false);
  });

  it('waits for another process holding the lock', async () => {
    const db = new FakeDatabase();
    db.lockedByOther = true;
    db.releaseOtherAfter = 2;
    const log: string[] = [];
    const result = await migrate(db, { migrations: [m('0001_a.sql')], log: (l) => log.push(l) });
    expect(result.applied).toHaveLength(1);
    expect(log[0]).toBe('waiting for another process to finish migrating');
  });

  it('gives up on a lock held too long', async () => {
    const db = new FakeDatabase();
    db.lockedByOther = true;
    await expect(migrate(db, { migrations: [m('0001_a.sql')], lockTimeoutMs: 50 })).rejects.toThrow(MigrationLockTimeoutError);
    expect(db.committed).toHaveLength(0);
    expect(db.released).toBe(1);
  });

  it('refuses a new file numbered below an applied one', async () => {
    const db = new FakeDatabase();
    await migrate(db, { migrations: [m('0001_a.sql'), m('0003_c.sql')] });
    await expect(migrate(db, { migrations: [m('0001_a.sql'), m('0002_b.sql'), m('0003_c.sql')] })).rejects.toThrow(
      /0002_b.sql is older than the newest applied one \(version 3\): renumber it above 3/,
    );
  });

  it('reports applied versions it has no file for (a newer release ran them)', async () => {
    const db = new FakeDatabase();
    await migrate(db, { migrations: [m('0001_a.sql'), m('0002_b.sql')] });
    const result = await migrate(db, { migrations: [m('0001_a.sql')] });
    expect(result.unknown.map((u) => u.version)).toEqual([2]);
  });

  it('turns an unreachable server into one clear error', async () => {
    const run = migrate('postgres://postgres:secret@127.0.0.1:1/smsgw', { migrations: [m('0001_a.sql')] });
    await expect(run).rejects.toThrow(DatabaseUnreachableError);
    await expect(migrate('postgres://postgres:secret@127.0.0.1:1/smsgw', { migrations: [] })).rejects.toThrow(
      'PostgreSQL at postgres://postgres:***@127.0.0.1:1/smsgw: connection refused — start PostgreSQL there, or set DATABASE_URL to a running server',
    );
  });
});

describe('migrationStatus', () => {
  it('lists applied and pending', async () => {
    const db = new FakeDatabase();
    await migrate(db, { migrations: [m('0001_a.sql')] });
    db.statements = [];
    const status = await migrationStatus(db, { migrations: [m('0001_a.sql'), m('0002_b.sql')] });
    expect(status.applied.map((a) => a.version)).toEqual([1]);
    expect(status.pending.map((p) => p.version)).toEqual([2]);
    expect(db.statements.some((s) => s.includes('advisory'))).toBe(false);
  });
});
