import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { Metadata, credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { AddressInfo } from 'node:net';
import { encode } from '@smsgw/gsm/util-encoding';
import { MessageStatus } from '@smsgw/shared/util-proto';
import { ROOT, eventually, smsClient, smsgw, startStack } from './gateway';

// The SMPP server end to end: every app as its own process, a real ESME (node-smpp, the npm
// package `smpp`) binding over TCP, 1,000 messages (long ones with UDH 8- and 16-bit references
// and message_payload) through ingest, the router, the connector and the simulator, and every
// receipt back as deliver_sm with the id submit_sm_resp gave.
// node-smpp has no types; the Kannel helpers are the peer bench's (tools/bench/peer), not a library.
const smpp = require('smpp') as NodeSmpp;
const { startKannel } = require(join(__dirname, '../../../tools/bench/peer/kannel')) as typeof import('../../../tools/bench/peer/kannel');
const { SendsmsClient } = require(join(__dirname, '../../../tools/bench/peer/kannel-load')) as typeof import('../../../tools/bench/peer/kannel-load');
const KAFKA_BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
const KAFKA_TOPIC_PREFIX = `e2e-smpp-${Date.now().toString(36)}.`;
const PORTS = { simulatorSmpp: 14775, simulatorHttp: 20086, ingestHttp: 20081, ingestGrpc: 17051, ingestApi: 20080, encoderHttp: 20082, routerHttp: 20083, connectorHttp: 20084, dlrHttp: 20085, smppServerHttp: 20090, smppServer: 14776 };
const APPS = ['smsc-simulator', 'dlr-processor', 'encoder', 'router', 'smpp-connector', 'ingest', 'smpp-server'];

interface Pdu {
  command: string;
  command_status: number;
  sequence_number: number;
  message_id?: string;
  esm_class?: number;
  short_message?: { message?: string | Buffer };
  receipted_message_id?: string;
  message_state?: number;
  [field: string]: unknown;
}
interface Session {
  on(event: string, cb: (...args: never[]) => void): void;
  send(pdu: unknown, cb?: (pdu: Pdu) => void): boolean;
  close(cb?: () => void): void;
  destroy(): void;
  [command: string]: unknown;
}
interface NodeSmpp {
  connect(options: Record<string, unknown>, listener?: () => void): Session;
  PDU: new (command: string, fields?: Record<string, unknown>) => unknown;
}

/** A node-smpp ESME: bind, then requests as promises; deliver_sm answered at once and kept. */
function esme(port: number) {
  const session = smpp.connect({ host: '127.0.0.1', port, auto_enquire_link_period: 0 });
  const delivered: Pdu[] = [];
  const errors: Error[] = [];
  session.on('error', (err: Error) => errors.push(err));
  session.on('deliver_sm', (pdu: Pdu) => {
    delivered.push(pdu);
    session.send((pdu as unknown as { response(): unknown }).response());
  });
  const request = (command: string, fields: Record<string, unknown> = {}) =>
    new Promise<Pdu>((resolve, reject) => {
      const ok = (session[command] as (f: Record<string, unknown>, cb: (pdu: Pdu) => void) => boolean).call(session, fields, resolve);
      if (ok === false) reject(new Error(`${command} not sent`));
    });
  const connected = new Promise<void>((resolve) => session.on('connect', () => resolve()));
  const closed = new Promise<void>((resolve) => session.on('close', () => resolve()));
  return { session, delivered, errors, request, connected, closed, close: () => (session.destroy(), closed) };
}

/** Runs `work` over items with at most `window` at once (an ESME's window). */
async function windowed<T, R>(items: T[], window: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]);
      }
    }),
  );
  return out;
}

const to = (i: number) => `4479111${String(20000 + i).padStart(5, '0')}`;

describe('SMPP server: ESMEs bind with SMPP credentials, submit through ingest, get receipts as deliver_sm', () => {
  const work = mkdtempSync(join(tmpdir(), 'smsgw-e2e-smpp-'));
  let stack: Awaited<ReturnType<typeof startStack>> & { smppCredential: { systemId: string; password: string } };
  let admin: string[];

  beforeAll(async () => {
    const carriersFile = join(work, 'carriers.yaml');
    writeFileSync(carriersFile, readFileSync(join(ROOT, 'config/carriers.yaml'), 'utf8').replace(/port: 2775/, `port: ${PORTS.simulatorSmpp}`));
    const routesFile = join(work, 'routes.yaml');
    writeFileSync(routesFile, 'routes:\n  - id: uk-demo\n    prefix: "+44"\n    carrier: demo\n    pricePerSegmentMicros: 4000\n');
    stack = (await startStack({
      apps: APPS,
      ports: PORTS,
      logDir: join(work, 'logs'),
      stateDir: join(work, 'state'),
      lockName: 'e2e',
      lockWaitMs: 600_000,
      what: 'gateway-e2e SMPP server',
      env: { KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, DATABASE_URL, CARRIERS_FILE: carriersFile, ROUTES_FILE: routesFile, LOG_LEVEL: 'info' },
    })) as typeof stack;
    admin = ['--target', `127.0.0.1:${PORTS.ingestGrpc}`, '--admin-token-file', stack.adminTokenFile];
  }, 780_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('binds: wrong password ESME_RINVPASWD, revoked or disabled ESME_RBINDFAIL, right ones bound; unknown commands get generic_nack', async () => {
    const name = `smpp-${Date.now().toString(36)}`;
    expect((await smsgw(['accounts', 'create', name, '--json', ...admin])).code).toBe(0);
    const created = await smsgw(['smpp-credentials', 'create', name, '--system-id', name.slice(0, 15), '--json', ...admin]);
    expect(created.code).toBe(0);
    const { systemId, password } = JSON.parse(created.stdout) as { systemId: string; password: string };
    expect(password).toMatch(/^[2-9A-Za-z]{8}$/);
    const listed = JSON.parse((await smsgw(['smpp-credentials', 'list', name, '--json', ...admin])).stdout) as { credentials: { systemId: string; revokedAt: string | null }[] };
    expect(listed.credentials).toEqual([expect.objectContaining({ systemId, revokedAt: null })]);

    const bindWith = async (command: string, id: string, pass: string) => {
      const e = esme(PORTS.smppServer);
      const resp = await e.request(command, { system_id: id, password: pass });
      return { status: resp.command_status, e };
    };
    const wrong = await bindWith('bind_transceiver', systemId, 'nope1234');
    expect(wrong.status).toBe(0x0e);
    await wrong.e.closed; // a refused bind is closed after its answer
    expect((await bindWith('bind_transmitter', 'no-such-id', password)).status).toBe(0x0e);

    for (const command of ['bind_transmitter', 'bind_receiver', 'bind_transceiver']) {
      const ok = await bindWith(command, systemId, password);
      expect({ command, status: ok.status }).toEqual({ command, status: 0 });
      if (command === 'bind_transceiver') {
        expect((await ok.e.request('enquire_link')).command_status).toBe(0);
        // query_sm is not served: generic_nack ESME_RINVCMDID, and the bind stays up.
        const nack = await ok.e.request('query_sm', { message_id: 'x', source_addr: 'ACME' });
        expect({ command: nack.command, status: nack.command_status }).toEqual({ command: 'generic_nack', status: 0x03 });
        expect((await ok.e.request('unbind')).command_status).toBe(0);
      }
      await ok.e.close();
    }

    expect((await smsgw(['accounts', 'disable', name, ...admin])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1200));
    const disabled = await bindWith('bind_transceiver', systemId, password);
    expect(disabled.status).toBe(0x0d);
    expect((await smsgw(['accounts', 'enable', name, ...admin])).code).toBe(0);
    expect((await smsgw(['smpp-credentials', 'revoke', systemId, ...admin])).code).toBe(0);
    expect((await bindWith('bind_transceiver', systemId, password)).status).toBe(0x0d);
  }, 60_000);

  it("ingest's intake (what the SMPP server calls): naming an account without the intake token is refused UNAUTHENTICATED [AUTH.INVALID_INTAKE_TOKEN]", async () => {
    const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [join(ROOT, 'proto')], keepCase: false, longs: Number, defaults: true, oneofs: true });
    const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (t: string, c: unknown) => { sendBatch(req: unknown, md: Metadata, cb: (err: ServiceError | null) => void): void; close(): void } } } };
    const client = new pkg.sms.v1.SmsService(`127.0.0.1:${PORTS.ingestGrpc}`, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${stack.apiKey}`); // an API key is not the intake token
    metadata.set('smsgw-intake-account', 'demo');
    const err = await new Promise<ServiceError | null>((resolve) => client.sendBatch({ messages: [{ to: '+447911123456', from: 'ACME', text: 'x' }] }, metadata, resolve));
    client.close();
    expect({ code: err?.code, details: err?.details }).toEqual({ code: 16, details: expect.stringContaining('[AUTH.INVALID_INTAKE_TOKEN]') });
  });

  it('node-smpp sends 1,000 messages (long ones with UDH 8/16-bit and message_payload) and gets every receipt as deliver_sm with its id', async () => {
    const e = esme(PORTS.smppServer);
    const { systemId, password } = stack.smppCredential;
    expect((await e.request('bind_transceiver', { system_id: systemId, password })).command_status).toBe(0);
    const long = (i: number) => `Message ${i}: this text is long enough to take more than one SMS part, so the ESME splits it into concatenated parts. `.repeat(2);
    type Job = { index: number; text: string; pdus: Record<string, unknown>[] };
    const jobs: Job[] = [];
    for (let i = 0; i < 1000; i++) {
      const base = { source_addr: 'ACME', source_addr_ton: 5, destination_addr: to(i), dest_addr_ton: 1, dest_addr_npi: 1, registered_delivery: 1 };
      if (i % 20 === 1 || i % 20 === 2) {
        // UDH concatenation, 8-bit (IE 0x00) and 16-bit (IE 0x08) references, 150-character parts.
        const text = long(i);
        const parts = text.match(/.{1,150}/g) as string[];
        const ref = i & 0xff;
        const udh = (seq: number) => (i % 20 === 1 ? Buffer.from([0x05, 0x00, 0x03, ref, parts.length, seq]) : Buffer.from([0x06, 0x08, 0x04, i >> 8, i & 0xff, parts.length, seq]));
        jobs.push({ index: i, text, pdus: parts.map((p, k) => ({ ...base, esm_class: 0x40, short_message: { udh: udh(k + 1), message: p } })) });
      } else if (i % 20 === 3) {
        const text = long(i);
        jobs.push({ index: i, text, pdus: [{ ...base, message_payload: text }] });
      } else {
        const text = `Your code is ${100000 + i}`;
        jobs.push({ index: i, text, pdus: [{ ...base, short_message: text }] });
      }
    }
    const started = Date.now();
    // Parts of one message are sent together (their answers wait for the whole message).
    const answers = await windowed(jobs, 40, async (job) => {
      const resps = await Promise.all(job.pdus.map((p) => e.request('submit_sm', p)));
      return { job, statuses: resps.map((r) => r.command_status), ids: resps.map((r) => r.message_id) };
    });
    const submittedMs = Date.now() - started;
    expect(answers.filter((a) => a.statuses.some((s) => s !== 0)).map((a) => ({ i: a.job.index, statuses: a.statuses }))).toEqual([]);
    // Every part of a message carries the message's one id.
    for (const a of answers) expect(new Set(a.ids).size).toBe(1);
    const ids = answers.map((a) => a.ids[0] as string);
    expect(new Set(ids).size).toBe(1000);

    const receipts = await eventually('a receipt for each of the 1,000 messages', async () => (new Set(e.delivered.map((d) => d.receipted_message_id)).size >= 1000 ? e.delivered : undefined), 240_000);
    const byId = new Map(receipts.map((d) => [d.receipted_message_id as string, d]));
    expect([...byId.keys()].sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const d = byId.get(id) as Pdu;
      expect(d.esm_class).toBe(0x04);
      expect(d.message_state).toBe(2);
      expect(String(d.short_message?.message)).toMatch(new RegExp(`^id:${id} sub:\\d{3} dlvrd:\\d{3} submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:`));
    }
    // The long ones went through whole: one message of as many segments as its whole text takes.
    const client = smsClient(`127.0.0.1:${PORTS.ingestGrpc}`, stack.apiKey);
    try {
      for (const a of answers.filter((x) => x.job.pdus.length > 1 || x.job.index % 20 === 3).slice(0, 6)) {
        const m = await client.getMessage({ id: a.ids[0] as string });
        const segments = encode(a.job.text, { reference: 1 }).segmentCount;
        expect(segments).toBeGreaterThan(1);
        expect({ segments: m.segments, to: m.to, from: m.from, status: m.status }).toEqual({ segments, to: `+${to(a.job.index)}`, from: 'ACME', status: MessageStatus.DELIVERED });
      }
    } finally {
      client.close();
    }
    console.log(`node-smpp: 1,000 messages (${jobs.reduce((n, j) => n + j.pdus.length, 0)} submit_sm) answered in ${(submittedMs / 1000).toFixed(1)} s, every receipt in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await e.close();
  }, 300_000);

  it('receipts wait in PostgreSQL for a receiver: a transmitter submits, unbinds; a later receiver bind gets them', async () => {
    const { systemId, password } = stack.smppCredential;
    const tx = esme(PORTS.smppServer);
    expect((await tx.request('bind_transmitter', { system_id: systemId, password })).command_status).toBe(0);
    const resps = await Promise.all(Array.from({ length: 5 }, (_, i) => tx.request('submit_sm', { source_addr: 'ACME', destination_addr: to(2000 + i), registered_delivery: 1, short_message: `pending ${i}` })));
    const ids = resps.map((r) => r.message_id as string);
    await tx.close();
    const client = smsClient(`127.0.0.1:${PORTS.ingestGrpc}`, stack.apiKey);
    try {
      await eventually('the 5 messages DELIVERED', async () => ((await Promise.all(ids.map((id) => client.getMessage({ id })))).every((m) => m.status === MessageStatus.DELIVERED) ? true : undefined), 60_000);
    } finally {
      client.close();
    }
    await new Promise((r) => setTimeout(r, 1000)); // the receipts are queued, with no receiver bound
    const rx = esme(PORTS.smppServer);
    expect((await rx.request('bind_receiver', { system_id: systemId, password })).command_status).toBe(0);
    await eventually('the 5 pending receipts at the new bind', async () => (ids.every((id) => rx.delivered.some((d) => d.receipted_message_id === id)) ? true : undefined), 30_000);
    await rx.close();
  }, 120_000);

  it('over the account rate a submit_sm gets ESME_RTHROTTLED; a bad destination ESME_RINVDSTADR; a sender not allowed ESME_RINVSRCADR', async () => {
    const name = `slow-${Date.now().toString(36)}`;
    expect((await smsgw(['accounts', 'create', name, '--json', ...admin])).code).toBe(0);
    expect((await smsgw(['accounts', 'policy', name, '--rate', '1', '--burst', '2', '--senders', 'SLOW', ...admin])).code).toBe(0);
    const { password, systemId } = JSON.parse((await smsgw(['smpp-credentials', 'create', name, '--json', ...admin])).stdout) as { systemId: string; password: string };
    await new Promise((r) => setTimeout(r, 1200)); // the policy reaches ingest's cache
    const e = esme(PORTS.smppServer);
    expect((await e.request('bind_transceiver', { system_id: systemId, password })).command_status).toBe(0);
    // One after the other (submits arriving together share one SendBatch, which ingest admits or
    // refuses as a whole): the burst of 2 goes, then the rate of 1/s says slow down.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await e.request('submit_sm', { source_addr: 'SLOW', destination_addr: to(3000 + i), short_message: 'hi' })).command_status);
    expect(statuses.slice(0, 2)).toEqual([0, 0]);
    expect(statuses.filter((s) => s === 0x58).length).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await e.request('submit_sm', { source_addr: 'SLOW', destination_addr: '12', short_message: 'hi' })).command_status).toBe(0x0b);
    expect((await e.request('submit_sm', { source_addr: 'OTHER', destination_addr: to(3010), short_message: 'hi' })).command_status).toBe(0x0a);
    await e.close();
  }, 60_000);

  it("Kannel (Debian's bearerbox and smsbox) binds as an SMSC client and sends 1,000 messages through sendsms; every receipt reaches its dlr-url", async () => {
    const name = `kannel-${Date.now().toString(36)}`;
    expect((await smsgw(['accounts', 'create', name, '--json', ...admin])).code).toBe(0);
    expect((await smsgw(['accounts', 'policy', name, '--rate', '5000', '--burst', '10000', '--pumping', 'off', ...admin])).code).toBe(0);
    const { systemId, password } = JSON.parse((await smsgw(['smpp-credentials', 'create', name, '--json', ...admin])).stdout) as { systemId: string; password: string };
    // The dlr-url receiver: every callback's DLR type per recipient (smsbox fills in %d and %p).
    const callbacks = new Map<string, number[]>();
    const receiver = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const phone = url.searchParams.get('to') ?? '';
      callbacks.set(phone, [...(callbacks.get(phone) ?? []), Number(url.searchParams.get('type'))]);
      res.end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const dlrUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/dlr?type=%d&to=%p`;
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-e2e-kannel-'));
    const user = { username: 'e2e', password: 'e2e' };
    const kannel = await startKannel(
      {
        dir,
        ports: { admin: 14790, smsbox: 14791, sendsms: 14793 },
        smsc: { host: '127.0.0.1', port: PORTS.smppServer, systemId, password, binds: 1, window: 50 },
        adminPassword: 'e2e-kannel',
        sendsmsUser: user,
      },
      { bearerbox: '/usr/sbin/bearerbox', smsbox: '/usr/sbin/smsbox' },
    );
    const sendsms = new SendsmsClient(kannel.sendsmsUrl, user, 16);
    try {
      const phones = Array.from({ length: 1000 }, (_, i) => `+4479112${String(10000 + i).padStart(5, '0')}`);
      const started = Date.now();
      // 50 recipients per sendsms request (smsbox makes one message of each), 4 requests at once.
      const groups = Array.from({ length: 20 }, (_, g) => phones.slice(g * 50, (g + 1) * 50));
      const statuses = await windowed(groups, 4, (group) => sendsms.send(group, 'Your code is 424242', dlrUrl, { from: 'ACME', dlrMask: 31 }));
      expect(statuses.every((s) => s === 202 || s === 200)).toBe(true);
      const DELIVERED = 1;
      await eventually('a DELIVERED callback at the dlr-url for each of the 1,000 messages', async () => (phones.every((p) => callbacks.get(p.slice(1))?.includes(DELIVERED) || callbacks.get(p)?.includes(DELIVERED)) ? true : undefined), 240_000);
      const of = (p: string) => callbacks.get(p.slice(1)) ?? callbacks.get(p) ?? [];
      // dlr-mask 31: the SMSC's acceptance (8) came too, and nothing failed (2) or was rejected (16).
      expect(phones.filter((p) => !of(p).includes(8))).toEqual([]);
      expect(phones.filter((p) => of(p).some((t) => t === 2 || t === 16))).toEqual([]);
      expect(kannel.unmatchedReceiptsSince(0)).toBe(0);
      console.log(`Kannel: 1,000 messages, every receipt at the dlr-url in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      sendsms.close();
      await kannel.stop();
      await new Promise<void>((r) => (receiver.close(() => r()), receiver.closeAllConnections()));
    }
  }, 360_000);
});
