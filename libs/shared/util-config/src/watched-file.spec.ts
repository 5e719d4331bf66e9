import { mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchValidatedFile } from './watched-file';

const until = async (check: () => boolean, ms = 10_000) => {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('watchValidatedFile', () => {
  it('hands on each change that loads, passes the others to onError, and stops when asked', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'watched-')), 'settings.json');
    writeFileSync(file, '{"n": 1}');
    const values: number[] = [];
    const errors: string[] = [];
    const load = (f: string) => {
      const { n } = JSON.parse(readFileSync(f, 'utf8')) as { n: unknown };
      if (typeof n !== 'number') throw new Error(`n: expected a number, got ${JSON.stringify(n)}`);
      return n;
    };
    // Written beside and renamed over (as a ConfigMap swap does): one stat change per write, with a
    // distinct mtime. A write then utimes in place are two changes, and a poll between them hands
    // the same value on twice.
    const touch = (text: string, second: number) => {
      writeFileSync(`${file}.new`, text);
      utimesSync(`${file}.new`, second, second);
      renameSync(`${file}.new`, file);
    };
    const stop = watchValidatedFile(file, load, (n) => values.push(n), (err) => errors.push(err.message), 20);
    try {
      touch('{"n": 2}', 1_000);
      await until(() => values.length === 1);
      touch('{"n": "x"}', 2_000);
      await until(() => errors.length === 1);
      expect(errors).toEqual(['n: expected a number, got "x"']);
      rmSync(file);
      await until(() => errors.length === 2);
      expect(errors[1]).toMatch(/ENOENT/);
      touch('{"n": 3}', 3_000);
      await until(() => values.length === 2);
      expect(values).toEqual([2, 3]);
    } finally {
      stop();
    }
    touch('{"n": 4}', 4_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(values).toEqual([2, 3]);
  }, 60_000);
});
