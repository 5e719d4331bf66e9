import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { MessageStatus } from '@smsgw/shared/util-proto';
import { simpleParser } from 'mailparser';
import { createTransport, type SentMessageInfo } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { ROOT, eventually, smsClient, smsgw, startStack } from './gateway';

// Email-to-SMS end to end: every app as its own process (the SMTP intake too), a real SMTP client
// (nodemailer, then curl as the README shows it) through to the simulator's delivery receipts.
const KAFKA_BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
const KAFKA_TOPIC_PREFIX = `e2e-email-${Date.now().toString(36)}.`;
const PORTS = { simulatorSmpp: 13775, simulatorHttp: 19086, ingestHttp: 19081, ingestGrpc: 16051, ingestApi: 19080, encoderHttp: 19082, routerHttp: 19083, connectorHttp: 19084, dlrHttp: 19085, emailHttp: 19087, emailSmtp: 13525, consoleHttp: 19088, console: 19089 };
const DOMAIN = 'sms.localhost'; // EMAIL_DOMAIN's default, as npm start runs it

describe('email-to-SMS: a mail to two numbers becomes two delivered SMS', () => {
  const work = mkdtempSync(join(tmpdir(), 'smsgw-e2e-email-'));
  let stack: Awaited<ReturnType<typeof startStack>>;
  let client: ReturnType<typeof smsClient>;
  // The relay delivery reports go to: a plain SMTP server that keeps what it gets.
  const reports: { to: string[]; subject: string; text: string; inReplyTo: string }[] = [];
  const relay = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData: (stream, session, done) =>
      void simpleParser(stream).then((m) => {
        reports.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: m.subject ?? '', text: m.text ?? '', inReplyTo: m.inReplyTo ?? '' });
        done();
      }, done),
  });

  beforeAll(async () => {
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayPort = (relay.server.address() as AddressInfo).port;
    const carriersFile = join(work, 'carriers.yaml');
    writeFileSync(carriersFile, readFileSync(join(ROOT, 'config/carriers.yaml'), 'utf8').replace(/port: 2775/, `port: ${PORTS.simulatorSmpp}`));
    const routesFile = join(work, 'routes.yaml');
    writeFileSync(routesFile, 'routes:\n  - id: uk-demo\n    prefix: "+44"\n    carrier: demo\n    pricePerSegmentMicros: 4000\n');
    stack = await startStack({ ports: PORTS, logDir: join(work, 'logs'), stateDir: join(work, 'state'), lockName: 'e2e', lockWaitMs: 600_000, what: 'gateway-e2e email test', appEnv: { 'email-intake': { EMAIL_REPORT_SMTP_URL: `smtp://127.0.0.1:${relayPort}` } }, env: { KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, DATABASE_URL, CARRIERS_FILE: carriersFile, ROUTES_FILE: routesFile, LOG_LEVEL: 'info' } });
    client = smsClient(`127.0.0.1:${PORTS.ingestGrpc}`, stack.apiKey);
  }, 780_000); // may wait for another e2e stack to stop (tools/stack.cjs lock)

  afterAll(async () => {
    client?.close();
    await stack?.stop();
    await new Promise<void>((r) => relay.close(() => r()));
  }, 60_000);

  const delivered = (id: string) =>
    eventually(`message ${id} to be DELIVERED`, async () => {
      const m = await client.getMessage({ id }).catch(() => undefined);
      return m && m.status >= MessageStatus.DELIVERED ? m : undefined;
    }, 60_000);
  const idsIn = (response: string | undefined) => [...(response ?? '').matchAll(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g)].map((m) => m[0]);

  it('nodemailer: two numbers delivered, the bad recipient refused with 550 for itself only', async () => {
    const messageId = `<e2e-${Date.now()}@client.example>`;
    const mailer = createTransport({ host: '127.0.0.1', port: PORTS.emailSmtp, ignoreTLS: true, auth: { user: 'demo', pass: stack.apiKey } });
    const info: SentMessageInfo = await mailer.sendMail({
      from: 'ops@client.example',
      to: [`447911123456@${DOMAIN}`, `447911123457@${DOMAIN}`, `12@${DOMAIN}`],
      subject: 'Table booked',
      text: 'Your table for two is booked for 19:30.\n-- \nThe Restaurant',
      messageId,
    });
    expect(info.accepted).toEqual([`447911123456@${DOMAIN}`, `447911123457@${DOMAIN}`]);
    expect(info.rejected).toEqual([`12@${DOMAIN}`]);
    expect(info.rejectedErrors?.[0].response).toMatch(/^550 5\.1\.1 <12@sms\.localhost>: .*\[VALIDATION\.INVALID_DESTINATION\]$/);
    const ids = idsIn(info.response);
    expect(ids).toHaveLength(2);
    const messages = await Promise.all(ids.map(delivered));
    expect(messages.map((m) => ({ status: m.status, to: m.to, from: m.from, clientReference: m.clientReference }))).toEqual([
      { status: MessageStatus.DELIVERED, to: '+447911123456', from: 'SMSGW', clientReference: messageId.slice(1, -1) },
      { status: MessageStatus.DELIVERED, to: '+447911123457', from: 'SMSGW', clientReference: messageId.slice(1, -1) },
    ]);
  }, 90_000); // under load a delivery takes seconds: the waits inside allow 60 s

  it("curl, as in the README: the good recipient delivered, the bad one's 550 in the dialogue", async () => {
    const mail = join(work, 'mail.txt');
    writeFileSync(mail, `Subject: [SMSGW] Hello\r\nMessage-ID: <curl-${Date.now()}@example.com>\r\n\r\nHello from smsgw by email\r\n`);
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        'curl',
        ['-sS', '-v', `smtp://127.0.0.1:${PORTS.emailSmtp}`, '--mail-from', 'you@example.com', '--mail-rcpt', `447911123458@${DOMAIN}`, '--mail-rcpt', `447911123459@other.example`, '--mail-rcpt-allowfails', '--upload-file', mail, '--user', `demo:${stack.apiKey}`],
        { timeout: 30_000 },
        (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect({ code, refused: /< 550 5\.1\.2 <447911123459@other\.example>/.test(stderr) }).toEqual({ code: 0, refused: true });
    const queued = /< 250 2\.0\.0 queued as 1 SMS: (\S+)/.exec(stderr)?.[1];
    expect(queued).toBeDefined();
    expect((await delivered(queued as string)).to).toBe('+447911123458');
  }, 90_000);

  it('an account that asks for delivery reports gets one by email once both SMS are delivered', async () => {
    const admin = ['--target', `127.0.0.1:${PORTS.ingestGrpc}`, '--admin-token-file', stack.adminTokenFile];
    const name = `reports-${Date.now().toString(36)}`;
    const created = await smsgw(['accounts', 'create', name, '--json', ...admin]);
    expect(created.code).toBe(0);
    const { apiKey } = JSON.parse(created.stdout) as { apiKey: string };
    expect((await smsgw(['accounts', 'policy', name, '--email-reports', '--default-sender', 'ACME', ...admin])).code).toBe(0);
    const messageId = `<report-${Date.now()}@client.example>`;
    const mailer = createTransport({ host: '127.0.0.1', port: PORTS.emailSmtp, ignoreTLS: true, auth: { user: name, pass: apiKey } });
    const info: SentMessageInfo = await mailer.sendMail({ from: 'billing@client.example', to: [`447911123460@${DOMAIN}`, `447911123461@${DOMAIN}`], subject: 'Invoice', text: 'Invoice 42 is due on Friday.', messageId });
    const ids = idsIn(info.response);
    const report = await eventually('the delivery report at the relay', async () => reports.find((r) => r.inReplyTo === messageId), 60_000);
    expect(report).toMatchObject({ to: ['billing@client.example'], subject: 'SMS delivery report: 2 of 2 delivered (Invoice)' });
    expect(report.text).toContain(`+447911123460  DELIVERED  [${ids[0]}]`);
    expect(report.text).toContain(`+447911123461  DELIVERED  [${ids[1]}]`);
  }, 90_000);
});
