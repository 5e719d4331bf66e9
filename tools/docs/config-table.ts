// Prints the README's configuration table from every app's env.ts (the settings' own defaults and
// descriptions), so the table cannot drift from the code.
//   node -r ./tools/ts-run.cjs tools/docs/config-table.ts          print the table
//   node -r ./tools/ts-run.cjs tools/docs/config-table.ts --check  exit 1 if README.md differs
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeSettings, type Setting } from '@smsgw/shared/util-config';

const ROOT = join(__dirname, '../..');
const BEGIN = '<!-- config-table:begin -->';
const END = '<!-- config-table:end -->';

export function configTable(): string {
  const seen = new Map<string, Setting<unknown>>();
  for (const app of readdirSync(join(ROOT, 'apps')).sort()) {
    const file = join(ROOT, 'apps', app, 'src/env.ts');
    if (!existsSync(file)) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as Record<string, unknown>;
    for (const schema of Object.values(mod)) {
      if (!schema || typeof schema !== 'object') continue;
      for (const [name, setting] of Object.entries(schema as Record<string, Setting<unknown>>)) {
        if (setting && typeof setting.parse === 'function' && !seen.has(name)) seen.set(name, setting);
      }
    }
  }
  const rows = describeSettings(Object.fromEntries([...seen].sort(([a], [b]) => a.localeCompare(b))));
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

if (require.main === module) {
  const table = configTable();
  if (process.argv.includes('--check')) {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const current = readme.slice(readme.indexOf(BEGIN) + BEGIN.length, readme.indexOf(END)).trim();
    if (current !== table) {
      console.error('README.md configuration table is stale: run node -r ./tools/ts-run.cjs tools/docs/config-table.ts and paste it between the config-table markers');
      process.exit(1);
    }
  } else {
    console.log(table);
  }
}
