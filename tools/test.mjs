#!/usr/bin/env node
// npm test: infrastructure up (a running broker is reused), apps built, then the whole jest suite
// (root jest.config.js collects every project). Extra arguments go to jest:
//   npm test -- libs/shared/data-access-db      npm test -- -t 'receipt'
// Tests get KAFKA_BROKERS and DATABASE_URL as the infra resolved them; DATABASE_URL names a test
// database (TEST_DATABASE_URL, or DATABASE_URL's database + "_test"), created and migrated here.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { infraConfig, isExpectedError } from './infra/common.mjs';
import { infraUp } from './infra/cli.mjs';
import { dataAccessDb, postgresUp } from './infra/postgres.mjs';
import { SYSTEM_TOOLS, ensureSystemTools } from './ensure-system-tools.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function run(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

async function main() {
  let started = Date.now();
  // Before anything slow: a missing tool stops here with one line, not as a test failure minutes in.
  ensureSystemTools(SYSTEM_TOOLS.test);
  const config = infraConfig();
  // SMSGW_INFRA_RECORD: a file listing what this run started, for `infra:down --record` (CI).
  const { kafkaBrokers } = await infraUp({ config, record: process.env.SMSGW_INFRA_RECORD || undefined });
  const { databaseUrlWithName, parseDatabaseUrl } = dataAccessDb();
  const testUrl = config.testDatabaseUrl ?? databaseUrlWithName(config.databaseUrl, `${parseDatabaseUrl(config.databaseUrl).database}_test`);
  const testDb = await postgresUp(config, testUrl);
  console.log(`test     KAFKA_BROKERS=${kafkaBrokers} DATABASE_URL=${testDb.url} (infra ready in ${seconds(started)})`);

  started = Date.now();
  const build = run('npx', ['nx', 'run-many', '-t', 'build', 'lint', '--outputStyle=static'], { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' });
  if (build !== 0) {
    console.error(`test: the build or lint failed (exit ${build}); not running tests`);
    return build;
  }
  console.log(`test     build and lint done in ${seconds(started)}`);

  return run('npx', ['jest', '--ci', '--maxWorkers=2', ...process.argv.slice(2)], { KAFKA_BROKERS: kafkaBrokers, DATABASE_URL: testUrl });
}

main()
  .then((code) => process.exit(code))
  .catch((err) => {
    const oneLine = isExpectedError(err) || err?.message?.startsWith('missing ') || err?.message?.includes('apt-get');
    console.error(`test: ${oneLine ? err.message : (err?.stack ?? err)}`);
    process.exit(1);
  });
