#!/usr/bin/env node
// npm test: infrastructure up (a running broker is reused), apps built, specs and tools type-checked,
// then the whole jest suite (root jest.config.js collects every project). Extra arguments go to jest:
//   npm test -- libs/shared/data-access-db      npm test -- -t 'receipt'
// Tests get KAFKA_BROKERS and DATABASE_URL as the infra resolved them; DATABASE_URL names a test
// database (TEST_DATABASE_URL, or DATABASE_URL's database + "_test"), created and migrated here.
// After the suite, the unit specs (*.spec.ts, with the same arguments) run again on the Node.js LTS
// the images run (tools/node-lts.mjs; SMSGW_TEST_NODE_LTS=off skips that step).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { infraConfig, isExpectedError } from './infra/common.mjs';
import { infraUp } from './infra/cli.mjs';
import { dataAccessDb, postgresUp } from './infra/postgres.mjs';
import { SYSTEM_TOOLS, ensureSystemTools } from './ensure-system-tools.mjs';
import { NODE_LTS_VERSION, ensureNodeLts } from './node-lts.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** What the builds do not type-check: every spec and tool, and the code that runs in a browser. */
const TYPE_CHECKED = ['tsconfig.spec.json', 'apps/console/tsconfig.web.spec.json', 'apps/gateway-e2e/tsconfig.browser.json'];
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function portAnswers(hostPort) {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

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
  const { kafkaBrokers, kafkaSasl } = await infraUp({ config, record: process.env.SMSGW_INFRA_RECORD || undefined });
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

  // jest (swc) strips types without checking them: specs, tools and browser code are checked here.
  started = Date.now();
  for (const project of TYPE_CHECKED) {
    const checked = run('npx', ['tsc', '-p', project]);
    if (checked !== 0) {
      console.error(`test: type errors in ${project} (exit ${checked}); not running tests`);
      return checked;
    }
  }
  console.log(`test     specs and tools type-checked in ${seconds(started)}`);

  // The own broker's SASL listener, for the test of the apps' SASL settings (none with KAFKA_BROKERS,
  // nor on a broker started by an older checkout: that test is then skipped, saying why).
  const sasl = !kafkaSasl
    ? { KAFKA_SASL_TEST_UNAVAILABLE: 'KAFKA_BROKERS names an external cluster' }
    : !existsSync(kafkaSasl.passwordFile)
      ? { KAFKA_SASL_TEST_UNAVAILABLE: `the running broker was started by another checkout (no ${kafkaSasl.passwordFile}): its SASL password is there` }
      : (await portAnswers(kafkaSasl.brokers))
        ? { KAFKA_SASL_TEST_BROKERS: kafkaSasl.brokers, KAFKA_SASL_TEST_PASSWORD_FILE: kafkaSasl.passwordFile }
        : { KAFKA_SASL_TEST_UNAVAILABLE: `the running broker has no SASL listener on ${kafkaSasl.brokers} (started before it had one: npm run infra:down, then npm test)` };
  const env = { KAFKA_BROKERS: kafkaBrokers, DATABASE_URL: testUrl, ...sasl };
  const jest = ['--ci', '--maxWorkers=2', ...process.argv.slice(2)];
  const suite = run('npx', ['jest', ...jest], env);
  if (process.env.SMSGW_TEST_NODE_LTS === 'off') return suite;

  started = Date.now();
  const node = ensureNodeLts(root);
  console.log(`test     unit specs on Node.js ${NODE_LTS_VERSION} (${node})`);
  // First on PATH too, so what the specs spawn (node, npm) runs on it as well.
  const path = `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`;
  const unit = run(node, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...jest, '--testMatch', '**/*.spec.ts', '--passWithNoTests'], { ...env, PATH: path });
  console.log(`test     unit specs on Node.js ${NODE_LTS_VERSION}: exit ${unit} in ${seconds(started)}`);
  return suite || unit;
}

main()
  .then((code) => process.exit(code))
  .catch((err) => {
    const oneLine = isExpectedError(err) || err?.message?.startsWith('missing ') || err?.message?.includes('apt-get');
    console.error(`test: ${oneLine ? err.message : (err?.stack ?? err)}`);
    process.exit(1);
  });
