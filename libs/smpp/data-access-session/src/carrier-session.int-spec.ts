// Sessions and the pool over real TCP against a scriptable node-smpp SMSC.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@smsgw/shared/util-logging';
import { SmppError, readReceipt } from '@smsgw/smpp/domain';
import { TLV, type IncomingMessagePdu } from '@smsgw/smpp/util-wire';
import { CarrierSession, CarrierSessionPool, SubmitTicket, type PoolSettings, type SubmitResult } from './index';
import { MiniSmsc } from './testing/mini-smsc';
import { poolSettings, segment, sessionSettings, timeouts } from './testing/session-fixtures';

const logger = createLogger({ app: 'session-int-spec', level: process.env['LOG_LEVEL'] ?? 'silent' });

const noIncoming = async () => 0;
const handler = { onIncoming: noIncoming };

describe('CarrierSession (real TCP)', () => {
  let smsc: MiniSmsc;
  beforeEach(async () => {
    smsc = new MiniSmsc();
    await smsc.start();
  });
  afterEach(() => smsc.stop());

  it('binds, submits, and unbinds cleanly', async () => {
    const states: string[] = [];
    const session = new CarrierSession(sessionSettings(smsc.port), { ...handler, onStateChange: (s) => states.push(s) }, logger);
    await session.open();
    expect(session.state).toBe('BOUND');
    const resp = await session.submit(segment('447700900001', 'hello'));
    expect(resp.commandStatus).toBe(0);
    expect(resp.messageId).toMatch(/^\d+$/);
    expect(smsc.submits[0]).toMatchObject({ destination: '447700900001', source: 'ACME', sourceTon: 5, registeredDelivery: 1 });
    await session.unbind();
    expect(await session.closed).toBeUndefined();
    expect(states).toEqual(['OPEN', 'BINDING', 'BOUND', 'UNBINDING', 'CLOSED']);
  });

  it('reports a refused bind with the command_status name', async () => {
    const session = new CarrierSession(sessionSettings(smsc.port, { password: 'wrong' }), handler, logger);
    const err = (await session.open().catch((e) => e)) as SmppError;
    expect(err).toBeInstanceOf(SmppError);
    expect(err.code).toBe('SMPP.ESME_RINVPASWD');
    expect(err.message).toContain('the password is wrong');
    expect(session.state).toBe('CLOSED');
  });

  it('reports a connection refused as SMPP.CONNECT_FAILED', async () => {
    const session = new CarrierSession(sessionSettings(1), handler, logger);
    await expect(session.open()).rejects.toMatchObject({ code: 'SMPP.CONNECT_FAILED' });
  });

  it('times a missing submit_sm_resp out as an unknown outcome', async () => {
    const late: number[] = [];
    const session = new CarrierSession(sessionSettings(smsc.port, { timeouts: { ...timeouts, responseMs: 100 } }), { ...handler, onLateResponse: (seq) => late.push(seq) }, logger);
    await session.open();
    smsc.answering = false;
    const err = (await session.submit(segment('447700900002', 'x')).catch((e) => e)) as SmppError;
    expect(err).toMatchObject({ code: 'SMPP.RESPONSE_TIMEOUT', outcomeUnknown: true });
    expect(session.windowInUse).toBe(0);
    session.destroy();
  });

  it('declares the link dead when enquire_link goes unanswered', async () => {
    const session = new CarrierSession(sessionSettings(smsc.port, { timeouts: { ...timeouts, enquireLinkIntervalMs: 200, enquireLinkTimeoutMs: 300 } }), handler, logger);
    await session.open();
    smsc.answering = false;
    const started = Date.now();
    const error = await session.closed;
    expect(error?.code).toBe('SMPP.LINK_DEAD');
    // Idle interval + enquire_link timeout + the timer's granularity.
    expect(Date.now() - started).toBeLessThan(200 + 300 + 250);
  });

  it('answers deliver_sm only after the handler resolved, with the raw receipt', async () => {
    let release!: () => void;
    const stored = new Promise<void>((r) => (release = r));
    const received: IncomingMessagePdu[] = [];
    const session = new CarrierSession(
      sessionSettings(smsc.port),
      {
        onIncoming: async (pdu) => {
          received.push(pdu);
          await stored;
          return 0;
        },
      },
      logger,
    );
    await session.open();
    let answered: number | undefined;
    const response = smsc.deliver({ esm_class: 4, source_addr: '447700900003', short_message: 'id:77 sub:001 dlvrd:001 stat:DELIVRD err:000', receipted_message_id: '77' }).then((s) => (answered = s));
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
    expect(answered).toBeUndefined();
    release();
    await response;
    expect(answered).toBe(0);
    expect(readReceipt(received[0]).smscMessageId).toBe('77');
    expect(received[0].tlvs.has(TLV.RECEIPTED_MESSAGE_ID)).toBe(true);
    await session.unbind();
  });
});

describe('CarrierSessionPool (real TCP)', () => {
  let smsc: MiniSmsc;
  let pool: CarrierSessionPool | undefined;
  afterEach(async () => {
    await pool?.stop(500);
    pool = undefined;
    await smsc.stop();
  });

  async function startPool(options: ConstructorParameters<typeof MiniSmsc>[0], over: Partial<PoolSettings> = {}, observer = {}, session: Partial<PoolSettings['session']> = {}) {
    smsc = new MiniSmsc(options);
    await smsc.start();
    const settings = poolSettings(smsc.port, over);
    pool = new CarrierSessionPool({ ...settings, session: { ...settings.session, ...session } }, noIncoming, logger, observer);
    pool.start();
    await pool.whenBound(2000);
    return pool;
  }

  it('spreads segments over its binds and gets every one submitted once', async () => {
    const p = await startPool({});
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => p.submit(segment(`44770090${String(i).padStart(4, '0')}`, `m${i}`))));
    expect(results.every((r) => r.kind === 'submitted')).toBe(true);
    expect(new Set(results.map((r) => (r as { smscMessageId: string }).smscMessageId)).size).toBe(500);
    expect(smsc.binds).toBe(2);
    expect([...smsc.accepted.values()].every((n) => n === 1)).toBe(true);
  });

  it('treats throttling as slow down: no failure, no loss, no duplicate', async () => {
    let throttled = 0;
    const pressure: boolean[] = [];
    const p = await startPool({ tps: 300 }, {}, { throttled: () => throttled++, pressure: (s: boolean) => pressure.push(s) });
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 900 }, (_, i) => p.submit(segment(`4477009${String(i).padStart(5, '0')}`, `t${i}`))));
    expect(results.filter((r) => r.kind !== 'submitted')).toEqual([]);
    expect(throttled).toBeGreaterThan(0);
    expect(smsc.throttled).toBe(throttled);
    expect(smsc.accepted.size).toBe(900);
    expect([...smsc.accepted.values()].every((n) => n === 1)).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(1500); // 900 at 300/s: only slower
    expect(pressure[0]).toBe(true);
  }, 20_000);

  it('sends priority segments before every bulk segment still queued, under the same TPS limit', async () => {
    const pressure: [boolean, string][] = [];
    const waits: Record<string, number[]> = { priority: [], bulk: [] };
    const p = await startPool({}, { tps: 200 }, { pressure: (s: boolean, lane: string) => pressure.push([s, lane]), dequeued: (lane: string, ms: number) => waits[lane].push(ms) });
    const bulk = Array.from({ length: 400 }, (_, i) => p.submit(segment(`4477001${String(i).padStart(5, '0')}`, `bulk ${i}`), undefined, undefined, false, 'bulk'));
    await new Promise((r) => setTimeout(r, 300));
    expect(p.queuedIn('bulk')).toBeGreaterThan(250); // 2 s of bulk traffic still waiting
    const queuedAt = Date.now();
    const otps = await Promise.all(Array.from({ length: 5 }, (_, i) => p.submit(segment(`4477002${String(i).padStart(5, '0')}`, `otp ${i}`), undefined, undefined, false, 'priority')));
    const otpLatency = Date.now() - queuedAt;
    expect(otps.every((r) => r.kind === 'submitted')).toBe(true);
    expect(otpLatency).toBeLessThan(250); // 5 tokens at 200/s, not the 1.5 s of bulk ahead of them
    expect(p.queuedIn('bulk')).toBeGreaterThan(150);
    expect((await Promise.all(bulk)).every((r) => r.kind === 'submitted')).toBe(true);
    // The OTPs reached the SMSC while bulk segments queued before them were still waiting.
    const order = smsc.submits.map((s) => s.destination);
    const lastOtp = Math.max(...Array.from({ length: 5 }, (_, i) => order.indexOf(`4477002${String(i).padStart(5, '0')}`)));
    expect(lastOtp).toBeLessThan(250);
    expect(waits.priority).toHaveLength(5);
    expect(Math.max(...waits.priority)).toBeLessThan(250);
    // Bulk backed off (a round of windows is 100 here); priority never did.
    expect(pressure).toContainEqual([true, 'bulk']);
    expect(pressure.some(([s, lane]) => s && lane === 'priority')).toBe(false);
  }, 20_000);

  it('fails permanent errors and hands other errors back as retryable', async () => {
    const p = await startPool({});
    smsc.statusByPrefix.set('1', 0x0b).set('2', 0x08);
    const [bad, retry, ok] = await Promise.all([p.submit(segment('1555', 'a')), p.submit(segment('2555', 'b')), p.submit(segment('3555', 'c'))]);
    expect(bad).toMatchObject({ kind: 'rejected', commandStatus: 0x0b, disposition: 'permanent' });
    expect(retry).toMatchObject({ kind: 'rejected', commandStatus: 0x08, disposition: 'retryable' });
    expect(ok).toMatchObject({ kind: 'submitted' });
  });

  it('rebinds after a connection drop mid-window; every segment is submitted once or unknown', async () => {
    let reconnects = 0;
    let unknown = 0;
    const p = await startPool({ responseDelayMs: 5 }, { binds: 1 }, { reconnect: () => reconnects++, unknownOutcome: () => unknown++ });
    smsc.dropAfterSubmits = 30;
    const results: SubmitResult[] = await Promise.all(Array.from({ length: 300 }, (_, i) => p.submit(segment(`4477008${String(i).padStart(5, '0')}`, `d${i}`))));
    const unknowns = results.filter((r) => r.kind === 'unknown');
    expect(results.filter((r) => r.kind !== 'submitted' && r.kind !== 'unknown')).toEqual([]);
    expect(unknowns.length).toBeGreaterThan(0);
    expect(unknown).toBe(unknowns.length);
    expect(reconnects).toBeGreaterThanOrEqual(1);
    expect(smsc.binds).toBe(2);
    // Nothing was sent twice: wait-for-receipt never resends.
    expect([...smsc.accepted.values()].every((n) => n === 1)).toBe(true);
    // The SMSC has every submitted segment, and some of the unknown ones (their response was lost).
    const submitted = results.filter((r) => r.kind === 'submitted').length;
    expect(smsc.accepted.size).toBeGreaterThanOrEqual(submitted);
    expect(smsc.accepted.size).toBeLessThanOrEqual(submitted + unknowns.length);
  });

  it('resends an unknown outcome once after rebinding when the carrier says resend-once', async () => {
    const p = await startPool({ responseDelayMs: 5 }, { binds: 1, unknownOutcome: 'resend-once' });
    smsc.dropAfterSubmits = 10;
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => p.submit(segment(`4477007${String(i).padStart(5, '0')}`, `r${i}`))));
    expect(results.every((r) => r.kind === 'submitted')).toBe(true);
    expect(results.some((r) => r.attempts === 2)).toBe(true);
  });

  it('resend-once after a response timeout: rebinds that session first, then resends once', async () => {
    const shortTimeouts = { ...timeouts, responseMs: 300 };
    const p = await startPool({}, { binds: 2, unknownOutcome: 'resend-once' }, {}, { timeouts: shortTimeouts });
    while (p.bindsUp < 2) await new Promise((r) => setTimeout(r, 5));
    smsc.unansweredOnce.add('447700700001');
    const bindsBefore = smsc.binds;
    const lost = p.submit(segment('447700700001', 'lost response'));
    const others = Array.from({ length: 20 }, (_, i) => p.submit(segment(`4477007${String(i + 10).padStart(5, '0')}`, `o${i}`)));
    const result = await lost;
    expect(result).toMatchObject({ kind: 'submitted', attempts: 2 });
    // The resend went out only after a new bind (the timed-out session was unbound and bound again).
    expect(smsc.binds).toBe(bindsBefore + 1);
    const resendIndex = smsc.submits.map((s) => s.destination).lastIndexOf('447700700001');
    expect(smsc.submits.filter((s) => s.destination === '447700700001')).toHaveLength(2);
    expect(smsc.bindsAtSubmit[resendIndex]).toBe(bindsBefore + 1);
    expect((await Promise.all(others)).every((r) => r.kind === 'submitted' && r.attempts === 1)).toBe(true);
  });

  it('withdraws the waiting segments of a ticket; those already sent finish as usual', async () => {
    const p = await startPool({ responseDelayMs: 50 }, { binds: 1 }, {}, { window: 5 });
    const ticket = new SubmitTicket();
    const other = new SubmitTicket();
    const mine = Array.from({ length: 30 }, (_, i) => p.submit(segment(`4477006${String(i).padStart(5, '0')}`, `w${i}`), ticket));
    const theirs = Array.from({ length: 5 }, (_, i) => p.submit(segment(`4477005${String(i).padStart(5, '0')}`, `k${i}`), other));
    await new Promise((r) => setTimeout(r, 20)); // the first window of 5 is out
    const withdrawn = p.withdraw(ticket);
    const results = await Promise.all(mine);
    expect(withdrawn).toBe(25);
    expect(results.filter((r) => r.kind === 'submitted')).toHaveLength(5);
    expect(results.slice(0, 5).every((r) => r.kind === 'submitted')).toBe(true);
    expect(results.slice(5).every((r) => r.kind === 'withdrawn')).toBe(true);
    expect((await Promise.all(theirs)).every((r) => r.kind === 'submitted')).toBe(true);
    expect(smsc.accepted.size).toBe(10);
    expect(await p.submit(segment('447700400000', 'late'), ticket)).toEqual({ kind: 'withdrawn', attempts: 0 });
  });
});

/** A self-signed certificate for 127.0.0.1 made with the openssl CLI; undefined when openssl is missing. */
function selfSignedCertificate(): { key: string; cert: string } | undefined {
  try {
    const dir = mkdtempSync(join(tmpdir(), 'smpp-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  }
}

describe('SMPP over TLS and transmitter+receiver binds', () => {
  const tls = selfSignedCertificate();
  const itTls = tls ? it : it.skip;

  itTls('binds and submits over TLS; refuses an unverifiable certificate when asked to verify', async () => {
    const smsc = new MiniSmsc({ tls });
    await smsc.start();
    try {
      const session = new CarrierSession(sessionSettings(smsc.port, { tls: true, tlsRejectUnauthorized: false }), handler, logger);
      await session.open();
      expect((await session.submit(segment('447700900010', 'secure'))).commandStatus).toBe(0);
      await session.unbind();
      const strict = new CarrierSession(sessionSettings(smsc.port, { tls: true, tlsRejectUnauthorized: true }), handler, logger);
      await expect(strict.open()).rejects.toMatchObject({ code: 'SMPP.CONNECT_FAILED', message: expect.stringMatching(/self.signed|certificate/i) });
    } finally {
      await smsc.stop();
    }
  });

  it('submits on transmitters and receives on receivers', async () => {
    const smsc = new MiniSmsc();
    await smsc.start();
    const received: IncomingMessagePdu[] = [];
    const pool = new CarrierSessionPool(poolSettings(smsc.port, { bindMode: 'transmitter+receiver', binds: 1 }), async (pdu) => (received.push(pdu), 0), logger);
    try {
      pool.start();
      await pool.whenBound(2000);
      while (smsc.binds < 2) await new Promise((r) => setTimeout(r, 10));
      expect([...smsc.bindTypes.values()].sort()).toEqual(['bind_receiver', 'bind_transmitter']);
      expect(pool.binds().map((b) => b.name)).toEqual(['t#tx1', 't#rx1']);
      expect(await pool.submit(segment('447700900011', 'tx'))).toMatchObject({ kind: 'submitted' });
      expect(await smsc.deliver({ source_addr: '447700900011', destination_addr: 'ACME', short_message: 'hi' })).toBe(0);
      expect(received).toHaveLength(1);
    } finally {
      await pool.stop(500);
      await smsc.stop();
    }
  });
});
