// The app as tests and people use it: HTTP endpoints over a real SMPP port, in-process and as a
// separate process.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { INestApplication } from '@nestjs/common';
import { startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { AppModule } from './app.module';
import { SIMULATOR_ENV } from './env';
import { SmscSimulatorService } from './simulator/smsc-simulator.service';

const smpp = require('smpp');

const ROOT = join(__dirname, '..', '..', '..');

interface Esme {
  session: { send(pdu: unknown, cb?: (r: Record<string, unknown>) => void): boolean; destroy(): void; on(event: string, fn: (...args: never[]) => void): void };
  delivered: Array<Record<string, unknown>>;
  closed: Promise<void>;
  submit(fields: Record<string, unknown>): Promise<Record<string, unknown>>;
}

async function bind(port: number): Promise<Esme> {
  const session = smpp.connect({ host: '127.0.0.1', port });
  session.on('error', () => undefined);
  const delivered: Array<Record<string, unknown>> = [];
  session.on('deliver_sm', (pdu: { response(): unknown } & Record<string, unknown>) => {
    delivered.push(pdu);
    session.send(pdu.response());
  });
  const closed = new Promise<void>((resolve) => session.on('close', () => resolve()));
  await new Promise((resolve) => session.on('connect', resolve));
  const resp = await new Promise<Record<string, unknown>>((resolve) => session.bind_transceiver({ system_id: 'smsgw', password: 'secret' }, resolve));
  expect(resp['command_status']).toBe(0);
  return {
    session,
    delivered,
    closed,
    submit: (fields) => new Promise((resolve) => session.submit_sm({ source_addr: 'ACME', destination_addr: '447700900123', short_message: 'Hi', ...fields }, resolve)),
  };
}

async function until<T>(read: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('smsc-simulator app (in-process)', () => {
  let app: INestApplication;
  let http: string;
  let smppPort: number;
  const sessions: Esme[] = [];

  beforeAll(async () => {
    const config = loadConfig(SIMULATOR_ENV, {});
    const logger = createLogger({ app: 'smsc-simulator', level: 'silent' });
    app = await startService({
      module: AppModule.register({ logger, registry: createMetricsRegistry('smsc-simulator'), config, simulator: { port: 0, host: '127.0.0.1', config: { tps: 1000 } } }),
      logger,
      httpPort: 0,
    });
    http = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    smppPort = app.get(SmscSimulatorService).simulator.port;
  });

  afterEach(async () => {
    for (const s of sessions.splice(0)) s.session.destroy();
    await fetch(`${http}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await fetch(`${http}/stats/reset`, { method: 'POST' });
  });

  afterAll(async () => {
    await app?.close();
  });

  const post = (path: string, body?: unknown): Promise<Response> =>
    fetch(`${http}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  it('is healthy once the SMPP port listens', async () => {
    const res = await fetch(`${http}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { smpp: 'ok' } });
  });

  it('counts submits, duplicates and receipts in /stats, and resets them', async () => {
    const c = await bind(smppPort);
    sessions.push(c);
    await c.submit({ registered_delivery: 1 });
    await c.submit({ registered_delivery: 1 });
    await c.submit({ registered_delivery: 1, short_message: 'other' });
    await until(() => (c.delivered.length === 3 ? true : undefined));
    const s = await (await fetch(`${http}/stats`)).json();
    expect(s).toMatchObject({ binds: { current: { transceiver: 1 }, accepted: 1 }, submits: { received: 3, accepted: 3, throttled: 0 }, uniqueMessages: 2, duplicateSubmits: 1, receipts: { sent: 3 } });
    const reset = await (await post('/stats/reset')).json();
    expect(reset).toMatchObject({ submits: { received: 0 }, uniqueMessages: 0, duplicateSubmits: 0, receipts: { sent: 0, acknowledged: 0 } });
  });

  it('changes faults at run time with POST /faults and explains bad ones', async () => {
    const bad = await post('/faults', { dropAfterPdus: 'soon', hang: 1 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'SIMULATOR.CONFIG_INVALID', problems: ['faults.dropAfterPdus: expected a whole number from 0, got "soon"', 'faults.hang: expected true or false, got 1'] });

    const set = await post('/faults', { statusByPrefix: [{ prefix: '4479', status: 'ESME_RINVDSTADR' }] });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ dropAfterPdus: 0, dropTimes: 0, hang: false, statusByPrefix: [{ prefix: '4479', status: 11, ratio: 1 }] });
    const c = await bind(smppPort);
    sessions.push(c);
    expect((await c.submit({ destination_addr: '447911000000' }))['command_status']).toBe(0x0b);

    await post('/faults', { dropAfterPdus: 1 });
    expect(await (await fetch(`${http}/faults`)).json()).toMatchObject({ dropAfterPdus: 1, statusByPrefix: [] });
    void c.submit({});
    await c.closed;
    expect(await (await fetch(`${http}/stats`)).json()).toMatchObject({ connections: { dropped: 1 } });
  });

  it('sends MO on POST /mo and refuses incomplete requests', async () => {
    const c = await bind(smppPort);
    sessions.push(c);
    const res = await post('/mo', { from: '+447700900123', to: '12345', text: 'Hello from a handset' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ systemId: 'smsgw', parts: 1, receivers: 1 });
    const [mo] = await until(() => (c.delivered.length ? c.delivered : undefined));
    expect(mo).toMatchObject({ source_addr: '447700900123', destination_addr: '12345', esm_class: 0 });
    expect((mo['short_message'] as { message: string }).message).toBe('Hello from a handset');

    expect((await post('/mo', { from: '1', text: 'x' })).status).toBe(400);
    expect((await post('/mo', { from: '1', to: '2', text: 'x', systemId: 'nobody' })).status).toBe(404);
  });

  it('exposes counters on /metrics and the effective config without passwords', async () => {
    const c = await bind(smppPort);
    sessions.push(c);
    await c.submit({});
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/smsgw_simulator_submits_total\{result="accepted",app="smsc-simulator"\} 1/);
    expect(metrics).toMatch(/smsgw_simulator_binds\{type="transceiver",app="smsc-simulator"\} 1/);
    const config = (await (await fetch(`${http}/config`)).json()) as { accounts: unknown };
    expect(config.accounts).toEqual([{ systemId: 'smsgw', password: '***', maxBinds: 10, tps: 1000, tpsBurst: 0 }]);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('smsc-simulator as a process', () => {
  it('starts from a config file with flags, serves SMPP and HTTP, and stops on SIGTERM', async () => {
    const httpPort = await freePort();
    const args = ['--config', 'apps/smsc-simulator/simulator.example.yaml', '--smpp-port', '0', '--http-port', String(httpPort), '--id-format', 'hex'];
    const child = spawn(process.execPath, ['-r', './tools/ts-run.cjs', 'apps/smsc-simulator/src/main.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    const lines = createInterface({ input: child.stdout });
    let smppPort = 0;
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'SMPP simulator listening') smppPort = entry.port ?? 0;
        if (entry.msg === 'service started') resolve();
      });
    });
    try {
      await ready;
      expect(smppPort).toBeGreaterThan(0);
      const c = await bind(smppPort);
      const r = await c.submit({ registered_delivery: 1 });
      expect(r['message_id']).toMatch(/^[0-9a-f]+$/);
      await until(() => (c.delivered.length ? true : undefined));
      const stats = await (await fetch(`http://127.0.0.1:${httpPort}/stats`)).json();
      expect(stats).toMatchObject({ submits: { accepted: 1 }, receipts: { sent: 1 } });
      c.session.destroy();
    } finally {
      // NestJS runs the shutdown hooks (the SMPP port closes), then re-raises the signal.
      const exited = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      expect(code === 0 || signal === 'SIGTERM').toBe(true);
    }
  }, 30_000);
});
