import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

describe('README.md', () => {
  it('has the configuration table of every app setting (regenerate with tools/docs/config-table.ts)', () => {
    expect(() => execFileSync('node', ['-r', './tools/ts-run.cjs', 'tools/docs/config-table.ts', '--check'], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
  }, 60_000);
});
