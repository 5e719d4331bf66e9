import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS, setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { Encoding, MessageStatus, RawReceipt, SendRequest, SubmitRejected } from '@smsgw/shared/util-proto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { ROOT, eventually, smsClient, smsgw, startStack } from './gateway';

// The walking skeleton end to end: every app as its own process, the real broker and database,
// the SMSC simulator over real SMPP. Ports differ from `npm start`'s so both can run.
const KAFKA_BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
// Own topics and consumer groups for this run: nothing left on the broker by other tests (or an
// earlier run) stands in the way, and nothing of this run reaches a dev stack on the same broker.
const KAFKA_TOPIC_PREFIX = `e2e-${Date.now().toString(36)}.`;
setTopicPrefix(KAFKA_TOPIC_PREFIX);
const PORTS = { simulatorSmpp: 12775, simulatorHttp: 18086, ingestHttp: 18081, ingestGrpc: 15051, ingestApi: 18080, encoderHttp: 18082, routerHttp: 18083, connectorHttp: 18084, dlrHttp: 18085, consoleHttp: 18088, console: 18089, emailHttp: 18087, emailSmtp: 12525 };

const GSM_TEXT = 'Your code is 123456. Valid for 5 minutes.';
const UCS2_TEXT = 'Привет! '.repeat(18); // 144 UTF-16 units: 3 segments of at most 67

describe('one SMS from gRPC Send to its delivery receipt', () => {
  const work = mkdtempSync(join(tmpdir(), 'smsgw-e2e-'));
  let stack: Awaited<ReturnType<typeof startStack>>;
  let client: ReturnType<typeof smsClient>;
  const db = new Client({ connectionString: DATABASE_URL });
  const kafka = new Kafka({ brokers: KAFKA_BROKERS.split(','), clientId: 'e2e-test', logLevel: logLevel.NOTHING });
  const restarts: string[] = [];
  /** What an sms.submit.v1 record carries: the demo account's id and key. */
  let submitHeaders: Record<string, string> = {};

  beforeAll(async () => {
    const carriersFile = join(work, 'carriers.yaml');
    writeFileSync(carriersFile, readFileSync(join(ROOT, 'config/carriers.yaml'), 'utf8').replace(/port: 2775/, `port: ${PORTS.simulatorSmpp}`));
    const routesFile = join(work, 'routes.yaml');
    // Only UK numbers have a route, so a US number shows NO_ROUTE.
    writeFileSync(routesFile, 'routes:\n  - id: uk-demo\n    prefix: "+44"\n    carrier: demo\n    pricePerSegmentMicros: 4000\n');
    stack = await startStack({ ports: PORTS, logDir: join(work, 'logs'), stateDir: join(work, 'state'), lockName: 'e2e', lockWaitMs: 600_000, what: 'gateway-e2e test', onRestart: (line: string) => restarts.push(line), env: { KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, DATABASE_URL, CARRIERS_FILE: carriersFile, ROUTES_FILE: routesFile, LOG_LEVEL: 'debug' } });
    client = smsClient(`127.0.0.1:${PORTS.ingestGrpc}`, stack.apiKey);
    await db.connect();
    const { rows } = await db.query("SELECT id FROM accounts WHERE name = 'demo'");
    submitHeaders = { authorization: `Bearer ${stack.apiKey}`, 'smsgw-account': rows[0].id };
  }, 780_000); // may wait for another e2e stack to stop (tools/stack.cjs lock)

  afterAll(async () => {
    client?.close();
    await db.end();
    await stack?.stop();
  }, 60_000);

  const final = (id: string) =>
    eventually(`message ${id} to reach a final status`, async () => {
      const m = await client.getMessage({ id }).catch(() => undefined);
      return m && m.status >= MessageStatus.DELIVERED ? m : undefined;
    });

  it('delivers a GSM-7 message and a 3-segment UCS-2 message sent over gRPC', async () => {
    const gsm = await client.send({ to: '+447911123456', from: 'SMSGW', text: GSM_TEXT });
    const ucs2 = await client.send({ to: '07911 123457', from: '447700900001', text: UCS2_TEXT });
    expect(gsm).toMatchObject({ status: MessageStatus.ACCEPTED, encoding: Encoding.GSM7, segments: 1 });
    expect(ucs2).toMatchObject({ status: MessageStatus.ACCEPTED, encoding: Encoding.UCS2, segments: 3 });
    expect(typeof gsm.acceptedAt?.seconds).toBe('number');
    expect(Math.abs((gsm.acceptedAt?.seconds ?? 0) - Date.now() / 1000)).toBeLessThan(60);

    const [a, b] = await Promise.all([final(gsm.id), final(ucs2.id)]);
    expect(a).toMatchObject({ id: gsm.id, status: MessageStatus.DELIVERED, encoding: Encoding.GSM7, segments: 1, segmentsDelivered: 1, carrier: 'demo', to: '+447911123456' });
    expect(b).toMatchObject({ id: ucs2.id, status: MessageStatus.DELIVERED, encoding: Encoding.UCS2, segments: 3, segmentsDelivered: 3, carrier: 'demo', to: '+447911123457' });
    expect(a.submittedAt?.seconds).toBeGreaterThan(0);
    expect(a.completedAt?.seconds).toBeGreaterThan(0);
  }, 60_000);

  it('delivers the same messages published as events to sms.submit.v1 (with the account and its key), and rejects a garbage or unauthenticated event with its reason', async () => {
    const ref = `e2e-${Date.now()}`;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: TOPICS.submit.name,
      acks: -1,
      messages: [
        { key: `${ref}-1`, headers: submitHeaders, value: Buffer.from(SendRequest.encode(SendRequest.create({ to: '+447911123456', from: 'SMSGW', text: GSM_TEXT, clientReference: `${ref}-gsm` })).finish()) },
        { key: `${ref}-2`, headers: submitHeaders, value: Buffer.from(SendRequest.encode(SendRequest.create({ to: '+447911123457', from: 'SMSGW', text: UCS2_TEXT, clientReference: `${ref}-ucs2` })).finish()) },
        { key: `${ref}-garbage`, headers: submitHeaders, value: Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02]) },
        { key: `${ref}-bad-number`, headers: submitHeaders, value: Buffer.from(SendRequest.encode(SendRequest.create({ to: 'nonsense', from: 'SMSGW', text: 'x' })).finish()) },
        { key: `${ref}-no-key`, value: Buffer.from(SendRequest.encode(SendRequest.create({ to: '+447911123456', from: 'SMSGW', text: GSM_TEXT, clientReference: `${ref}-no-key` })).finish()) },
      ],
    });
    await producer.disconnect();

    const byRef = (clientReference: string) =>
      eventually(`the message with reference ${clientReference} to be DELIVERED`, async () => {
        const { rows } = await db.query('SELECT id, status, encoding, segment_count FROM messages WHERE client_reference = $1', [clientReference]);
        return rows[0]?.status === MessageStatus.DELIVERED ? rows[0] : undefined;
      });
    expect(await byRef(`${ref}-gsm`)).toMatchObject({ encoding: Encoding.GSM7, segment_count: 1 });
    expect(await byRef(`${ref}-ucs2`)).toMatchObject({ encoding: Encoding.UCS2, segment_count: 3 });

    const rejected = new Map<string, SubmitRejected>();
    const consumer = kafka.consumer({ groupId: `e2e-rejected-${ref}` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.submitRejected.name, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void rejected.set(message.key?.toString() ?? '', SubmitRejected.decode(message.value ?? Buffer.alloc(0))) });
    try {
      await eventually('both bad events on sms.submit.rejected.v1', async () => (rejected.has(`${ref}-garbage`) && rejected.has(`${ref}-bad-number`) && rejected.has(`${ref}-no-key`) ? true : undefined));
    } finally {
      await consumer.disconnect();
    }
    expect(rejected.get(`${ref}-garbage`)).toMatchObject({ code: 'SUBMIT.UNDECODABLE' });
    expect(Buffer.from(rejected.get(`${ref}-garbage`)!.originalValue)).toEqual(Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02]));
    expect(rejected.get(`${ref}-bad-number`)).toMatchObject({ code: 'VALIDATION.INVALID_DESTINATION', field: 'to' });
    expect(rejected.get(`${ref}-bad-number`)!.reason).toContain('nonsense');
    expect(rejected.get(`${ref}-no-key`)).toMatchObject({ code: 'AUTH.MISSING_KEY' });
    // The events were sent as the demo account: its key reads them.
    const { rows } = await db.query('SELECT id FROM messages WHERE client_reference = $1', [`${ref}-gsm`]);
    expect((await client.getMessage({ id: rows[0].id })).clientReference).toBe(`${ref}-gsm`);
  }, 90_000);

  it('refuses bad requests with the field and reason, fails unroutable ones with NO_ROUTE, and delivers the messages around them', async () => {
    const before = await client.send({ to: '+447911123456', from: 'SMSGW', text: 'before' });
    const badNumber = await client.send({ to: '12', from: 'SMSGW', text: 'x' }).catch((e: ServiceError) => e);
    const emptyBody = await client.send({ to: '+447911123456', from: 'SMSGW', text: '' }).catch((e: ServiceError) => e);
    const noRoute = await client.send({ to: '+12015550123', from: 'SMSGW', text: 'nowhere to go' });
    const after = await client.send({ to: '+447911123456', from: 'SMSGW', text: 'after' });

    expect(badNumber).toMatchObject({ code: grpcStatus.INVALID_ARGUMENT });
    expect((badNumber as ServiceError).details).toMatch(/^to "12" is not a valid phone number.*\[VALIDATION.INVALID_DESTINATION\]$/);
    expect(emptyBody).toMatchObject({ code: grpcStatus.INVALID_ARGUMENT });
    expect((emptyBody as ServiceError).details).toMatch(/^text is empty.*\[VALIDATION.EMPTY_TEXT\]$/);

    const failed = await final(noRoute.id);
    expect(failed).toMatchObject({ status: MessageStatus.FAILED, reasonCode: 'NO_ROUTE' });
    expect((await final(before.id)).status).toBe(MessageStatus.DELIVERED);
    expect((await final(after.id)).status).toBe(MessageStatus.DELIVERED);
  }, 60_000);

  it('posts every status change to the callback URL, ending with DELIVERED', async () => {
    const posts: { status: string; id: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        posts.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/sms-status`;
      const sent = await client.send({ to: '+447911123462', from: 'SMSGW', text: 'Tell me when it arrives', clientReference: 'cb-1', callbackUrl });
      await eventually('the DELIVERED callback', async () => (posts.some((p) => p.id === sent.id && p.status === 'DELIVERED') ? true : undefined));
      // SUBMITTED is skipped when the receipt is projected before the submit report.
      const statuses = posts.filter((p) => p.id === sent.id).map((p) => p.status);
      expect([['ACCEPTED', 'SUBMITTED', 'DELIVERED'], ['ACCEPTED', 'DELIVERED']]).toContainEqual(statuses);
      expect(posts[0]).toMatchObject({ clientReference: 'cb-1' });
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  }, 60_000);

  it('holds a scheduled message until its send time, and cancels another before it', async () => {
    const sendAtMs = Date.now() + 4_000;
    const later = await client.send({ to: '+447911123460', from: 'SMSGW', text: 'Your appointment is tomorrow at 9:00.', sendAtMs });
    const canceled = await client.send({ to: '+447911123461', from: 'SMSGW', text: 'Sale starts now!', sendAtMs });
    expect(later.status).toBe(MessageStatus.SCHEDULED);
    await eventually('the scheduled message in the status store', async () => ((await client.getMessage({ id: canceled.id }).catch(() => undefined))?.status === MessageStatus.SCHEDULED ? true : undefined));
    expect(await client.cancelMessage({ id: canceled.id })).toEqual({ canceled: true, status: MessageStatus.CANCELED });
    expect((await client.getMessage({ id: later.id })).status).toBe(MessageStatus.SCHEDULED);

    const delivered = await final(later.id);
    const submittedAtMs = (delivered.submittedAt?.seconds ?? 0) * 1000 + (delivered.submittedAt?.nanos ?? 0) / 1e6;
    expect(delivered.status).toBe(MessageStatus.DELIVERED);
    expect(submittedAtMs).toBeGreaterThanOrEqual(sendAtMs - 50); // not before its time (PostgreSQL's clock decides)
    expect(await final(canceled.id)).toMatchObject({ status: MessageStatus.CANCELED, reasonCode: 'CANCELED' });
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM segments WHERE message_id = $1', [canceled.id]);
    expect(rows[0].n).toBe(0); // never submitted
    expect(await client.cancelMessage({ id: later.id })).toEqual({ canceled: false, status: MessageStatus.DELIVERED });
    expect(await client.cancelMessage({ id: canceled.id })).toEqual({ canceled: true, status: MessageStatus.CANCELED });
  }, 60_000);

  it('HTTP API: curl-equivalent calls through to DELIVERED, the SSE stream showing each change in order, and a cancel over HTTP', async () => {
    const api = `http://127.0.0.1:${PORTS.ingestApi}`;
    const auth = { authorization: `Bearer ${stack.apiKey}` };
    const post = async (path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${api}${path}`, { method: 'POST', headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    // Held for 3 s first, so the stream shows SCHEDULED and then every later status it sees.
    const soon = await post('/v1/messages', { to: '+447911123470', from: 'SMSGW', text: 'Your code is 424242', sendAtMs: Date.now() + 3_000 }, { 'idempotency-key': `e2e-http-${KAFKA_TOPIC_PREFIX}` });
    const later = await post('/v1/messages', { to: '+447911123471', from: 'SMSGW', text: 'See you next year', sendAtMs: Date.now() + 3_600_000 });
    const now = await post('/v1/messages:batch', { messages: [{ to: '+447911123472', from: 'SMSGW', text: 'Right away' }, { to: 'nonsense', from: 'SMSGW', text: 'x' }] });
    expect(soon).toMatchObject({ status: 202, body: { status: 'SCHEDULED', encoding: 'gsm7', segments: 1, duplicate: false } });
    expect(later.status).toBe(202);
    const results = now.body['results'] as { accepted?: { id: string }; error?: { code: string } }[];
    expect(results[1].error?.code).toBe('VALIDATION.INVALID_DESTINATION');
    const ids = [soon.body['id'], later.body['id'], results[0].accepted?.id] as string[];

    // curl -N -H "Authorization: Bearer …" …/v1/messages/events?ids=a,b,c
    const events: { event: string; data: { id?: string; status?: string } }[] = [];
    const stream = (async () => {
      const res = await fetch(`${api}/v1/messages/events?ids=${ids.join(',')}`, { headers: auth });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += Buffer.from(chunk).toString();
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event) events.push({ event, data: JSON.parse(data ?? '{}') });
        }
      }
    })();
    await eventually('the held message in the stream', async () => (events.some((e) => e.data.id === ids[1] && e.data.status === 'SCHEDULED') ? true : undefined));
    expect(await post(`/v1/messages/${ids[1]}:cancel`)).toEqual({ status: 200, body: { canceled: true, status: 'CANCELED' } });
    await stream; // ends by itself once all three are final
    expect(events[events.length - 1]).toEqual({ event: 'end', data: {} });
    const ORDER = ['SCHEDULED', 'ACCEPTED', 'ROUTED', 'SUBMITTED', 'DELIVERED', 'CANCELED'];
    const seen = (id: string) => events.filter((e) => e.event === 'status' && e.data.id === id).map((e) => e.data.status as string);
    for (const id of ids) {
      const statuses = seen(id);
      // Forward only, each a change (no repeats), in the order the message went through them.
      expect(statuses.map((s) => ORDER.indexOf(s))).toEqual([...new Set(statuses.map((s) => ORDER.indexOf(s)))].sort((a, b) => a - b));
    }
    expect(seen(ids[0])[0]).toBe('SCHEDULED');
    expect(seen(ids[0]).at(-1)).toBe('DELIVERED');
    expect(seen(ids[0]).length).toBeGreaterThanOrEqual(2);
    expect(seen(ids[1])).toEqual(['SCHEDULED', 'CANCELED']);
    expect(seen(ids[2]).at(-1)).toBe('DELIVERED');

    // curl -H "Authorization: Bearer …" …/v1/messages/{id}
    const read = await fetch(`${api}/v1/messages/${ids[0]}`, { headers: auth });
    expect(await read.json()).toMatchObject({ id: ids[0], status: 'DELIVERED', to: '+447911123470', carrier: 'demo', segmentsDelivered: 1, completedAt: expect.any(String) });
    const again = await post('/v1/messages', { to: '+447911123470', from: 'SMSGW', text: 'Your code is 424242' }, { 'idempotency-key': `e2e-http-${KAFKA_TOPIC_PREFIX}` });
    expect(again.body).toMatchObject({ id: ids[0], duplicate: true });
    const refused = await fetch(`${api}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect({ status: refused.status, type: refused.headers.get('content-type'), code: ((await refused.json()) as { code: string }).code }).toEqual({ status: 401, type: 'application/problem+json; charset=utf-8', code: 'AUTH.MISSING_KEY' });
  }, 90_000);

  it('starts an app killed with SIGKILL again, and the pipeline delivers again', async () => {
    const entry = stack.processes.find((p) => p.app.name === 'dlr-processor')!;
    const killed = entry.child;
    killed.kill('SIGKILL');
    await eventually('the restart line', async () => restarts.find((l) => l.startsWith('dlr-processor exited')));
    expect(restarts).toEqual([expect.stringMatching(/^dlr-processor exited \(signal SIGKILL\); starting it again in 1 s; log .*dlr-processor\.log$/)]);
    await eventually('a new dlr-processor process', async () => (entry.child !== killed && entry.child.pid ? true : undefined));
    await eventually('the new dlr-processor healthy', async () => ((await fetch(`http://127.0.0.1:${PORTS.dlrHttp}/healthz`)).ok ? true : undefined));
    const sent = await client.send({ to: '+447911123456', from: 'SMSGW', text: 'after the restart' });
    expect((await final(sent.id)).status).toBe(MessageStatus.DELIVERED);
  }, 90_000);

  describe('accounts and API keys', () => {
    const target = `127.0.0.1:${PORTS.ingestGrpc}`;
    const run = Date.now().toString(36);
    const admin = (...args: string[]) => smsgw([...args, '--target', target, '--json'], { SMSGW_ADMIN_TOKEN_FILE: stack.adminTokenFile });
    const json = async (p: ReturnType<typeof smsgw>) => {
      const r = await p;
      if (r.code !== 0) throw new Error(`smsgw exited ${r.code}: ${r.stdout}${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: ServiceError) => ({ code: e.code, details: e.details }));
    const SMS = { to: '+447911123470', from: 'SMSGW', text: 'Your code is 424242.' };

    it('receipts unmatched lists a receipt whose stat word nobody mapped, with its reason (admin API)', async () => {
      const smscId = `e2e-${run}-odd`;
      const producer = kafka.producer();
      await producer.connect();
      const value = RawReceipt.encode(RawReceipt.create({ carrierId: 'demo', smscMessageId: smscId, shortMessage: `id:${smscId} sub:001 dlvrd:001 stat:GONE_FISHING err:000`, esmClass: 4, receivedAtMs: Date.now() })).finish();
      await producer.send({ topic: TOPICS.dlrRaw.name, messages: [{ key: `demo/${smscId}`, value: Buffer.from(value) }] });
      await producer.disconnect();
      const listed = await eventually('the receipt listed as unmatched', async () => (await json(admin('receipts', 'unmatched', '--carrier', 'demo'))).receipts.find((r: { smscMessageId: string }) => r.smscMessageId === smscId));
      expect(listed).toMatchObject({ carrier: 'demo', reason: 'DLR.UNKNOWN_STAT', statWord: 'GONE_FISHING', messageId: null, detail: expect.stringContaining('receiptStats') });
    }, 60_000);

    it('refuses calls without a key, with a malformed key and with an unknown key: UNAUTHENTICATED with the code', async () => {
      const none = smsClient(target);
      const malformed = smsClient(target, 'sk_live_123');
      const unknown = smsClient(target, `smsgw_000000000000_${'a'.repeat(43)}`);
      try {
        expect(await refusal(none.send(SMS))).toEqual({ code: grpcStatus.UNAUTHENTICATED, details: expect.stringMatching(/authorization: Bearer.*\[AUTH.MISSING_KEY\]$/) });
        expect(await refusal(none.getMessage({ id: 'x' }))).toMatchObject({ code: grpcStatus.UNAUTHENTICATED });
        expect(await refusal(none.sendBatch({ messages: [SendRequest.create(SMS)] }))).toMatchObject({ code: grpcStatus.UNAUTHENTICATED });
        expect(await refusal(none.cancelMessage({ id: 'x' }))).toMatchObject({ code: grpcStatus.UNAUTHENTICATED });
        expect((await none.watchStatus(['x'], 5000)).error).toMatchObject({ code: grpcStatus.UNAUTHENTICATED });
        expect(await refusal(malformed.send(SMS))).toEqual({ code: grpcStatus.UNAUTHENTICATED, details: expect.stringMatching(/\[AUTH.MALFORMED_KEY\]$/) });
        expect(await refusal(unknown.send(SMS))).toEqual({ code: grpcStatus.UNAUTHENTICATED, details: expect.stringMatching(/\[AUTH.INVALID_KEY\]$/) });
        // The admin API wants the admin token, not an API key.
        const wrongToken = join(work, 'wrong-token');
        writeFileSync(wrongToken, 'not-the-admin-token-at-all\n');
        const r = await smsgw(['accounts', 'list', '--target', target, '--json', '--admin-token-file', wrongToken]);
        expect(r.code).toBe(1);
        expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('AUTH.INVALID_ADMIN_TOKEN') });
      } finally {
        [none, malformed, unknown].forEach((c) => c.close());
      }
    }, 60_000);

    it('accounts create --json then send --api-key works; the message is its account\'s: another account gets NOT_FOUND', async () => {
      const a = await json(admin('accounts', 'create', `e2e-a-${run}`));
      const b = await json(admin('accounts', 'create', `e2e-b-${run}`));
      expect(a).toMatchObject({ id: expect.any(String), apiKey: expect.stringMatching(/^smsgw_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}$/) });
      const sent = await smsgw(['send', '--to', SMS.to, '--from', SMS.from, '--text', SMS.text, '--target', target, '--api-key', a.apiKey, '--json']);
      expect(sent.code).toBe(0);
      const { id } = JSON.parse(sent.stdout);
      const asA = smsClient(target, a.apiKey);
      const asB = smsClient(target, b.apiKey);
      try {
        const mine = await eventually('A to see its message DELIVERED', async () => {
          const m = await asA.getMessage({ id }).catch(() => undefined);
          return m?.status === MessageStatus.DELIVERED ? m : undefined;
        });
        expect(mine).toMatchObject({ id, to: SMS.to });
        const { rows } = await db.query('SELECT client_id FROM messages WHERE id = $1', [id]);
        expect(rows[0].client_id).toBe(a.id);
        expect(await refusal(asB.getMessage({ id }))).toMatchObject({ code: grpcStatus.NOT_FOUND });
        expect(await refusal(client.getMessage({ id }))).toMatchObject({ code: grpcStatus.NOT_FOUND });
        expect(await refusal(asB.cancelMessage({ id }))).toMatchObject({ code: grpcStatus.NOT_FOUND });
        const watchedByA = await asA.watchStatus([id], 10_000);
        expect(watchedByA).toEqual({ updates: [expect.objectContaining({ id, status: MessageStatus.DELIVERED })] });
        const watchedByB = await asB.watchStatus([id], 1500);
        expect(watchedByB.updates).toEqual([]);
        expect(watchedByB.error).toMatchObject({ code: grpcStatus.DEADLINE_EXCEEDED });
        // Usage by day and status: A's message is A's (the API key's account, or any account with the admin token), not B's.
        const today = new Date().toISOString().slice(0, 10);
        const usageOfA = await json(smsgw(['usage', '--target', target, '--api-key', a.apiKey, '--json']));
        expect(usageOfA).toMatchObject({ accountId: a.id, toDay: today, rows: [{ day: today, status: 'DELIVERED', messages: 1, segments: 1 }], total: { messages: 1, segments: 1 } });
        expect(await json(admin('usage', '--account', `e2e-a-${run}`))).toEqual(usageOfA);
        expect(await json(smsgw(['usage', '--target', target, '--api-key', b.apiKey, '--json']))).toMatchObject({ accountId: b.id, rows: [], total: { messages: 0 } });
        // Idempotency keys are per account: the same key in B is a new message.
        const first = await asA.send({ ...SMS, idempotencyKey: `k-${run}` });
        expect(await asA.send({ ...SMS, idempotencyKey: `k-${run}` })).toMatchObject({ id: first.id, duplicate: true });
        expect(await asB.send({ ...SMS, idempotencyKey: `k-${run}` })).toMatchObject({ duplicate: false });
      } finally {
        asA.close();
        asB.close();
      }
    }, 90_000);

    it('a revoked key stops working within about a second; the account\'s other key goes on', async () => {
      const account = await json(admin('accounts', 'create', `e2e-rotate-${run}`));
      const second = await json(admin('keys', 'create', account.id));
      expect(second).toMatchObject({ accountId: account.id, apiKey: expect.stringMatching(/^smsgw_/) });
      const old = smsClient(target, account.apiKey);
      const fresh = smsClient(target, second.apiKey);
      try {
        await old.send(SMS);
        const revoked = await json(admin('keys', 'revoke', account.keyId));
        const revokedAt = Date.now();
        expect(revoked).toMatchObject({ keyId: account.keyId, revokedAt: expect.any(String) });
        const refused = await eventually('the revoked key to be refused', async () => refusal(old.send(SMS)), 5000);
        expect(Date.now() - revokedAt).toBeLessThan(1600); // KEY_CACHE_MS (1 s) and one poll
        expect(refused).toEqual({ code: grpcStatus.UNAUTHENTICATED, details: expect.stringMatching(/\[AUTH.KEY_REVOKED\]$/) });
        expect((await fresh.send(SMS)).id).toBeTruthy();
        const shown = await json(admin('accounts', 'show', account.id));
        expect(shown.keys).toEqual(expect.arrayContaining([expect.objectContaining({ keyId: account.keyId, revokedAt: expect.any(String) }), expect.objectContaining({ keyId: second.keyId, revokedAt: null })]));
      } finally {
        old.close();
        fresh.close();
      }
    }, 90_000);

    it('a disabled account gets PERMISSION_DENIED within about a second, and works again once enabled', async () => {
      const account = await json(admin('accounts', 'create', `e2e-off-${run}`));
      const c = smsClient(target, account.apiKey);
      try {
        await c.send(SMS);
        expect(await json(admin('accounts', 'disable', account.id))).toMatchObject({ enabled: false });
        const disabledAt = Date.now();
        const refused = await eventually('the disabled account to be refused', async () => refusal(c.send(SMS)), 5000);
        expect(Date.now() - disabledAt).toBeLessThan(1600); // KEY_CACHE_MS (1 s) and one poll
        expect(refused).toEqual({ code: grpcStatus.PERMISSION_DENIED, details: expect.stringMatching(/\[AUTH.ACCOUNT_DISABLED\]$/) });
        expect(await json(admin('accounts', 'enable', `e2e-off-${run}`))).toMatchObject({ enabled: true });
        await eventually('the enabled account to be accepted again', async () => (await c.send(SMS).catch(() => undefined))?.id, 5000);
        const list = await json(admin('accounts', 'list'));
        expect(list.accounts).toEqual(expect.arrayContaining([expect.objectContaining({ id: account.id, enabled: true }), expect.objectContaining({ name: 'demo' })]));
      } finally {
        c.close();
      }
    }, 90_000);

    it("an account's policy refuses a sender id, a country, a premium-rate number and private or http callbacks with their codes, on Send and per message in SendBatch", async () => {
      const account = await json(admin('accounts', 'create', `e2e-policy-${run}`));
      const set = await json(admin('accounts', 'policy', account.id, '--senders', 'ACME,OPS*', '--countries', 'GB,GG'));
      expect(set).toEqual({ senders: ['ACME', 'OPS*'], countries: ['GB', 'GG'], allowedNumberTypes: [], callbackHttp: false, callbackPrivate: false, ratePerSecond: 100, rateBurst: 200, pumpingMode: 'refuse', pumpingMinPerMinute: 1000, pumpingFactor: 10, defaultSender: '', emailSenders: [], emailReports: false });
      expect((await json(admin('accounts', 'show', account.id))).policy).toEqual(set);
      const c = smsClient(target, account.apiKey);
      const ok = { to: '+447911123470', from: 'ACME', text: 'Your code is 424242.' };
      try {
        expect((await c.send(ok)).id).toBeTruthy();
        expect((await c.send({ ...ok, from: 'OPSDESK' })).id).toBeTruthy();
        expect(await refusal(c.send({ ...ok, from: 'OTHER' }))).toEqual({ code: grpcStatus.PERMISSION_DENIED, details: expect.stringMatching(/^from "OTHER" is not one of this account's sender ids.*\[POLICY.SENDER_NOT_ALLOWED\]$/) });
        expect(await refusal(c.send({ ...ok, to: '+33612345678' }))).toEqual({ code: grpcStatus.PERMISSION_DENIED, details: expect.stringMatching(/may not send to FR .*\[POLICY.COUNTRY_NOT_ALLOWED\]$/) });
        expect(await refusal(c.send({ ...ok, to: '+449098790123' }))).toEqual({ code: grpcStatus.PERMISSION_DENIED, details: expect.stringMatching(/PREMIUM_RATE.*\[POLICY.NUMBER_TYPE_BLOCKED\]$/) });
        // What the demo account may do (the callback test above), another account may not.
        expect(await refusal(c.send({ ...ok, callbackUrl: 'http://127.0.0.1:9/sms-status' }))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/must be https.*\[POLICY.CALLBACK_URL_NOT_ALLOWED\]$/) });
        expect(await refusal(c.send({ ...ok, callbackUrl: 'https://192.168.1.20/sms-status' }))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/private address.*\[POLICY.CALLBACK_URL_NOT_ALLOWED\]$/) });
        expect(await refusal(c.send({ ...ok, callbackUrl: 'https://[::1]:8443/sms-status' }))).toMatchObject({ code: grpcStatus.INVALID_ARGUMENT });
        const batch = await c.sendBatch({ messages: [SendRequest.create(ok), SendRequest.create({ ...ok, from: 'OTHER' }), SendRequest.create({ ...ok, callbackUrl: 'https://10.1.2.3/cb' })] });
        expect(batch.results.map((r) => r.error?.code ?? 'accepted')).toEqual(['accepted', 'POLICY.SENDER_NOT_ALLOWED', 'POLICY.CALLBACK_URL_NOT_ALLOWED']);
        expect(batch.results[1].error).toMatchObject({ field: 'from' });
        // Allowing private callbacks reaches ingest within the key cache's second (port 9: refused at once, no slow retries).
        expect(await json(admin('accounts', 'policy', account.id, '--callback-http', '--callback-private'))).toMatchObject({ senders: ['ACME', 'OPS*'], callbackHttp: true, callbackPrivate: true });
        const allowed = await eventually('the new policy to apply', async () => c.send({ ...ok, callbackUrl: 'http://127.0.0.1:9/sms-status' }).catch(() => undefined), 5000);
        expect(allowed.id).toBeTruthy();
        const metrics = await (await fetch(`http://127.0.0.1:${PORTS.ingestHttp}/metrics`)).text();
        expect(metrics).toMatch(/smsgw_policy_refused_total\{code="POLICY.SENDER_NOT_ALLOWED"[^}]*\} [1-9]/);
      } finally {
        c.close();
      }
    }, 90_000);

    it('over its rate an account gets RESOURCE_EXHAUSTED [RATE.LIMITED] with the time to retry (message and retry-after-ms trailer); SendBatch per message; the demo account is not limited', async () => {
      const account = await json(admin('accounts', 'create', `e2e-rate-${run}`));
      expect(await json(admin('accounts', 'policy', account.id, '--rate', '5', '--burst', '5'))).toMatchObject({ ratePerSecond: 5, rateBurst: 5 });
      const c = smsClient(target, account.apiKey);
      try {
        const outcomes = await Promise.all(Array.from({ length: 12 }, () => c.send(SMS).then(() => undefined, (e: ServiceError) => e)));
        const refused = outcomes.filter((e): e is ServiceError => e !== undefined);
        expect(refused.length).toBeGreaterThanOrEqual(7); // 5 a second: the 12 arrive together, in the account's first window
        for (const e of refused) {
          expect(e).toMatchObject({ code: grpcStatus.RESOURCE_EXHAUSTED, details: expect.stringMatching(/over its rate limit \(5 messages\/s\); retry in \d+ ms \[RATE.LIMITED\]$/) });
          const retryAfterMs = Number(e.metadata.get('retry-after-ms')[0]);
          expect(retryAfterMs).toBeGreaterThan(0);
          expect(retryAfterMs).toBeLessThanOrEqual(1000);
        }
        const batch = await c.sendBatch({ messages: Array.from({ length: 6 }, () => SendRequest.create(SMS)) });
        expect(batch.results.map((r) => r.error?.code)).toEqual(Array(6).fill('RATE.LIMITED'));
        // The demo account (100,000/s) sends a burst of 300 without a refusal.
        const demo = await Promise.all(Array.from({ length: 3 }, () => client.sendBatch({ messages: Array.from({ length: 100 }, () => SendRequest.create(SMS)) })));
        expect(demo.flatMap((b) => b.results).filter((r) => r.error)).toEqual([]);
        const metrics = await (await fetch(`http://127.0.0.1:${PORTS.ingestHttp}/metrics`)).text();
        expect(metrics).toMatch(/smsgw_rate_limited_total\{[^}]*\} [1-9]/);
        expect(metrics).toMatch(/smsgw_rate_limiter_errors_total\{[^}]*\} 0/);
      } finally {
        c.close();
      }
    }, 90_000);
  });

  // Runs last: it reads every line every app wrote during the whole file (LOG_LEVEL debug).
  describe('log hygiene', () => {
    // Distinctive numbers (E.164 digits) and one distinctive word per text, found nowhere else.
    const N = { uk: '447911123481', national: '447911123482', sender: '447911123483', us: '12015550184', throttled: '447911123395', refused: '447911123376', badTo: '4479111234879999', kafkaTo: '447911123488', moFrom: '447911123490', moTo: '447911123491' };
    const WORDS = ['Quokka', 'Hedgehogski', 'Wombatry', 'Marmotte', 'Narwhalish', 'Ibisfly', 'Okapiland', 'Tapirsong', 'Kakapoo', 'Ёлкапалка'];
    // And what the tests above sent.
    const EARLIER = ['447911123456', '447911123457', '447700900001', '447911123460', '447911123461', '447911123462', '447911123470', '12015550123', GSM_TEXT, 'Привет!', 'nowhere to go', 'after the restart', 'appointment', 'Sale starts', 'Tell me when', '424242'];
    // Faults match on a prefix: the simulator logs these, and the scan must see them.
    const THROTTLED_PREFIX = N.throttled.slice(0, -1);
    const REFUSED_PREFIX = N.refused.slice(0, -1);
    const sim = (path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${PORTS.simulatorHttp}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('no app logs a full phone number or any message text, on good and failing paths', async () => {
      await sim('/faults', { statusByPrefix: [{ prefix: THROTTLED_PREFIX, status: 'ESME_RTHROTTLED' }, { prefix: REFUSED_PREFIX, status: 'ESME_RINVDSTADR' }] });
      const delivered = [
        await client.send({ to: `+${N.uk}`, from: 'SMSGW', text: 'Quokka code 7301, valid 5 min', clientReference: 'log-1' }),
        await client.send({ to: '07911 123482', from: N.sender, text: 'Привет Hedgehogski 7302' }),
      ];
      const noRoute = await client.send({ to: `+${N.us}`, from: `+${N.sender}`, text: 'Wombatry has nowhere to go' });
      const tooManySegments = await client.send({ to: `+${N.uk}`, from: 'SMSGW', text: 'Ёлкапалка '.repeat(80) });
      // Refused before the throttled one: throttling pauses the carrier's whole topic, and a message
      // fetched after that pause would wait for the faults to be cleared below.
      const refused = await client.send({ to: `+${N.refused}`, from: 'SMSGW', text: 'Narwhalish refused by the carrier' });
      expect((await final(refused.id)).status).toBeGreaterThan(MessageStatus.DELIVERED);
      const throttled = await client.send({ to: `+${N.throttled}`, from: 'SMSGW', text: 'Marmotte waits for tokens' });
      const badTo = await client.send({ to: `+${N.badTo}`, from: 'SMSGW', text: 'Ibisfly never leaves' }).catch((e: ServiceError) => e);
      expect(badTo).toMatchObject({ code: grpcStatus.INVALID_ARGUMENT });
      const tooLong = await client.send({ to: `+${N.uk}`, from: 'SMSGW', text: 'Kakapoo '.repeat(300) }).catch((e: ServiceError) => e);
      expect(tooLong).toMatchObject({ code: grpcStatus.INVALID_ARGUMENT });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: TOPICS.submit.name, acks: -1, messages: [{ key: 'log-kafka', headers: submitHeaders, value: Buffer.from(SendRequest.encode(SendRequest.create({ to: `+${N.kafkaTo}999999`, from: 'SMSGW', text: 'Okapiland over Kafka' })).finish()) }] });
      await producer.disconnect();
      expect((await sim('/mo', { from: N.moFrom, to: N.moTo, text: 'Tapirsong from a phone' })).status).toBe(202);

      expect((await final(noRoute.id)).status).toBe(MessageStatus.FAILED);
      expect(await final(tooManySegments.id)).toMatchObject({ status: MessageStatus.FAILED, reasonCode: 'ENCODING.TOO_MANY_SEGMENTS' });
      await eventually('the throttled submit', async () => (((await (await sim('/stats')).json()) as { submits: { faultStatus: number } }).submits.faultStatus >= 2 ? true : undefined));
      await sim('/faults', {});
      for (const m of [...delivered, throttled]) expect((await final(m.id)).status).toBe(MessageStatus.DELIVERED);
      await new Promise((r) => setTimeout(r, 2_000)); // the MO and the Kafka rejection on their way

      const forbidden = [...Object.values(N), ...WORDS, ...EARLIER];
      const leaks: string[] = [];
      let prefixSeen = false;
      for (const app of stack.apps) {
        for (const line of readFileSync(app.logFile, 'utf8').split('\n')) {
          prefixSeen ||= line.includes(THROTTLED_PREFIX);
          const found = forbidden.filter((f) => line.includes(f));
          if (found.length > 0) leaks.push(`${app.name}: ${found.join(', ')}: ${line.slice(0, 600)}`);
        }
      }
      expect(prefixSeen).toBe(true);
      expect(leaks).toEqual([]);
    }, 90_000);
  });
});
