#!/usr/bin/env node
// npm start: infrastructure up, apps built and started (with the SMSC simulator as the demo
// carrier), then stays in the foreground; Ctrl-C stops everything this command started.
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildApps } from './build-apps.mjs';
import { infraDown, infraUp } from './infra/cli.mjs';

const require = createRequire(import.meta.url);
const { startStack, ROOT } = require('./stack.cjs');
const record = join(ROOT, '.smsgw/start-record.json');

async function main() {
  rmSync(record, { force: true });
  const { kafkaBrokers, databaseUrl } = await infraUp({ record });
  buildApps();
  let stack;
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping apps…`);
    await stack?.stop();
    await infraDown({ record });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  stack = await startStack({
    env: { KAFKA_BROKERS: kafkaBrokers, DATABASE_URL: databaseUrl },
    log: (line) => console.log(`accounts        ${line}`),
    onStarted: (app, ms) =>
      console.log(`${app.name.padEnd(15)} healthy in ${(ms / 1000).toFixed(1)} s  http :${app.httpPort}${app.note ? `  ${app.note}` : ''}  pid ${app.pid}  log ${app.logFile.replace(ROOT + '/', '')}`),
  });
  console.log(`
smsgw is running. Calls need an API key: the CLI takes account demo's from .smsgw/demo-api-key by
itself (admin token: .smsgw/admin-token). In another terminal, send a first SMS:

  npx smsgw send --to +447911123456 --from SMSGW --text "Hello from smsgw"

then look at it (DELIVERED within a few seconds):

  npx smsgw status <id printed by send>

Metrics: http://127.0.0.1:8081/metrics (ingest; each app serves /metrics on its port). Ctrl-C stops everything.
An app that exits is started again (tools/stack.cjs prints a line saying so).`);
}

main().catch(async (err) => {
  console.error(`npm start: ${err.message}`);
  await infraDown({ record }).catch(() => undefined);
  process.exit(1);
});
