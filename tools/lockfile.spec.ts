import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// npm ci on a fresh clone must accept the lock. npm leaves out platform packages that the registry
// here does not serve (npm/cli issue 9846) and npm ci then refuses the lock; the stubs for
// @bufbuild/buf-* in package-lock.json work around it, and a later `npm install` may drop them.
describe('package-lock.json', () => {
  it('is accepted by npm ci', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-lock-'));
    try {
      for (const f of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(join(__dirname, '..', f), join(dir, f));
      expect(() => execFileSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
