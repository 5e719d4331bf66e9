// The simulator over real TCP, driven by the plain node-smpp client a gateway would use.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator, type StartSimulatorOptions } from './index';
import { smpp } from './smsc/node-smpp';
import { connectEsme, sleep, within, type TestEsme } from './testing/esme-client';

const RECEIPT = /^id:(\S+) sub:(\d{3}) dlvrd:(\d{3}) submit date:(\d{10}) done date:(\d{10}) stat:([A-Z]{7}) err:(\d{3}) text:(.*)$/;
const ESME_RINVPASWD = 0x0e;
const ESME_RINVSYSID = 0x0f;
const ESME_RBINDFAIL = 0x0d;
const ESME_RTHROTTLED = 0x58;
const ESME_RMSGQFUL = 0x14;
const ESME_RINVDSTADR = 0x0b;
const ESME_RINVBNDSTS = 0x04;

let sim: RunningSimulator;
const clients: TestEsme[] = [];

async function start(options: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  sim = await startSimulator({ port: 0, ...options });
  return sim;
}

async function esme(options: Partial<Parameters<typeof connectEsme>[0]> = {}): Promise<TestEsme> {
  const c = await connectEsme({ port: sim.port, ...options });
  clients.push(c);
  return c;
}

function receiptText(pdu: Record<string, unknown>): string {
  return (pdu['short_message'] as { message: string }).message;
}

/** The receipt's fields by the standard pattern: [id, sub, dlvrd, submit date, done date, stat, err, text]. */
function receiptFields(pdu: Record<string, unknown>): string[] {
  const m = RECEIPT.exec(receiptText(pdu));
  if (!m) throw new Error(`not a standard receipt: ${receiptText(pdu)}`);
  return m.slice(1);
}

/** Retries an assertion about counters that settle asynchronously (the ESME's responses in flight). */
async function eventually(assertion: () => void, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(10);
    }
  }
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await sim?.close();
});

describe('submit, response, receipt', () => {
  it('answers submit_sm with a unique id and sends a DELIVRD receipt carrying it', async () => {
    await start();
    const c = await esme();
    expect(c.bindStatus).toBe(0);
    const [r1, r2] = await Promise.all([c.submit({ registered_delivery: 1, short_message: 'Hello world, this is the first' }), c.submit({ registered_delivery: 1, short_message: 'Second' })]);
    expect([r1.command_status, r2.command_status]).toEqual([0, 0]);
    expect(r1['message_id']).toMatch(/^\d+$/);
    expect(r1['message_id']).not.toBe(r2['message_id']);

    const [d1, d2] = await c.waitForDelivered(2);
    const byId = new Map([d1, d2].map((d) => [d['receipted_message_id'], d]));
    const receipt = byId.get(r1['message_id']);
    expect(receipt).toMatchObject({ esm_class: 0x04, source_addr: '447700900123', destination_addr: 'ACME', message_state: 2 });
    const [id, sub, dlvrd, , , stat, err, text] = receiptFields(receipt as Record<string, unknown>);
    expect([id, sub, dlvrd, stat, err, text]).toEqual([r1['message_id'], '001', '001', 'DELIVRD', '000', 'Hello world, this is']);

    await eventually(() => expect(sim.stats()).toMatchObject({ submits: { received: 2, accepted: 2 }, uniqueMessages: 2, duplicateSubmits: 0, receipts: { sent: 2, acknowledged: 2, pending: 0 } }));
  });

  it('answers hex ids and writes the same number in decimal in the receipt text when configured so', async () => {
    await start({ config: { ids: { format: 'hex', receiptFormat: 'decimal' } } });
    const c = await esme();
    const r = await c.submit({ registered_delivery: 1 });
    expect(r['message_id']).toMatch(/^[0-9a-f]+$/);
    const [d] = await c.waitForDelivered(1);
    const [id] = receiptFields(d);
    expect(id).toBe(String(parseInt(r['message_id'] as string, 16)));
    expect(d['receipted_message_id']).toBe(r['message_id']); // the TLV echoes submit_sm_resp
  });

  it('leaves the TLVs out when configured so', async () => {
    await start({ config: { receipts: { tlvs: false } } });
    const c = await esme();
    const r = await c.submit({ registered_delivery: 1 });
    const [d] = await c.waitForDelivered(1);
    expect(d['receipted_message_id']).toBeUndefined();
    expect(d['message_state']).toBeUndefined();
    expect(receiptFields(d)[0]).toBe(r['message_id']);
  });

  it('sends no receipt without registered_delivery, and only failures for registered_delivery 2', async () => {
    await start();
    const c = await esme();
    await c.submit({ registered_delivery: 0 });
    await c.submit({ registered_delivery: 2, short_message: 'b' });
    await sleep(100);
    expect(c.delivered).toHaveLength(0);
  });

  it('sends intermediate receipts first, then the picked outcome with its error code', async () => {
    await start({ config: { receipts: { outcomes: { UNDELIV: 1 }, intermediate: ['ACCEPTD', 'ENROUTE'], delay: 30 } } });
    const c = await esme();
    const r = await c.submit({ registered_delivery: 1 });
    const ds = await c.waitForDelivered(3);
    expect(ds.map((d) => receiptFields(d)[5])).toEqual(['ACCEPTD', 'ENROUTE', 'UNDELIV']);
    expect(ds.map((d) => d['message_state'])).toEqual([6, 1, 5]);
    const [id, sub, dlvrd, , , , err] = receiptFields(ds[2]);
    expect([id, sub, dlvrd, err]).toEqual([r['message_id'], '001', '000', '001']);
  });

  it('delivers receipts to a receiver bind of the same system_id', async () => {
    await start();
    const tx = await esme({ bind: 'transmitter' });
    const rx = await esme({ bind: 'receiver' });
    const r = await tx.submit({ registered_delivery: 1 });
    const [d] = await rx.waitForDelivered(1);
    expect(d['receipted_message_id']).toBe(r['message_id']);
    expect(tx.delivered).toHaveLength(0);
    expect((await rx.submit({})).command_status).toBe(ESME_RINVBNDSTS);
  });

  it('answers data_sm like submit_sm, with a receipt', async () => {
    await start();
    const c = await esme();
    const r = await c.request('data_sm', { source_addr: 'ACME', destination_addr: '447700900123', registered_delivery: 1, message_payload: 'payload text' });
    expect(r).toMatchObject({ command: 'data_sm_resp', command_status: 0 });
    const [d] = await c.waitForDelivered(1);
    expect(receiptText(d)).toContain(`id:${r['message_id']} `);
    expect(receiptText(d)).toMatch(/text:payload text$/);
  });

  it('counts a segment submitted twice as a duplicate, and concatenated parts as distinct', async () => {
    await start();
    const c = await esme();
    const part = (n: number): Record<string, unknown> => ({ esm_class: 0x40, short_message: Buffer.concat([Buffer.from([5, 0, 3, 1, 2, n]), Buffer.from('same text')]) });
    await c.submit(part(1));
    await c.submit(part(2));
    await c.submit(part(1));
    expect(sim.stats()).toMatchObject({ submits: { accepted: 3 }, uniqueMessages: 2, duplicateSubmits: 1 });
    sim.resetStats();
    await c.submit(part(1));
    expect(sim.stats()).toMatchObject({ submits: { accepted: 1 }, uniqueMessages: 1, duplicateSubmits: 0 });
  });
});

describe('binds', () => {
  it('answers a wrong password with ESME_RINVPASWD and an unknown system_id with ESME_RINVSYSID, then closes', async () => {
    await start();
    const wrong = await esme({ password: 'nope' });
    expect(wrong.bindStatus).toBe(ESME_RINVPASWD);
    await expect(within(wrong.closed, 1000)).resolves.toBeUndefined();
    const unknown = await esme({ systemId: 'stranger' });
    expect(unknown.bindStatus).toBe(ESME_RINVSYSID);
    expect(sim.stats().binds).toMatchObject({ accepted: 0, rejected: 2 });
  });

  it('checks credentials per system_id and enforces the maximum binds', async () => {
    await start({ config: { accounts: [{ systemId: 'carrier1', password: 'pw1', maxBinds: 2 }, { systemId: 'carrier2', password: 'pw2' }] } });
    expect((await esme({ systemId: 'carrier1', password: 'pw1' })).bindStatus).toBe(0);
    expect((await esme({ systemId: 'carrier1', password: 'pw1', bind: 'receiver' })).bindStatus).toBe(0);
    expect((await esme({ systemId: 'carrier1', password: 'pw1' })).bindStatus).toBe(ESME_RBINDFAIL);
    expect((await esme({ systemId: 'carrier2', password: 'pw1' })).bindStatus).toBe(ESME_RINVPASWD);
    expect((await esme({ systemId: 'carrier2', password: 'pw2' })).bindStatus).toBe(0);
    expect(sim.boundCount('carrier1')).toBe(2);
    const twice = await esme({ systemId: 'carrier2', password: 'pw2' });
    expect((await twice.request('bind_transmitter', { system_id: 'carrier2', password: 'pw2' })).command_status).toBe(0x05); // ESME_RALYBND
    expect(sim.stats().binds.current).toEqual({ transceiver: 3, transmitter: 0, receiver: 1 });
  });

  it('answers enquire_link and unbind, and generic_nack for unknown commands', async () => {
    await start();
    const c = await esme();
    expect((await c.request('enquire_link')).command).toBe('enquire_link_resp');
    expect((await c.request('query_sm', { message_id: '1' })).command_status).toBe(0x03);
    const nack = new Promise<Record<string, unknown>>((resolve) => c.session.once('generic_nack', resolve));
    c.session.socket.write(Buffer.from('00000010000009990000000000000063', 'hex')); // command_id 0x999
    expect(await nack).toMatchObject({ command_status: 0x03, sequence_number: 0x63 });
    const unbind = await c.request('unbind');
    expect(unbind).toMatchObject({ command: 'unbind_resp', command_status: 0 });
    await expect(within(c.closed, 1000)).resolves.toBeUndefined();
    expect(sim.stats()).toMatchObject({ enquireLinks: 1, binds: { unbinds: 1 } });
  });
});

describe('framing', () => {
  it('reads PDUs split byte by byte across TCP segments, and several in one segment', async () => {
    await start();
    const bytes = (command: string, fields: Record<string, unknown>, seq: number): Buffer => {
      const pdu = new smpp.PDU(command, fields);
      pdu.sequence_number = seq;
      return (pdu as unknown as { toBuffer(): Buffer }).toBuffer();
    };
    const socket = tcpConnect({ host: '127.0.0.1', port: sim.port });
    socket.setNoDelay(true);
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    await new Promise((resolve) => socket.once('connect', resolve));
    for (const b of bytes('bind_transceiver', { system_id: 'smsgw', password: 'secret' }, 1)) {
      socket.write(Buffer.from([b]));
      await sleep(1);
    }
    socket.write(Buffer.concat([1, 2, 3].map((n) => bytes('submit_sm', { destination_addr: '447700900123', short_message: `m${n}` }, 10 + n))));
    const responses = (): Array<[number, number, number]> => {
      const all = Buffer.concat(received);
      const out: Array<[number, number, number]> = [];
      for (let o = 0; o + 16 <= all.length; o += all.readUInt32BE(o)) out.push([all.readUInt32BE(o + 4), all.readUInt32BE(o + 8), all.readUInt32BE(o + 12)]);
      return out;
    };
    const deadline = Date.now() + 2000;
    while (responses().length < 4 && Date.now() < deadline) await sleep(10);
    socket.destroy();
    expect(responses()).toEqual([
      [0x80000009, 0, 1],
      [0x80000004, 0, 11],
      [0x80000004, 0, 12],
      [0x80000004, 0, 13],
    ]);
  });

  it('closes a connection that sends a PDU length no SMPP peer would', async () => {
    await start();
    const socket = tcpConnect({ host: '127.0.0.1', port: sim.port });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(Buffer.from('0000000800000015', 'hex'));
    await expect(within(closed, 1000)).resolves.toBeUndefined();
  });
});

describe('throttling and window', () => {
  it('answers ESME_RTHROTTLED above the TPS cap and accepts again as tokens return', async () => {
    await start({ config: { tps: 20 } });
    const c = await esme();
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => c.submit({ short_message: `m${i}` })));
    const accepted = answers.filter((a) => a.command_status === 0).length;
    const throttled = answers.filter((a) => a.command_status === ESME_RTHROTTLED);
    // The burst of 20, plus whatever tokens came back while the 60 were on their way.
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThanOrEqual(20 + Math.ceil((20 * (performance.now() - started)) / 1000));
    expect(throttled).toHaveLength(60 - accepted);
    expect(throttled.every((a) => !a['message_id'])).toBe(true);

    await sleep(260); // ≈ 5 tokens at 20/s
    const later = await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit({ short_message: `n${i}` })));
    const acceptedLater = later.filter((a) => a.command_status === 0).length;
    expect(acceptedLater).toBeGreaterThanOrEqual(4);
    expect(accepted + acceptedLater).toBeLessThanOrEqual(20 + Math.ceil((20 * (performance.now() - started)) / 1000));
    expect(sim.stats().submits).toMatchObject({ received: 70, accepted: accepted + acceptedLater, throttled: 70 - accepted - acceptedLater });
  });

  it('answers ESME_RMSGQFUL beyond its window while responses are delayed', async () => {
    await start({ config: { window: 3, responseDelay: 1000 } }); // long enough that all 5 arrive before any answer
    const c = await esme();
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => c.submit({ short_message: `w${i}` })));
    expect(answers.map((a) => a.command_status).sort()).toEqual([0, 0, 0, ESME_RMSGQFUL, ESME_RMSGQFUL]);
  });
});

describe('faults', () => {
  it('drops the connection at the Nth request, leaving it unanswered, dropTimes times', async () => {
    await start();
    const c = await esme(); // request 1 was the bind, before the fault
    sim.setFaults({ dropAfterPdus: 3, dropTimes: 1 });
    const a1 = await c.submit({ short_message: 'one' });
    const a2 = await c.submit({ short_message: 'two' });
    const a3 = within(c.submit({ short_message: 'three' }), 500);
    await expect(within(c.closed, 1000)).resolves.toBeUndefined();
    expect([a1.command_status, a2.command_status]).toEqual([0, 0]);
    expect(await a3).toBe('timeout');
    expect(sim.stats()).toMatchObject({ connections: { dropped: 1 }, submits: { accepted: 2 } });

    const again = await esme(); // the fault fired once; the next connection lives
    for (let i = 0; i < 5; i++) expect((await again.submit({ short_message: `again${i}` })).command_status).toBe(0);
    expect(again.isClosed()).toBe(false);
  });

  it('stops answering anything while hanging, and answers again when cleared', async () => {
    await start();
    const c = await esme();
    sim.setFaults({ hang: true });
    expect(await within(c.request('enquire_link'), 300)).toBe('timeout');
    expect(await within(c.submit({ registered_delivery: 1 }), 100)).toBe('timeout');
    const newcomer = within(connectEsme({ port: sim.port }), 300);
    expect(await newcomer).toBe('timeout');
    sim.setFaults({});
    expect((await c.request('enquire_link')).command_status).toBe(0);
  });

  it('answers a configured command_status for a destination prefix', async () => {
    await start({ config: { faults: { statusByPrefix: [{ prefix: '4479', status: 'ESME_RINVDSTADR' }] } } });
    const c = await esme();
    expect((await c.submit({ destination_addr: '447911123456', registered_delivery: 1 })).command_status).toBe(ESME_RINVDSTADR);
    expect((await c.submit({ destination_addr: '447700900123', registered_delivery: 1 })).command_status).toBe(0);
    await c.waitForDelivered(1);
    await sleep(50);
    expect(c.delivered).toHaveLength(1);
    expect(sim.stats().submits).toMatchObject({ faultStatus: 1, accepted: 1 });
  });
});

describe('deliver_sm reliability', () => {
  it('sends an unacknowledged receipt again to the next bind after the connection is lost', async () => {
    await start();
    const first = await esme();
    first.answerDelivers = false;
    const r = await first.submit({ registered_delivery: 1 });
    await first.waitForDelivered(1);
    await first.close();
    expect(sim.stats().receipts).toMatchObject({ sent: 1, acknowledged: 0, pending: 1 });

    const second = await esme();
    const [d] = await second.waitForDelivered(1);
    expect(d['receipted_message_id']).toBe(r['message_id']);
    await eventually(() => expect(sim.stats().receipts).toMatchObject({ sent: 2, acknowledged: 1, resent: 1, pending: 0 }));
  });

  it('keeps receipts while no receiver is bound', async () => {
    await start();
    const tx = await esme({ bind: 'transmitter' });
    await tx.submit({ registered_delivery: 1 });
    await sleep(50);
    expect(sim.stats().receipts.pending).toBe(1);
    const rx = await esme({ bind: 'receiver' });
    await rx.waitForDelivered(1);
  });
});

describe('MO', () => {
  it('delivers a long MO as concatenated parts with a UDH', async () => {
    await start();
    const c = await esme();
    const text = 'Reply '.repeat(40); // 240 GSM characters: 2 parts
    expect(sim.sendMo({ from: '+447700900123', to: '12345', text })).toEqual({ systemId: 'smsgw', parts: 2, receivers: 1 });
    const parts = await c.waitForDelivered(2);
    for (const [i, p] of parts.entries()) {
      expect(p).toMatchObject({ esm_class: 0x40, data_coding: 0, source_addr: '447700900123', source_addr_ton: 1, destination_addr: '12345' });
      const udh = (p['short_message'] as { udh: Buffer[] }).udh[0];
      expect([...udh]).toEqual([0x00, 0x03, udh[2], 2, i + 1]);
    }
    expect(parts.map((p) => (p['short_message'] as { message: string }).message).join('')).toBe(text);
    await eventually(() => expect(sim.stats().mo).toEqual({ parts: 2, sent: 2, acknowledged: 2, pending: 0 }));
  });

  it('delivers a short non-GSM MO as one UCS-2 message', async () => {
    await start();
    const c = await esme();
    sim.sendMo({ from: '447700900123', to: 'ACME', text: 'Привет' });
    const [p] = await c.waitForDelivered(1);
    expect(p).toMatchObject({ esm_class: 0, data_coding: 8 });
    expect((p['short_message'] as { message: string }).message).toBe('Привет');
  });
});

describe('TLS', () => {
  const hasOpenssl = spawnSync('openssl', ['version']).status === 0; // to make a throwaway certificate
  (hasOpenssl ? it : it.skip)('speaks SMPP over TLS when given a key and certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsc-sim-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    await start({ tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) } });
    const c = await esme({ tls: true });
    expect(c.bindStatus).toBe(0);
    expect((await c.submit({ registered_delivery: 1 })).command_status).toBe(0);
    await c.waitForDelivered(1);
  });
});
