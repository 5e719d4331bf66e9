// Email-to-SMS against the real parts: ingest as a process from its build (tools/stack.cjs, real
// Kafka, PostgreSQL and Redis, its own topic prefix), the intake's real SMTP server in-process, and
// nodemailer as the client. What ingest accepted is read back from sms.accepted.v1.
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { createAccount, setPolicy } from '@smsgw/accounts/data-access-store';
import { DEFAULT_POLICY, type AccountPolicy } from '@smsgw/accounts/domain';
import { freePort } from '@smsgw/shared/data-access-db';
import { startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry, type Registry } from '@smsgw/shared/util-metrics';
import { MessageAccepted } from '@smsgw/shared/util-proto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { createTransport, type SentMessageInfo } from 'nodemailer';
import { Pool } from 'pg';
import { AppModule } from '../app.module';
import { EMAIL_ENV } from '../env';
import { SmtpIntake } from './smtp.server';

jest.setTimeout(180_000);

// The launcher is a plain script shared with npm start and the end-to-end tests, not a library.
const { startStack } = require(join(__dirname, '../../../../tools/stack.cjs')) as {
  startStack(options: Record<string, unknown>): Promise<{ stop(): Promise<void> }>;
};

const run = `${Date.now().toString(36)}${process.pid}`;
const PREFIX = `it-email-${run}.`;
const DOMAIN = 'sms.test';
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
const state = mkdtempSync(join(tmpdir(), 'smsgw-email-it-'));

let stack: { stop(): Promise<void> };
let pool: Pool;
let consumer: Consumer;
const accepted: MessageAccepted[] = [];
const intakes: { app: INestApplication; registry: Registry }[] = [];


/** An email intake in this process, with its own settings; resolves with its SMTP port and metrics. */
async function startIntake(env: Record<string, string>, ingestTarget: string): Promise<{ port: number; registry: Registry }> {
  const config = loadConfig(EMAIL_ENV, { LOG_LEVEL: 'fatal', EMAIL_HTTP_PORT: '0', EMAIL_SMTP_PORT: '0', EMAIL_SMTP_HOST: '127.0.0.1', EMAIL_DOMAIN: DOMAIN, EMAIL_INGEST_TARGET: ingestTarget, ...env });
  const registry = createMetricsRegistry('email-intake');
  const logger = createLogger({ app: 'email-it', level: 'fatal' });
  const app = await startService({ module: AppModule.register({ logger, registry, config }), logger, httpPort: 0 });
  intakes.push({ app, registry });
  return { port: app.get(SmtpIntake).port, registry };
}

async function account(name: string, policy: Partial<AccountPolicy>): Promise<string> {
  const { apiKey } = await createAccount(pool, `email-${run}-${name}`);
  await setPolicy(pool, `email-${run}-${name}`, { ...DEFAULT_POLICY, ...policy });
  return apiKey;
}

/** The sms.accepted.v1 events of these ids, once all have arrived. */
async function acceptedEvents(ids: string[], timeoutMs = 30_000): Promise<MessageAccepted[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = ids.map((id) => accepted.find((a) => a.id === id));
    if (found.every(Boolean)) return found as MessageAccepted[];
    if (Date.now() > deadline) throw new Error(`sms.accepted.v1 did not show ${ids.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const idsIn = (response: string | undefined) => [...(response ?? '').matchAll(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g)].map((m) => m[0]);
const counted = async (registry: Registry, name: string, labels: Record<string, string>) =>
  Number((await registry.getSingleMetric(name)?.get())?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0);

let port: number;
let registry: Registry;
let demoKey: string;
let ingestTarget: string;
const mailer = (key: string, options: Record<string, unknown> = {}) =>
  createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, auth: { user: 'it', pass: key }, ...options } as never);
const errorOf = (p: Promise<unknown>) => p.then(() => ({ responseCode: 0, response: 'sent' }), (err: { responseCode?: number; response?: string; code?: string }) => ({ responseCode: err.responseCode ?? 0, response: err.response ?? err.code ?? '' }));

beforeAll(async () => {
  pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const [ingestHttp, ingestGrpc] = [await freePort(), await freePort()];
  stack = await startStack({
    apps: ['ingest'],
    ports: { ingestHttp, ingestGrpc },
    env: { KAFKA_TOPIC_PREFIX: PREFIX, LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl },
    logDir: join(state, 'logs'),
    stateDir: state,
    lockName: `email-it-${run}`,
    restart: false,
  });
  const kafka = new Kafka({ clientId: `email-it-${run}`, brokers, logLevel: logLevel.NOTHING });
  consumer = kafka.consumer({ groupId: `${PREFIX}reader` });
  await consumer.connect();
  await consumer.subscribe({ topic: `${PREFIX}sms.accepted.v1`, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void accepted.push(MessageAccepted.decode(message.value ?? Buffer.alloc(0))) });
  demoKey = await account('demo', { defaultSender: 'SMSGW', ratePerSecond: 1000, rateBurst: 2000 });
  ingestTarget = `127.0.0.1:${ingestGrpc}`;
  ({ port, registry } = await startIntake({ EMAIL_ALLOW_INSECURE_AUTH: 'true', EMAIL_MAX_RECIPIENTS: '3', EMAIL_MAX_SIZE_BYTES: String(64 * 1024) }, ingestTarget));
});

afterAll(async () => {
  for (const { app } of intakes) await app.close();
  await consumer?.disconnect();
  await stack?.stop();
  await pool?.end();
  rmSync(state, { recursive: true, force: true });
});

describe('email-to-SMS over SMTP', () => {
  it('a mail to two numbers becomes two SMS; bad recipients get their own 550 at RCPT TO', async () => {
    const messageId = `<two-${run}@client.example>`;
    const info: SentMessageInfo = await mailer(demoKey).sendMail({
      from: 'ops@client.example',
      to: [`447911123456@${DOMAIN}`, `+33612345678@${DOMAIN}`, `447911123456@elsewhere.example`, `4479@${DOMAIN}`],
      subject: 'Reminder',
      text: 'Your appointment is at 10:00 tomorrow.\n\nOn Mon, 30 Nov 2026, Ann <ann@client.example> wrote:\n> when is it?\n-- \nACME front desk',
      messageId,
    });
    expect(info.accepted).toEqual([`447911123456@${DOMAIN}`, `+33612345678@${DOMAIN}`]);
    const rejected = Object.fromEntries((info.rejectedErrors ?? []).map((e: { recipient: string; response: string }) => [e.recipient, e.response]));
    expect(rejected[`447911123456@elsewhere.example`]).toMatch(/^550 5\.1\.2 .*\[EMAIL\.WRONG_DOMAIN\]$/);
    expect(rejected[`4479@${DOMAIN}`]).toMatch(/^550 5\.1\.1 .*\[VALIDATION\.INVALID_DESTINATION\]$/);
    expect(info.response).toMatch(/^250 2\.0\.0 queued as 2 SMS: /);
    const ids = idsIn(info.response);
    expect(ids).toHaveLength(2);
    const events = await acceptedEvents(ids);
    expect(events.map((e) => ({ to: e.to, from: e.from, text: e.text, clientReference: e.clientReference, smart: e.smartEncoding }))).toEqual([
      { to: '+447911123456', from: 'SMSGW', text: 'Your appointment is at 10:00 tomorrow.', clientReference: `two-${run}@client.example`, smart: true },
      { to: '+33612345678', from: 'SMSGW', text: 'Your appointment is at 10:00 tomorrow.', clientReference: `two-${run}@client.example`, smart: true },
    ]);
    expect(events[0].clientId).not.toBe('');

    // The same mail again (a client retrying after a lost reply): the same SMS, not two more.
    const again: SentMessageInfo = await mailer(demoKey).sendMail({ from: 'ops@client.example', to: [`447911123456@${DOMAIN}`, `33612345678@${DOMAIN}`], subject: 'Reminder', text: 'Your appointment is at 10:00 tomorrow.', messageId });
    expect(idsIn(again.response)).toEqual(ids);
    expect(again.response).toMatch(/\(all sent before for this Message-ID, not again\)$/);
    expect(await counted(registry, 'smsgw_email_recipients_total', { outcome: 'duplicate' })).toBe(2);
    expect(await counted(registry, 'smsgw_email_refusals_total', { stage: 'rcpt_to', code: 'EMAIL.WRONG_DOMAIN' })).toBe(1);
  });

  it('HTML-only mail: its text without the quoted part; a [SENDER] subject tag picks an allowed sender', async () => {
    const key = await account('tags', { senders: ['ACME*'] });
    const send = (subject: string) =>
      mailer(key).sendMail({ from: 'a@client.example', to: `447911123457@${DOMAIN}`, subject, html: '<p>Parcel <b>42</b> arrives today.</p><blockquote>old</blockquote>' });
    const info: SentMessageInfo = await send('[ACMEPOST] Delivery');
    const [event] = await acceptedEvents(idsIn(info.response));
    expect({ from: event.from, text: event.text }).toEqual({ from: 'ACMEPOST', text: 'Parcel 42 arrives today.' });
    expect(await errorOf(send('[OTHER] Delivery'))).toEqual({ responseCode: 550, response: expect.stringMatching(/^550 5\.7\.1 .*\[POLICY\.SENDER_NOT_ALLOWED\]$/) });
    expect(await errorOf(send('Delivery'))).toEqual({ responseCode: 550, response: expect.stringMatching(/^550 5\.7\.1 no sender id: .*\[EMAIL\.NO_SENDER\]$/) });
  });

  it('AUTH: the password must be a working API key (535 5.7.8 with the code)', async () => {
    expect(await errorOf(mailer('not-a-key').sendMail({ from: 'a@client.example', to: `447911123456@${DOMAIN}`, text: 'x' }))).toEqual({
      responseCode: 535,
      response: expect.stringMatching(/^535 5\.7\.8 .*\[AUTH\.MALFORMED_KEY\]$/),
    });
    const unknown = `smsgw_${'A'.repeat(12)}_${'b'.repeat(43)}`;
    expect((await errorOf(mailer(unknown).sendMail({ from: 'a@client.example', to: `447911123456@${DOMAIN}`, text: 'x' }))).response).toMatch(/\[AUTH\.INVALID_KEY\]$/);
    expect(await counted(registry, 'smsgw_email_refusals_total', { stage: 'auth', code: 'AUTH.INVALID_KEY' })).toBe(1);
  });

  it("per recipient: the account's countries, the envelope senders it allows, the most recipients per mail", async () => {
    const key = await account('policy', { countries: ['GB', 'GG'], emailSenders: ['@acme.example'], defaultSender: 'ACME' });
    const info: SentMessageInfo = await mailer(key).sendMail({ from: 'ops@acme.example', to: [`447911123458@${DOMAIN}`, `33612345679@${DOMAIN}`], text: 'Hi' });
    expect(info.accepted).toEqual([`447911123458@${DOMAIN}`]);
    expect(info.rejectedErrors?.[0].response).toMatch(/^550 5\.7\.1 .*\[POLICY\.COUNTRY_NOT_ALLOWED\]$/);
    expect(await errorOf(mailer(key).sendMail({ from: 'ops@evil.example', to: `447911123458@${DOMAIN}`, text: 'Hi' }))).toEqual({
      responseCode: 550,
      response: expect.stringMatching(/^550 5\.7\.1 <ops@evil\.example> may not send .*\[EMAIL\.SENDER_NOT_ALLOWED\]$/),
    });
    const many: SentMessageInfo = await mailer(demoKey).sendMail({ from: 'a@client.example', to: ['447911123461', '447911123462', '447911123463', '447911123464'].map((n) => `${n}@${DOMAIN}`), text: 'Hi all' });
    expect(many.accepted).toHaveLength(3);
    expect(many.rejectedErrors?.[0].response).toMatch(/^452 4\.5\.3 at most 3 recipients .*\[EMAIL\.TOO_MANY_RECIPIENTS\]$/);
  });

  it('over the rate limit: 452 4.7.1 for the mail; sent again once the window has passed, it goes through', async () => {
    const key = await account('rate', { defaultSender: 'ACME', ratePerSecond: 2, rateBurst: 2 });
    await mailer(key).sendMail({ from: 'a@client.example', to: `447911123471@${DOMAIN}`, text: 'One' });
    const mail = { from: 'a@client.example', to: [`447911123465@${DOMAIN}`, `447911123466@${DOMAIN}`], text: 'Two at once', messageId: `<rate-${run}@client.example>` };
    const refused = await errorOf(mailer(key).sendMail(mail));
    expect(refused).toEqual({ responseCode: 452, response: expect.stringMatching(/^452 4\.7\.1 .*retry in \d+ ms \[RATE\.LIMITED\]$/) });
    expect(await counted(registry, 'smsgw_email_messages_total', { outcome: 'deferred' })).toBe(1);
    const retryMs = Number(/retry in (\d+) ms/.exec(refused.response)?.[1]);
    await new Promise((r) => setTimeout(r, retryMs + 50));
    const info: SentMessageInfo = await mailer(key).sendMail(mail);
    expect(idsIn(info.response)).toHaveLength(2);
  });

  it('a mail over the size limit is refused whole (552), nothing sent', async () => {
    const before = accepted.length;
    const refused = await errorOf(mailer(demoKey).sendMail({ from: 'a@client.example', to: `447911123467@${DOMAIN}`, text: 'x'.repeat(100 * 1024) }));
    expect(refused.responseCode).toBe(552);
    await new Promise((r) => setTimeout(r, 500));
    expect(accepted.slice(before).filter((a) => a.to === '+447911123467')).toEqual([]);
  });

  it('AUTH only after STARTTLS when the intake has a certificate', async () => {
    const dir = mkdtempSync(join(state, 'tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const tls = await startIntake({ EMAIL_TLS_CERT_FILE: join(dir, 'cert.pem'), EMAIL_TLS_KEY_FILE: join(dir, 'key.pem') }, ingestTarget);
    const mail = { from: 'a@client.example', to: `447911123468@${DOMAIN}`, text: 'Over TLS' };
    const clear = await errorOf(createTransport({ host: '127.0.0.1', port: tls.port, ignoreTLS: true, auth: { user: 'it', pass: demoKey } }).sendMail(mail));
    expect(clear.responseCode).toBe(538);
    const info: SentMessageInfo = await createTransport({ host: '127.0.0.1', port: tls.port, requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user: 'it', pass: demoKey } }).sendMail(mail);
    expect(info.response).toMatch(/^250 2\.0\.0 queued as 1 SMS: /);
  });

  it('LMTP: one reply per recipient after DATA', async () => {
    const lmtp = await startIntake({ EMAIL_ALLOW_INSECURE_AUTH: 'true', EMAIL_LMTP: 'true' }, ingestTarget);
    const info: SentMessageInfo = await createTransport({ host: '127.0.0.1', port: lmtp.port, lmtp: true, ignoreTLS: true, auth: { user: 'it', pass: demoKey } } as never).sendMail({
      from: 'a@client.example',
      to: [`447911123469@${DOMAIN}`, `447911123470@${DOMAIN}`],
      text: 'Per recipient',
    });
    expect(info.accepted).toEqual([`447911123469@${DOMAIN}`, `447911123470@${DOMAIN}`]);
    expect(idsIn(info.response).length).toBeGreaterThanOrEqual(1);
  });
});
