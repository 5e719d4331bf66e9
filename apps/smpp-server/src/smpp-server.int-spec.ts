import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { createAccount, createSmppCredential, setAccountEnabled } from '@smsgw/accounts/data-access-store';
import { EventProducer, TOPICS, createKafka, setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { InboundMessage, MessageStatus, StatusEvent } from '@smsgw/shared/util-proto';
import { Pool } from 'pg';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { recordSubmissions } from './deliver/delivery.store';
import { SMPP_SERVER_ENV } from './env';
import { SmppServer } from './smpp.server';

// The SMPP server in-process against real PostgreSQL, Kafka and a node-smpp ESME over TCP (no
// ingest: the submit path is the end-to-end test's). Binds, and receipts from sms.status.v1 kept
// in PostgreSQL until acknowledged: one left unanswered comes again on the next bind.
const smpp = require('smpp') as { connect(o: Record<string, unknown>): Session };
interface Pdu {
  command_status: number;
  receipted_message_id?: string;
  esm_class?: number;
  short_message?: { message?: string };
  response(): unknown;
}
interface Session {
  on(event: string, cb: (pdu: Pdu) => void): void;
  send(pdu: unknown): void;
  destroy(): void;
  bind_receiver(o: Record<string, unknown>, cb: (pdu: Pdu) => void): void;
  bind_transceiver(o: Record<string, unknown>, cb: (pdu: Pdu) => void): void;
  submit_sm(o: Record<string, unknown>, cb: (pdu: Pdu) => void): void;
}

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
const KAFKA_BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const run = Date.now().toString(36);
const PREFIX = `it-smpp-server-${run}.`;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('SMPP server (PostgreSQL, Kafka, SMPP over TCP)', () => {
  const pool = new Pool({ connectionString: DATABASE_URL });
  let app: INestApplicationContext;
  let port = 0;
  let accountId = '';
  let credential = { systemId: '', password: '' };
  let tlsApp: INestApplicationContext;
  let tlsPort = 0;
  const certDir = mkdtempSync(join(tmpdir(), 'smpp-server-tls-'));

  const start = async (extra: Record<string, string> = {}) => {
    const config = loadConfig(SMPP_SERVER_ENV, {
      ...extra,
      DATABASE_URL,
      KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: PREFIX,
      SMPP_SERVER_PORT: '0',
      SMPP_SERVER_HOST: '127.0.0.1',
      SMPP_SERVER_INGEST_TARGET: '127.0.0.1:1',
      SMPP_SERVER_POLL_MS: '100',
      SMPP_SERVER_DELIVER_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'fatal',
    });
    const started = await NestFactory.createApplicationContext(AppModule.register({ logger: createLogger({ app: 'smpp-server-it', level: 'fatal' }), registry: createMetricsRegistry('smpp-server'), config }), { logger: false });
    await started.init();
    return { started, port: started.get(SmppServer).port };
  };

  beforeAll(async () => {
    setTopicPrefix(PREFIX);
    ({ started: app, port } = await start());
    // TLS: a self-signed certificate made by the openssl CLI.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'pipe' });
    // With enquire_link every second: the link check is seen within the test.
    ({ started: tlsApp, port: tlsPort } = await start({ SMPP_SERVER_TLS_CERT_FILE: join(certDir, 'cert.pem'), SMPP_SERVER_TLS_KEY_FILE: join(certDir, 'key.pem'), SMPP_SERVER_ENQUIRE_LINK_MS: '1000' }));
    const created = await createAccount(pool, `smpp-it-${run}`);
    accountId = created.account.id;
    const c = await createSmppCredential(pool, accountId, `it${run}`.slice(0, 15));
    credential = { systemId: c.credential.systemId, password: c.password };
  }, 60_000);

  afterAll(async () => {
    await tlsApp?.close();
    await app?.close();
    await pool.end();
  });

  const esme = (ack: (pdu: Pdu) => boolean = () => true, tls?: { port: number; ca: Buffer }) => {
    const session = smpp.connect(tls ? { host: 'localhost', port: tls.port, tls: true, ca: tls.ca, servername: 'localhost', auto_enquire_link_period: 0 } : { host: '127.0.0.1', port, auto_enquire_link_period: 0 });
    const delivered: Pdu[] = [];
    session.on('error', () => undefined);
    session.on('deliver_sm', (pdu) => {
      delivered.push(pdu);
      if (ack(pdu)) session.send(pdu.response());
    });
    const call = (command: 'bind_receiver' | 'bind_transceiver' | 'submit_sm', fields: Record<string, unknown>) => new Promise<Pdu>((resolve) => session[command](fields, resolve));
    return { session, delivered, call };
  };

  it('refuses a wrong password and a disabled account, binds with the right credential', async () => {
    const e = esme();
    expect((await e.call('bind_transceiver', { system_id: credential.systemId, password: 'wrong' })).command_status).toBe(0x0e);
    e.session.destroy();
    await setAccountEnabled(pool, accountId, false);
    const d = esme();
    expect((await d.call('bind_transceiver', { system_id: credential.systemId, password: credential.password })).command_status).toBe(0x0d);
    d.session.destroy();
    await setAccountEnabled(pool, accountId, true);
    const ok = esme();
    expect((await ok.call('bind_transceiver', { system_id: credential.systemId, password: credential.password })).command_status).toBe(0);
    // ingest unreachable: a temporary refusal, the ESME sends again later.
    expect((await ok.call('submit_sm', { source_addr: 'ACME', destination_addr: '447911123456', short_message: 'hi' })).command_status).toBe(0x14);
    ok.session.destroy();
  }, 30_000);

  it('queues receipts of final statuses in PostgreSQL; an unacknowledged one comes again on the next bind', async () => {
    const ids = [1, 2, 3].map((n) => `it-${run}-${n}`);
    await recordSubmissions(pool, ids.map((messageId, i) => ({ messageId, accountId, systemId: credential.systemId, registeredDelivery: i === 2 ? 2 : 1, sourceAddr: 'ACME', sourceTon: 5, sourceNpi: 0, destinationAddr: '447911123456' })));
    const producer = new EventProducer(createKafka({ brokers: [KAFKA_BROKERS], clientId: 'smpp-server-it', logger: createLogger({ app: 'it', level: 'fatal' }) }));
    await producer.connect();
    // The third asked for failures only (registered_delivery 2) and was delivered: no receipt.
    await producer.sendMany(ids.map((messageId) => ({ topic: TOPICS.status, key: messageId, value: StatusEvent.create({ messageId, status: MessageStatus.DELIVERED, previousStatus: MessageStatus.SUBMITTED, occurredAtMs: Date.now() }) })));
    await producer.disconnect();

    const first = esme((pdu) => pdu.receipted_message_id !== ids[1]);
    expect((await first.call('bind_receiver', { system_id: credential.systemId, password: credential.password })).command_status).toBe(0);
    await until('two receipts', () => (first.delivered.length >= 2 ? true : undefined));
    expect(first.delivered.map((d) => d.receipted_message_id).sort()).toEqual([ids[0], ids[1]]);
    for (const d of first.delivered) {
      expect(d.esm_class).toBe(0x04);
      expect(d.short_message?.message).toMatch(new RegExp(`^id:${d.receipted_message_id} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:$`));
    }
    first.session.destroy();
    const second = esme();
    expect((await second.call('bind_receiver', { system_id: credential.systemId, password: credential.password })).command_status).toBe(0);
    await until('the unacknowledged receipt again', () => (second.delivered.some((d) => d.receipted_message_id === ids[1]) ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    expect(second.delivered.map((d) => d.receipted_message_id)).toEqual([ids[1]]);
    second.session.destroy();
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM smpp_deliveries WHERE account_id = $1`, [accountId]);
    expect(rows[0].n).toBe(0);
  }, 60_000);

  it('with a certificate and key the port speaks TLS: a client that trusts it binds, a plaintext one gets no bind', async () => {
    const secure = esme(undefined, { port: tlsPort, ca: readFileSync(join(certDir, 'cert.pem')) });
    expect((await secure.call('bind_transceiver', { system_id: credential.systemId, password: credential.password })).command_status).toBe(0);
    secure.session.destroy();
    const plain = smpp.connect({ host: '127.0.0.1', port: tlsPort, auto_enquire_link_period: 0 });
    const answered = await new Promise<boolean>((resolve) => {
      plain.on('error', () => resolve(false));
      plain.on('close', () => resolve(false));
      plain.bind_transceiver({ system_id: credential.systemId, password: credential.password }, () => resolve(true));
      setTimeout(() => resolve(false), 3000);
    });
    plain.destroy();
    expect(answered).toBe(false);
  }, 30_000);

  it('MO routed to the account (sms.inbound.routed.v1) reaches its receiver as deliver_sm; another account\'s does not', async () => {
    const producer = new EventProducer(createKafka({ brokers: [KAFKA_BROKERS], clientId: 'smpp-server-it', logger: createLogger({ app: 'it', level: 'fatal' }) }));
    await producer.connect();
    const mo = (id: string, account: string, text: string) => InboundMessage.create({ id, carrierId: 'demo', from: '447700900123', to: '447700900001', text, receivedAtMs: Date.now(), accountId: account });
    await producer.sendMany([mo(`mo-${run}-1`, accountId, 'Yes please, book it'), mo(`mo-${run}-2`, 'someone-else', 'not yours')].map((value) => ({ topic: TOPICS.inboundRouted, key: value.id, value })));
    await producer.disconnect();
    const rx = esme();
    expect((await rx.call('bind_transceiver', { system_id: credential.systemId, password: credential.password })).command_status).toBe(0);
    const got = await until('the MO', () => rx.delivered.find((d) => d.esm_class === 0));
    expect(got.short_message?.message).toBe('Yes please, book it');
    expect((got as unknown as { source_addr: string }).source_addr).toBe('447700900123');
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.delivered.filter((d) => d.esm_class === 0)).toHaveLength(1);
    rx.session.destroy();
  }, 30_000);

  it('an idle bind gets enquire_link; one that stops answering is closed', async () => {
    const e = esme(undefined, { port: tlsPort, ca: readFileSync(join(certDir, 'cert.pem')) });
    let answer = true;
    let enquiries = 0;
    e.session.on('enquire_link', (pdu) => {
      enquiries++;
      if (answer) e.session.send(pdu.response());
    });
    let closedAt = 0;
    e.session.on('close', () => (closedAt = Date.now()));
    expect((await e.call('bind_transceiver', { system_id: credential.systemId, password: credential.password })).command_status).toBe(0);
    await until('two enquire_link answered', () => (enquiries >= 2 ? true : undefined), 10_000);
    expect(closedAt).toBe(0);
    answer = false;
    const stoppedAt = Date.now();
    await until('the silent bind closed', () => (closedAt ? true : undefined), 10_000);
    expect(closedAt - stoppedAt).toBeLessThan(5000);
  }, 30_000);
});
