import { Metadata } from '@grpc/grpc-js';
import { AuthError } from '@smsgw/accounts/domain';
import { createLogger } from '@smsgw/shared/util-logging';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IngestEnv } from '../env';
import { AdminToken } from './admin-token';

const logger = createLogger({ app: 'ingest-spec', level: 'silent' });
const tokenOf = (file: string) => new AdminToken({ INGEST_ADMIN_TOKEN_FILE: file } as IngestEnv, logger);
const bearer = (token: string) => {
  const m = new Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
};
const codeOf = (fn: () => void) => {
  try {
    fn();
    return 'allowed';
  } catch (err) {
    return (err as AuthError).code;
  }
};

describe('AdminToken', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-admin-'));
  const file = join(dir, 'admin-token');

  it('is off without a file, and says so', () => {
    expect(codeOf(() => tokenOf('').check(bearer('anything-at-all-123')))).toBe('AUTH.ADMIN_DISABLED');
    expect(() => tokenOf(join(dir, 'missing')).check(bearer('anything-at-all-123'))).toThrow(/admin API is off.*ENOENT/);
    writeFileSync(join(dir, 'short'), 'abc\n');
    expect(codeOf(() => tokenOf(join(dir, 'short')).check(bearer('abc')))).toBe('AUTH.ADMIN_DISABLED');
  });

  it('lets in only the token of the file, read at each call (replacing the file rotates it)', () => {
    writeFileSync(file, 'first-admin-token-0123456789\n');
    const admin = tokenOf(file);
    expect(codeOf(() => admin.check(bearer('first-admin-token-0123456789')))).toBe('allowed');
    expect(codeOf(() => admin.check(bearer('first-admin-token-012345678')))).toBe('AUTH.INVALID_ADMIN_TOKEN');
    expect(codeOf(() => admin.check(undefined))).toBe('AUTH.INVALID_ADMIN_TOKEN');
    writeFileSync(file, 'second-admin-token-0123456789\n');
    expect(codeOf(() => admin.check(bearer('first-admin-token-0123456789')))).toBe('AUTH.INVALID_ADMIN_TOKEN');
    expect(codeOf(() => admin.check(bearer('second-admin-token-0123456789')))).toBe('allowed');
  });
});
