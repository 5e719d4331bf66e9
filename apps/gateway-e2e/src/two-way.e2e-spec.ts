import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { MessageStatus, SendRequest } from '@smsgw/shared/util-proto';
import { ROOT, eventually, smsClient, smsgw, startStack } from './gateway';

// Two-way end to end: every app as its own process, the real broker and database, the SMSC
// simulator injecting MO over real SMPP, a real HTTP receiver as the account's webhook.
const KAFKA_BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
const KAFKA_TOPIC_PREFIX = `e2e2w-${Date.now().toString(36)}.`;
setTopicPrefix(KAFKA_TOPIC_PREFIX);
const PORTS = { simulatorSmpp: 22775, simulatorHttp: 28086, ingestHttp: 28081, ingestGrpc: 25051, encoderHttp: 28082, routerHttp: 28083, connectorHttp: 28084, dlrHttp: 28085 };
const SECRET = 'e2e-webhook-secret';
// Distinct per run, so rows of earlier runs in the shared database do not answer for this one.
const tail = String(Date.now()).slice(-5);
const NUMBER = `4477009${tail}`; // the account's long number
const OTP_HANDSET = `4474001${tail}`;
const STOP_HANDSET = `4474002${tail}`;
const ADMIN_HANDSET = `4474003${tail}`;

interface Hook {
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, string>;
}

describe('two-way: replies, STOP and START', () => {
  const work = mkdtempSync(join(tmpdir(), 'smsgw-e2e-2w-'));
  const logDir = join(work, 'logs');
  let stack: Awaited<ReturnType<typeof startStack>>;
  let client: ReturnType<typeof smsClient>;
  const hooks: Hook[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body, json: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  const target = `127.0.0.1:${PORTS.ingestGrpc}`;
  const admin = (...args: string[]) => smsgw([...args, '--target', target, '--json'], { SMSGW_ADMIN_TOKEN_FILE: stack.adminTokenFile });
  const mo = (from: string, text: string) =>
    fetch(`http://127.0.0.1:${PORTS.simulatorHttp}/mo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to: NUMBER, text }) });
  const hookFor = (from: string, action: string, text?: string) =>
    eventually(`the ${action} webhook from +${from}`, async () => hooks.find((h) => h.json['from'] === `+${from}` && h.json['action'] === action && (text === undefined || h.json['text'] === text)), 60_000);
  const delivered = (id: string) =>
    eventually(`message ${id} delivered`, async () => {
      const m = await client.getMessage({ id }).catch(() => undefined);
      return m && m.status >= MessageStatus.DELIVERED ? m : undefined;
    }, 60_000);
  const sendTo = (handset: string) => client.send({ to: `+${handset}`, from: NUMBER, text: 'Flash sale tomorrow' });
  const refusal = (handset: string) => sendTo(handset).then(() => undefined, (e: ServiceError) => e);

  beforeAll(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const carriersFile = join(work, 'carriers.yaml');
    writeFileSync(carriersFile, readFileSync(join(ROOT, 'config/carriers.yaml'), 'utf8').replace(/port: 2775/, `port: ${PORTS.simulatorSmpp}`));
    const routesFile = join(work, 'routes.yaml');
    writeFileSync(routesFile, 'routes:\n  - id: uk-demo\n    prefix: "+44"\n    carrier: demo\n    pricePerSegmentMicros: 4000\n');
    stack = await startStack({
      ports: PORTS,
      logDir,
      stateDir: join(work, 'state'),
      lockName: 'e2e',
      lockWaitMs: 600_000,
      what: 'two-way e2e test',
      env: { KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, DATABASE_URL, CARRIERS_FILE: carriersFile, ROUTES_FILE: routesFile, LOG_LEVEL: 'debug', WEBHOOK_SECRET: SECRET },
    });
    client = smsClient(target, stack.apiKey);
    const webhook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/inbound`;
    const settings = await admin('accounts', 'inbound', 'demo', '--webhook-url', webhook, '--optout-scope', 'account');
    expect(settings).toMatchObject({ code: 0 });
    expect(JSON.parse(settings.stdout)).toMatchObject({ webhookUrl: webhook, optoutScope: 'account' });
    expect(JSON.parse((await admin('accounts', 'show', 'demo')).stdout).inbound).toMatchObject({ webhookUrl: webhook, optoutScope: 'account' });
    const refusedUrl = await admin('accounts', 'inbound', 'demo', '--webhook-url', 'ftp://example.com/x');
    expect(refusedUrl.code).not.toBe(0);
    expect(refusedUrl.stdout + refusedUrl.stderr).toContain('POLICY.CALLBACK_URL_NOT_ALLOWED');
    const added = await admin('numbers', 'add', 'demo', `+${NUMBER}`);
    expect(JSON.parse(added.stdout)).toMatchObject({ number: NUMBER, keyword: '' });
  }, 780_000);

  afterAll(async () => {
    await admin('numbers', 'remove', NUMBER).catch(() => undefined);
    client?.close();
    await stack?.stop();
    await new Promise((r) => receiver.close(r));
  }, 60_000);

  it('a reply to an OTP reaches the sending account\'s webhook (signed) and WatchInbound with the original message\'s id', async () => {
    const otp = await client.send({ to: `+${OTP_HANDSET}`, from: NUMBER, text: 'Your code is 551177' });
    await delivered(otp.id);
    expect((await mo(OTP_HANDSET, 'Hello there')).status).toBe(202);
    const first = await hookFor(OTP_HANDSET, 'message', 'Hello there');
    // A stream resumed after the first message gets the second and not the first.
    const watch = client.watchInbound(first.json['id']);
    expect((await mo(OTP_HANDSET, 'Thanks, that worked')).status).toBe(202);

    const hook = await hookFor(OTP_HANDSET, 'message', 'Thanks, that worked');
    expect(hook.json).toMatchObject({ type: 'inbound', to: NUMBER, text: 'Thanks, that worked', relatedMessageId: otp.id, match: 'number', autoReplyMessageId: '', carrier: 'demo' });
    expect(hook.headers['x-smsgw-event-id']).toBe(`inbound.${hook.json['id']}`);
    const signature = createHmac('sha256', SECRET).update(`${hook.headers['x-smsgw-timestamp']}.${hook.body}`).digest('hex');
    expect(hook.headers['x-smsgw-signature']).toBe(`sha256=${signature}`);

    const streamed = await eventually('the reply on WatchInbound', async () => watch.received.find((m) => m.id === hook.json['id']));
    watch.cancel();
    expect(watch.received.map((m) => m.id)).not.toContain(first.json['id']);
    expect(watch.state.error).toBeUndefined();
    expect(streamed).toMatchObject({ from: `+${OTP_HANDSET}`, to: NUMBER, text: 'Thanks, that worked', relatedMessageId: otp.id, action: 'message' });
  }, 120_000);

  it('STOP opts the handset out (webhook, auto-reply delivered to it, sends refused with POLICY.OPTED_OUT); START lifts it', async () => {
    await delivered((await sendTo(STOP_HANDSET)).id);
    expect((await mo(STOP_HANDSET, 'STOP')).status).toBe(202);
    const stop = await hookFor(STOP_HANDSET, 'opt_out');
    expect(stop.json).toMatchObject({ keyword: 'STOP', to: NUMBER });
    expect(stop.json['autoReplyMessageId']).toMatch(/^[0-9A-Z]{26}$/);
    // The confirmation went through the pipeline to the handset that just opted out.
    const reply = await delivered(stop.json['autoReplyMessageId']);
    expect(reply).toMatchObject({ status: MessageStatus.DELIVERED, to: `+${STOP_HANDSET}`, carrier: 'demo' });

    // Ingest trusts a handset's suppression answer for a second (the send above cached "not opted out").
    const refused = await eventually('sends to the opted-out handset refused', () => refusal(STOP_HANDSET), 5_000);
    expect(refused).toMatchObject({ code: grpcStatus.FAILED_PRECONDITION });
    expect(refused?.details).toMatch(/\[POLICY\.OPTED_OUT\]$/);
    const batch = await client.sendBatch({ messages: [SendRequest.create({ to: `+${STOP_HANDSET}`, from: NUMBER, text: 'Sale' }), SendRequest.create({ to: `+${OTP_HANDSET}`, from: NUMBER, text: 'Sale' })] });
    expect(batch.results.map((r) => r.error?.code ?? 'accepted')).toEqual(['POLICY.OPTED_OUT', 'accepted']);
    const listed = JSON.parse((await admin('optout', 'list', 'demo')).stdout) as { optOuts: { number: string; source: string; sender: string }[] };
    expect(listed.optOuts).toContainEqual(expect.objectContaining({ number: `+${STOP_HANDSET}`, source: 'keyword', sender: '' }));

    expect((await mo(STOP_HANDSET, 'start')).status).toBe(202);
    const start = await hookFor(STOP_HANDSET, 'opt_in');
    await delivered(start.json['autoReplyMessageId']);
    // Within the suppression cache's second, sends go through again.
    await eventually('sends to the handset accepted again', async () => ((await refusal(STOP_HANDSET)) === undefined ? true : undefined));
  }, 180_000);

  it('an operator adds and removes opt-outs with the CLI; the metrics count inbound messages and opt-outs; logs hold no handset number or text', async () => {
    expect(JSON.parse((await admin('optout', 'add', 'demo', `+${ADMIN_HANDSET}`)).stdout)).toMatchObject({ number: `+${ADMIN_HANDSET}`, source: 'admin' });
    await eventually('the opt-out to take effect', async () => ((await refusal(ADMIN_HANDSET))?.code === grpcStatus.FAILED_PRECONDITION ? true : undefined));
    expect((await admin('optout', 'remove', 'demo', `+${ADMIN_HANDSET}`)).code).toBe(0);
    await eventually('the opt-out lifted', async () => ((await refusal(ADMIN_HANDSET)) === undefined ? true : undefined));
    const again = await admin('optout', 'remove', 'demo', `+${ADMIN_HANDSET}`);
    expect(again.code).not.toBe(0);
    expect(again.stdout + again.stderr).toContain('INBOUND.NOT_FOUND');

    const metrics = await (await fetch(`http://127.0.0.1:${PORTS.dlrHttp}/metrics`)).text();
    expect(metrics).toMatch(/smsgw_inbound_messages_total\{[^}]*outcome="routed"[^}]*\} [4-9]/);
    expect(metrics).toMatch(/smsgw_optouts_total\{[^}]*action="opt_out"[^}]*\} 1/);
    expect(metrics).toMatch(/smsgw_optouts_total\{[^}]*action="opt_in"[^}]*\} 1/);

    const forbidden = [OTP_HANDSET, STOP_HANDSET, ADMIN_HANDSET, 'Hello there', 'Thanks, that worked', 'Flash sale'];
    const leaks = readdirSync(logDir).flatMap((f) => {
      const text = readFileSync(join(logDir, f), 'utf8');
      return forbidden.filter((w) => text.includes(w)).map((w) => `${f}: ${w}`);
    });
    expect(leaks).toEqual([]);
  }, 120_000);
});
