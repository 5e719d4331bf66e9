// callback_url hostnames resolved with the system resolver (this machine's own name resolves to a
// loopback or private address through /etc/hosts; .invalid never resolves): ingest's whole app,
// real Kafka, PostgreSQL and Redis.
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DEFAULT_POLICY, PolicyError, isPrivateHost } from '@smsgw/accounts/domain';
import { setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { Channel, SendRequest } from '@smsgw/shared/util-proto';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { AppModule } from '../app.module';
import { INGEST_ENV } from '../env';
import { SendMessageService } from './send-message.service';

jest.setTimeout(60_000);

const run = `${Date.now().toString(36)}${process.pid}`;
const prefix = `it-callback-${run}.`;
setTopicPrefix(prefix);
let app: INestApplicationContext;
let sending: SendMessageService;
const request = (callbackUrl: string) => SendRequest.create({ to: '+447911123456', from: 'SMSGW', text: 'Your code is 123456', callbackUrl });
const policy = { ...DEFAULT_POLICY, callbackHttp: true };

beforeAll(async () => {
  const config = loadConfig(INGEST_ENV, { ...process.env, LOG_LEVEL: 'fatal', KAFKA_TOPIC_PREFIX: prefix });
  app = await NestFactory.createApplicationContext(AppModule.register({ logger: createLogger({ app: 'ingest-it', level: 'fatal' }), registry: createMetricsRegistry('ingest'), config }), { logger: false });
  await app.init();
  sending = app.get(SendMessageService);
});
afterAll(() => app?.close());

describe('callback_url hostnames', () => {
  it('refuses a hostname that resolves to a private address, or to nothing, unless the account allows private callbacks', async () => {
    const own = hostname();
    // The premise: this machine's name resolves (hosts file) to a loopback or private address.
    const addresses = await lookup(own, { all: true });
    expect(addresses.every((a) => isPrivateHost(a.family === 6 ? `[${a.address}]` : a.address))).toBe(true);

    const refused = await sending.send(request(`https://${own}/hook`), Channel.GRPC, `acc-${run}`, policy).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PolicyError);
    expect(refused).toMatchObject({ code: 'POLICY.CALLBACK_URL_NOT_ALLOWED', field: 'callback_url', message: expect.stringMatching(/resolves to a loopback, link-local or private address/) });
    await expect(sending.send(request('https://no-such-host.invalid/hook'), Channel.GRPC, `acc-${run}`, policy)).rejects.toMatchObject({ message: expect.stringMatching(/does not resolve/) });
    // Allowed by the account: accepted.
    expect((await sending.send(request(`https://${own}/hook`), Channel.GRPC, `acc-${run}`, { ...policy, callbackPrivate: true })).id).toBeTruthy();
    // In a batch: per message, the others go on.
    const results = await sending.sendBatch([request(`http://${own}:8080/x`), request(''), request('https://203.0.113.7/hook')], Channel.GRPC, `acc-${run}`, policy);
    expect(results.map((r) => r.error?.code ?? 'accepted')).toEqual(['POLICY.CALLBACK_URL_NOT_ALLOWED', 'accepted', 'accepted']);
  });
});
