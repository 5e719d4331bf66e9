/// <reference path="../node-smpp.d.ts" />
// A small, scriptable SMSC over real TCP (node-smpp server) for this library's integration tests:
// binds with a password, answers submit_sm (or not), throttles, drops connections, sends deliver_sm.
import type { AddressInfo, Server } from 'node:net';
import * as smpp from 'smpp';

export interface MiniSmscOptions {
  systemId?: string;
  password?: string;
  /** Answer ESME_RTHROTTLED beyond this many submits a second (0 = never). */
  tps?: number;
  /** Delay before each submit_sm_resp. */
  responseDelayMs?: number;
  /** Serve SMPP over TLS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
}

export interface MiniSubmit {
  sequence: number;
  destination: string;
  source: string;
  sourceTon: number;
  esmClass: number;
  dataCoding: number;
  registeredDelivery: number;
  shortMessage: Buffer;
  messageId: string;
}

export class MiniSmsc {
  private server!: Server;
  readonly sessions = new Set<smpp.Session>();
  readonly submits: MiniSubmit[] = [];
  /** For each entry of submits: how many binds had been accepted when it arrived. */
  readonly bindsAtSubmit: number[] = [];
  /** Submits answered with status 0, by destination + short_message, to count duplicates. */
  readonly accepted = new Map<string, number>();
  throttled = 0;
  binds = 0;
  /** When false, the SMSC reads PDUs but answers nothing (not even enquire_link). */
  answering = true;
  /** Answer this status for destinations starting with a prefix. */
  statusByPrefix = new Map<string, number>();
  /** Destinations whose next submit_sm is taken (counted as accepted) but never answered. */
  unansweredOnce = new Set<string>();
  /** Drop the connection after receiving this many more submit_sm (0 = never). */
  dropAfterSubmits = 0;
  /** Each bind gets a receipt for every submit that asks for one, after this delay (ms; -1 = none). */
  receiptDelayMs = -1;
  private nextId = 1000;
  private windowStart = 0;
  private inWindow = 0;

  constructor(private readonly options: MiniSmscOptions = {}) {}

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  start(): Promise<void> {
    this.server = smpp.createServer(this.options.tls ? { ...this.options.tls } : {}, (session) => this.onSession(session));
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
  }

  async stop(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Closes every connection abruptly (a network drop as the ESME sees it). */
  dropAll(): void {
    for (const s of this.sessions) s.socket.destroy();
  }

  /** Bind type of each bound session. */
  readonly bindTypes = new Map<smpp.Session, string>();

  /** Sends a deliver_sm on the first session bound to receive; resolves with the ESME's command_status. */
  deliver(fields: Record<string, unknown>): Promise<number> {
    const session = [...this.sessions].find((s) => this.bindTypes.get(s) !== 'bind_transmitter');
    if (!session) return Promise.reject(new Error('no session bound to receive'));
    return new Promise((resolve) => session.send(new smpp.PDU('deliver_sm', fields), (resp: smpp.PDU) => resolve(resp.command_status)));
  }

  /** Every PDU the ESME sent, in order. */
  readonly received: { command: string; status: number; sequence: number }[] = [];

  /** Writes bytes as they are (malformed PDUs, one byte at a time) on the first session bound to receive. */
  async writeRaw(bytes: Buffer, chunkSize = bytes.length): Promise<void> {
    const session = [...this.sessions].find((s) => this.bindTypes.has(s) && this.bindTypes.get(s) !== 'bind_transmitter');
    if (!session) throw new Error('no session bound to receive');
    for (let o = 0; o < bytes.length; o += chunkSize) {
      session.socket.write(bytes.subarray(o, o + chunkSize));
      // Separate TCP reads: the next chunk goes out after this one left.
      if (chunkSize < bytes.length) await new Promise((r) => setImmediate(r));
    }
  }

  private onSession(session: smpp.Session): void {
    this.sessions.add(session);
    session.on('pdu', (pdu: smpp.PDU) => this.received.push({ command: pdu.command, status: pdu.command_status, sequence: pdu.sequence_number }));
    session.on('close', () => this.sessions.delete(session));
    session.on('error', () => undefined);
    const onBind = (pdu: smpp.PDU) => {
      if (!this.answering) return;
      const ok = pdu['system_id'] === (this.options.systemId ?? 'smsgw') && pdu['password'] === (this.options.password ?? 'secret');
      if (ok) {
        this.binds++;
        this.bindTypes.set(session, pdu.command);
      }
      session.send(pdu.response({ command_status: ok ? 0 : 0x0e, system_id: 'mini' }));
    };
    session.on('bind_transceiver', onBind);
    session.on('bind_transmitter', onBind);
    session.on('bind_receiver', onBind);
    session.on('enquire_link', (pdu: smpp.PDU) => {
      if (this.answering) session.send(pdu.response());
    });
    session.on('unbind', (pdu: smpp.PDU) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('submit_sm', (pdu: smpp.PDU) => this.onSubmit(session, pdu));
  }

  private onSubmit(session: smpp.Session, pdu: smpp.PDU): void {
    const sm = pdu['short_message'] as { message: Buffer | string } | Buffer;
    const raw = Buffer.isBuffer(sm) ? sm : Buffer.isBuffer(sm.message) ? sm.message : Buffer.from(String(sm.message), 'latin1');
    const submit: MiniSubmit = {
      sequence: pdu.sequence_number,
      destination: String(pdu['destination_addr']),
      source: String(pdu['source_addr']),
      sourceTon: Number(pdu['source_addr_ton']),
      esmClass: Number(pdu['esm_class']),
      dataCoding: Number(pdu['data_coding']),
      registeredDelivery: Number(pdu['registered_delivery']),
      shortMessage: raw,
      messageId: '',
    };
    this.submits.push(submit);
    this.bindsAtSubmit.push(this.binds);
    if (this.dropAfterSubmits > 0 && --this.dropAfterSubmits === 0) {
      session.socket.destroy();
      return;
    }
    if (!this.answering) return;
    if (this.unansweredOnce.delete(submit.destination)) {
      const key = `${submit.destination}|${raw.toString('hex')}`;
      this.accepted.set(key, (this.accepted.get(key) ?? 0) + 1);
      return;
    }
    let status = 0;
    for (const [prefix, s] of this.statusByPrefix) if (submit.destination.startsWith(prefix)) status = s;
    const tps = this.options.tps ?? 0;
    if (status === 0 && tps > 0) {
      const now = Date.now();
      if (now - this.windowStart >= 1000) {
        this.windowStart = now;
        this.inWindow = 0;
      }
      if (++this.inWindow > tps) {
        status = 0x58;
        this.throttled++;
      }
    }
    if (status === 0) {
      submit.messageId = String(this.nextId++);
      const key = `${submit.destination}|${raw.toString('hex')}`;
      this.accepted.set(key, (this.accepted.get(key) ?? 0) + 1);
    }
    const answer = () => {
      if (session.closed) return;
      session.send(pdu.response({ command_status: status, message_id: submit.messageId }));
      if (status === 0 && this.receiptDelayMs >= 0 && submit.registeredDelivery) {
        setTimeout(() => {
          if (session.closed) return;
          session.send(
            new smpp.PDU('deliver_sm', {
              source_addr: submit.destination,
              destination_addr: submit.source,
              esm_class: 0x04,
              short_message: `id:${submit.messageId} sub:001 dlvrd:001 submit date:2401011200 done date:2401011200 stat:DELIVRD err:000 text:`,
              receipted_message_id: submit.messageId,
              message_state: 2,
            }),
          );
        }, this.receiptDelayMs);
      }
    };
    const delay = this.options.responseDelayMs ?? 0;
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  }
}
