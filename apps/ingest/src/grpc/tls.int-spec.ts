// TLS on ingest's gRPC port, with real certificates made here by the openssl CLI (a CA, two server
// certificates, a client certificate it signed and a self-signed one): plaintext refused, the CA's
// clients served, a mapped client certificate standing for an API key, and the certificate files
// replaced while the server runs (a new connection gets the new certificate).
import 'reflect-metadata';
import { Metadata, credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { INestApplication } from '@nestjs/common';
import { createAccount } from '@smsgw/accounts/data-access-store';
import { setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { PG_POOL, startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { PROTO_ROOT, type MessageAccepted, type SendResponse } from '@smsgw/shared/util-proto';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import type { Pool } from 'pg';
import { AppModule } from '../app.module';
import { INGEST_ENV } from '../env';
import { published } from '../testing/published';
import { TlsConfigError, grpcCredentials } from './grpc-credentials';
import { grpcOptions } from './grpc-options';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '../../../..');
const run = `${Date.now().toString(36)}${process.pid}`;
const PREFIX = `it-tls-${run}.`;
const dir = mkdtempSync(join(tmpdir(), 'smsgw-tls-'));
const file = (name: string) => join(dir, name);
const logger = createLogger({ app: 'ingest-it', level: 'fatal' });

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
/** A key and a certificate signed by the test CA (or self-signed), with the given extensions. */
function certificate(name: string, subject: string, ext: string, signer: 'ca' | 'self' = 'ca'): void {
  writeFileSync(file(`${name}.ext`), ext);
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
  const sign = signer === 'ca' ? ['-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial'] : ['-signkey', file(`${name}.key`)];
  openssl('x509', '-req', '-in', file(`${name}.csr`), ...sign, '-out', file(`${name}.pem`), '-days', '1', '-extfile', file(`${name}.ext`));
}

type Unary = (req: unknown, md: Metadata, cb: (err: ServiceError | null, res: unknown) => void) => void;
const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, defaults: true, oneofs: true });
const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (t: string, c: unknown, o: object) => Record<string, Unary> & { close(): void } } } };

let port = 0;
let app: INestApplication;
let apiKey = '';
let accountId = '';

/** A client on a connection of its own; TLS trusting the test CA unless plaintext; the server certificate it saw. */
function client(opts: { plaintext?: boolean; cert?: string; apiKey?: string } = {}) {
  let seen: PeerCertificate | undefined;
  const creds = opts.plaintext
    ? credentials.createInsecure()
    : credentials.createSsl(readFileSync(file('ca.pem')), opts.cert ? readFileSync(file(`${opts.cert}.key`)) : null, opts.cert ? readFileSync(file(`${opts.cert}.pem`)) : null, {
        checkServerIdentity: (_host, cert) => {
          seen = cert;
          return undefined;
        },
      });
  const c = new pkg.sms.v1.SmsService(`127.0.0.1:${port}`, creds, { 'grpc.use_local_subchannel_pool': 1 });
  const metadata = new Metadata();
  if (opts.apiKey) metadata.set('authorization', `Bearer ${opts.apiKey}`);
  const call = <Res>(method: string, req: unknown) =>
    new Promise<Res>((resolve, reject) => c[method].call(c, req, metadata, (err, res) => (err ? reject(err) : resolve(res as Res))));
  return { call, server: () => seen?.subject?.CN, close: () => c.close() };
}
const send = async (opts: Parameters<typeof client>[0]) => {
  const c = client(opts);
  try {
    const res = await c.call<SendResponse>('send', { to: '+447911123456', from: 'SMSGW', text: 'Your code is 123456' });
    return { res, server: c.server() };
  } finally {
    c.close();
  }
};
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

beforeAll(async () => {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=smsgw test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=keyCertSign,cRLSign');
  const serverExt = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n';
  certificate('server-a', '/CN=server-a', serverExt);
  certificate('server-b', '/CN=server-b', serverExt);
  certificate('billing', `/CN=billing-${run}`, `subjectAltName=URI:spiffe://smsgw.test/billing-${run}\nextendedKeyUsage=clientAuth\n`);
  certificate('stranger', `/CN=billing-${run}`, `subjectAltName=URI:spiffe://smsgw.test/billing-${run}\nextendedKeyUsage=clientAuth\n`, 'self');
  writeFileSync(file('tls.pem'), readFileSync(file('server-a.pem')));
  writeFileSync(file('tls.key'), readFileSync(file('server-a.key')));

  setTopicPrefix(PREFIX);
  const env = {
    ...process.env,
    LOG_LEVEL: 'fatal',
    KAFKA_TOPIC_PREFIX: PREFIX,
    INGEST_TLS_CERT_FILE: file('tls.pem'),
    INGEST_TLS_KEY_FILE: file('tls.key'),
    INGEST_TLS_CLIENT_CA_FILE: file('ca.pem'),
    INGEST_TLS_CLIENT_ACCOUNTS_FILE: file('clients.yaml'),
    INGEST_TLS_RELOAD_MS: '200',
  };
  const config = loadConfig(INGEST_ENV, env);
  port = await freePort();
  app = await startService({ module: AppModule.register({ logger, registry: createMetricsRegistry('ingest'), config }), logger, httpPort: 0, grpc: grpcOptions(`127.0.0.1:${port}`, grpcCredentials(config, logger)) });
  const created = await createAccount(app.get<Pool>(PG_POOL), `tls-${run}`);
  apiKey = created.apiKey;
  accountId = created.account.id;
  // The spiffe URI of the billing certificate names the account; its CN (which the stranger copies) names nothing.
  writeFileSync(file('clients.yaml'), `"URI:spiffe://smsgw.test/billing-${run}": tls-${run}\n`);
});
afterAll(async () => {
  const pool = app?.get<Pool>(PG_POOL);
  await pool?.query('DELETE FROM api_keys WHERE account_id IN (SELECT id FROM accounts WHERE name = $1)', [`tls-${run}`]);
  await pool?.query('DELETE FROM accounts WHERE name = $1', [`tls-${run}`]);
  await app?.close();
});

describe('TLS on the gRPC port', () => {
  it('serves TLS clients that trust its CA, and no plaintext client', async () => {
    const { res, server } = await send({ apiKey });
    expect(res.id).toBeTruthy();
    expect(server).toBe('server-a');
    await expect(send({ plaintext: true, apiKey })).rejects.toMatchObject({ code: 14 }); // UNAVAILABLE: no HTTP/2 in clear text here
  });

  it("takes a mapped client certificate for its account's API key; an unverified one with the same names counts for nothing", async () => {
    let res: SendResponse | undefined;
    const events = await published(app, async () => void ({ res } = await send({ cert: 'billing' })));
    // Sent as the account the certificate is mapped to.
    expect(events.map((e) => [(e.value as MessageAccepted).id, (e.value as MessageAccepted).clientId])).toEqual([[res?.id, accountId]]);
    const stranger = await send({ cert: 'stranger' }).catch((e: ServiceError) => e);
    expect(stranger).toMatchObject({ code: 16, details: expect.stringContaining('AUTH.MISSING_KEY') }); // UNAUTHENTICATED
    const none = await send({}).catch((e: ServiceError) => e);
    expect(none).toMatchObject({ code: 16 });
  });

  it('the CLI reaches it with --ca (and an API key) or --cert/--key (mTLS), and fails plainly without TLS', async () => {
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [join(ROOT, 'tools/smsgw.js'), 'send', '--target', `127.0.0.1:${port}`, '--to', '+447911123456', '--from', 'SMSGW', '--text', 'Hi', '--json', ...args], { cwd: ROOT, timeout: 60_000, env: { ...process.env, SMSGW_API_KEY: '' } }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const [withKey, withCert, plaintext] = await Promise.all([cli('--ca', file('ca.pem'), '--api-key', apiKey), cli('--ca', file('ca.pem'), '--cert', file('billing.pem'), '--key', file('billing.key')), cli('--api-key', apiKey)]);
    expect([withKey.code, JSON.parse(withKey.stdout).status]).toEqual([0, 'ACCEPTED']);
    expect([withCert.code, JSON.parse(withCert.stdout).status]).toEqual([0, 'ACCEPTED']);
    expect(plaintext.code).not.toBe(0);
  });

  it('picks up replaced certificate files without a restart: a new connection sees the new certificate', async () => {
    // Replaced as Kubernetes replaces a mounted Secret: new files renamed into place.
    writeFileSync(file('tls.key.new'), readFileSync(file('server-b.key')));
    writeFileSync(file('tls.pem.new'), readFileSync(file('server-b.pem')));
    renameSync(file('tls.key.new'), file('tls.key'));
    renameSync(file('tls.pem.new'), file('tls.pem'));
    const deadline = Date.now() + 30_000;
    let server: string | undefined;
    while (Date.now() < deadline) {
      server = (await send({ apiKey }).catch(() => ({ server: undefined }))).server;
      if (server === 'server-b') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(server).toBe('server-b');
  });
});

describe('grpcCredentials', () => {
  const config = (env: Record<string, string>) => loadConfig(INGEST_ENV, { ...env });
  it('refuses to start without TLS unless plaintext is allowed, and refuses half a TLS setup', () => {
    expect(() => grpcCredentials(config({}), logger)).toThrow(TlsConfigError);
    expect(() => grpcCredentials(config({}), logger)).toThrow(/INGEST_ALLOW_PLAINTEXT/);
    expect(grpcCredentials(config({ INGEST_ALLOW_PLAINTEXT: 'true' }), logger)._isSecure()).toBe(false);
    expect(() => grpcCredentials(config({ INGEST_TLS_CERT_FILE: file('server-a.pem') }), logger)).toThrow(/go together/);
    expect(() => grpcCredentials(config({ INGEST_ALLOW_PLAINTEXT: 'true', INGEST_TLS_CLIENT_CA_FILE: file('ca.pem') }), logger)).toThrow(/needs TLS/);
    expect(() => grpcCredentials(config({ INGEST_TLS_CERT_FILE: file('missing.pem'), INGEST_TLS_KEY_FILE: file('server-a.key') }), logger)).toThrow(/cannot read .*missing.pem/);
    expect(grpcCredentials(config({ INGEST_TLS_CERT_FILE: file('server-a.pem'), INGEST_TLS_KEY_FILE: file('server-a.key') }), logger)._isSecure()).toBe(true);
  });
});
