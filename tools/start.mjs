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
  const web = stack.apps.find((a) => a.name === 'console');
  const smtpPort = stack.apps.find((a) => a.name === 'email-intake')?.smtpPort;
  const smppPort = stack.apps.find((a) => a.name === 'smpp-server')?.smppPort;
  console.log(`
smsgw is running. Calls need an API key: the CLI takes account demo's from .smsgw/demo-api-key by
itself (admin token: .smsgw/admin-token). In another terminal, send a first SMS:

  npx smsgw send --to +447911123456 --from SMSGW --text "Hello from smsgw"

then look at it (DELIVERED within a few seconds):

  npx smsgw status <id printed by send>

or the same over the HTTP API (http://127.0.0.1:8080/v1, OpenAPI at /v1/openapi.json):

  curl -H "Authorization: Bearer $(cat .smsgw/demo-api-key)" -H 'Content-Type: application/json' \\
       -d '{"to":"+447911123456","from":"SMSGW","text":"Hello from smsgw"}' http://127.0.0.1:8080/v1/messages
  curl -N -H "Authorization: Bearer $(cat .smsgw/demo-api-key)" http://127.0.0.1:8080/v1/messages/<id>/events

Web console: http://127.0.0.1:${web.webPort}/ (sign in with the key in .smsgw/demo-api-key; send,
watch the status change live, open a message's timeline).

By email (SMTP on 127.0.0.1:${smtpPort}, the API key as password; Message-ID makes a resend no second SMS):

  printf 'Subject: [SMSGW] Hello\r\nMessage-ID: <%s@example.com>\r\n\r\nHello from smsgw by email\r\n' $RANDOM > mail.txt
  curl smtp://127.0.0.1:${smtpPort} --mail-from you@example.com --mail-rcpt 447911123456@sms.localhost \\
       --upload-file mail.txt --user demo:$(cat .smsgw/demo-api-key)

Over SMPP 3.4 (an ESME such as Kannel or a node-smpp client): bind to 127.0.0.1:${smppPort} with account
demo's system_id and password from .smsgw/demo-smpp (${stack.smppCredential?.systemId ?? 'demo'}); receipts come back as deliver_sm.
More credentials: npx smsgw smpp-credentials create <account>.

Metrics: http://127.0.0.1:8081/metrics (ingest; each app serves /metrics on its port). Ctrl-C stops everything.
An app that exits is started again (tools/stack.cjs prints a line saying so).`);
}

main().catch(async (err) => {
  console.error(`npm start: ${err.message}`);
  await infraDown({ record }).catch(() => undefined);
  process.exit(1);
});
