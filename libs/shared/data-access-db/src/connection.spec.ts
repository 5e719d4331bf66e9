import { databaseUrlWithName, DatabaseUnreachableError, DatabaseUrlError, createPool, parseDatabaseUrl, quoteIdentifier, redactUrl, toDatabaseError } from './index';

describe('parseDatabaseUrl', () => {
  it('reads host, port, user and database', () => {
    expect(parseDatabaseUrl('postgres://postgres@127.0.0.1:5432/smsgw')).toEqual({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'smsgw' });
    expect(parseDatabaseUrl('postgresql://app:pw@db.internal/sms%2Dgw')).toEqual({ host: 'db.internal', port: 5432, user: 'app', database: 'sms-gw' });
    expect(parseDatabaseUrl('postgres:///smsgw?host=/var/run/postgresql')).toMatchObject({ host: '/var/run/postgresql', database: 'smsgw' });
  });

  it.each([
    ['smsgw', /not a URL/],
    ['mysql://root@localhost/smsgw', /scheme "mysql" is not postgres/],
    ['', /not a URL/],
  ])('rejects %j', (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(DatabaseUrlError);
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });

  it('createPool rejects a bad URL before connecting', () => {
    expect(() => createPool('localhost:5432')).toThrow(/DATABASE_URL "localhost:5432" is not usable/);
  });
});

describe('URL helpers', () => {
  it('masks passwords', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/smsgw')).toBe('postgres://app:***@db:5432/smsgw');
    expect(redactUrl('postgres://app@db/smsgw')).toBe('postgres://app@db/smsgw');
  });

  it('swaps the database name', () => {
    expect(databaseUrlWithName('postgres://app:pw@db:5433/smsgw?sslmode=require', 'postgres')).toBe('postgres://app:pw@db:5433/postgres?sslmode=require');
  });

  it('quotes identifiers', () => {
    expect(quoteIdentifier('smsgw')).toBe('"smsgw"');
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });
});

describe('toDatabaseError', () => {
  const url = 'postgres://app:pw@db:5432/smsgw';
  it.each([
    [{ code: 'ECONNREFUSED' }, 'connection refused', 'start PostgreSQL there'],
    [{ code: 'ENOTFOUND' }, 'host not found', 'set DATABASE_URL'],
    [Object.assign(new AggregateError([{ code: 'ECONNREFUSED' }]), {}), 'connection refused', 'start PostgreSQL'],
    [new Error('timeout expired'), 'connection timed out', 'start PostgreSQL'],
    [{ code: '28P01', message: 'password authentication failed for user "app"' }, 'login refused (password authentication failed for user "app")', 'fix the user or password'],
    [{ code: '3D000', message: 'database "smsgw" does not exist' }, 'the database does not exist', 'npm run infra:up'],
  ])('maps %j', (err, reason, hint) => {
    const mapped = toDatabaseError(err, url) as DatabaseUnreachableError;
    expect(mapped).toBeInstanceOf(DatabaseUnreachableError);
    expect(mapped.code).toBe('DB.UNREACHABLE');
    expect(mapped.reason).toBe(reason);
    expect(mapped.message).toContain(hint);
    expect(mapped.message).toContain('postgres://app:***@db:5432/smsgw');
    expect(mapped.message).not.toContain('\n');
  });

  it('leaves SQL errors alone', () => {
    const err = Object.assign(new Error('relation "x" does not exist'), { code: '42P01' });
    expect(toDatabaseError(err, url)).toBe(err);
  });
});
