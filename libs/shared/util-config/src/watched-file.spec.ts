import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchValidatedFile } from './watched-file';

const until = async (check: () => boolean, ms = 5_000) => {
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
    const touch = (text: string, second: number) => {
      writeFileSync(file, text);
      utimesSync(file, second, second); // a distinct mtime per write
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
  });
});
