/// <reference path="./node-smpp.d.ts" />
import * as smpp from 'smpp';
import type { Logger } from '@smsgw/shared/util-logging';
import { CommandStatus, PduFormatError, SmppError, SubmitWindow, parseIncomingMessage, type IncomingMessagePdu, type SubmitSm } from '@smsgw/smpp/domain';

/** Where a bind is in its life (after Cloudhopper/jSMPP): each transition is logged and observable. */
export type SessionState = 'OPEN' | 'BINDING' | 'BOUND' | 'UNBINDING' | 'CLOSED';
export type BindType = 'transceiver' | 'transmitter' | 'receiver';

export interface SessionTimeouts {
  connectMs: number;
  bindMs: number;
  responseMs: number;
  enquireLinkIntervalMs: number;
  enquireLinkTimeoutMs: number;
  unbindMs: number;
}

export interface SessionSettings {
  /** For logs and metrics, e.g. "demo#1". */
  name: string;
  host: string;
  port: number;
  tls: boolean;
  tlsRejectUnauthorized: boolean;
  systemId: string;
  password: string;
  systemType: string;
  bindType: BindType;
  /** Maximum unanswered submit_sm. */
  window: number;
  timeouts: SessionTimeouts;
}

export interface SessionHandler {
  /**
   * A deliver_sm or data_sm from the SMSC. Resolve with the command_status to answer (0 once it is
   * safely stored); the response is sent only then, so a crash makes the SMSC deliver it again.
   */
  onIncoming(pdu: IncomingMessagePdu, session: CarrierSession): Promise<number>;
  onStateChange?(state: SessionState, session: CarrierSession, error?: SmppError): void;
  /** Every response to a request of ours (for metrics). */
  onResponse?(command: string, commandStatus: number, latencyMs: number, session: CarrierSession): void;
  /** A submit_sm_resp that came after its request had timed out: the SMSC had it after all. */
  onLateResponse?(sequence: number, commandStatus: number, messageId: string, session: CarrierSession): void;
}

export interface SubmitResponse {
  sequence: number;
  commandStatus: number;
  /** The SMSC's message id (empty unless commandStatus is 0). */
  messageId: string;
  latencyMs: number;
}

interface Waiter {
  command: string;
  sentAt: number;
  resolve(response: { status: number; raw: Buffer; latencyMs: number }): void;
  reject(error: SmppError): void;
}

const ID = {
  generic_nack: 0x80000000,
  submit_sm_resp: 0x80000004,
  data_sm_resp: 0x80000103,
  deliver_sm: 0x00000005,
  data_sm: 0x00000103,
  enquire_link: 0x00000015,
  unbind: 0x00000006,
  alert_notification: 0x00000102,
} as const;
const MAX_PDU = 65_536;
const BIND_COMMAND: Record<BindType, string> = { transceiver: 'bind_transceiver', transmitter: 'bind_transmitter', receiver: 'bind_receiver' };

/**
 * One SMPP bind over node-smpp, with explicit states (OPEN → BINDING → BOUND → UNBINDING → CLOSED),
 * a send window keyed by sequence number whose entries time out, enquire_link when the link is
 * idle (a silently dropped network otherwise goes unnoticed), and deliver_sm answered only after
 * the handler stored it. node-smpp encodes PDUs and owns the socket; framing and dispatch of what
 * comes in are done here so receipts and MO keep their raw bytes.
 */
export class CarrierSession {
  private stateValue: SessionState = 'CLOSED';
  private session: smpp.Session | undefined;
  private readonly window: SubmitWindow<Waiter>;
  private readonly control = new Map<number, Waiter & { deadline: number; onTimeout: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  private lastReceivedAt = 0;
  private enquireOutstanding = false;
  private closeError: SmppError | undefined;
  private closedResolve!: (error: SmppError | undefined) => void;
  /** Resolves when the session is CLOSED, with the reason when it was not a clean unbind. */
  readonly closed: Promise<SmppError | undefined>;
  /** Sequence numbers whose submit timed out, remembered briefly to recognise late responses. */
  private readonly timedOut = new Map<number, number>();
  private corked = false;

  constructor(
    readonly settings: SessionSettings,
    private readonly handler: SessionHandler,
    private readonly logger: Logger,
  ) {
    this.window = new SubmitWindow<Waiter>(settings.window);
    this.closed = new Promise((resolve) => (this.closedResolve = resolve));
  }

  get name(): string {
    return this.settings.name;
  }

  get state(): SessionState {
    return this.stateValue;
  }

  get bound(): boolean {
    return this.stateValue === 'BOUND';
  }

  get windowInUse(): number {
    return this.window.size;
  }

  get windowFree(): number {
    return this.stateValue === 'BOUND' && this.settings.bindType !== 'receiver' ? this.window.free : 0;
  }

  /** Connects and binds; rejects with SmppError (connect failure, bind refused with its status name, timeout). */
  async open(): Promise<void> {
    if (this.stateValue !== 'CLOSED' || this.session) throw new Error(`open() on a session that is ${this.stateValue}`);
    const { host, port, tls, tlsRejectUnauthorized, timeouts } = this.settings;
    this.setState('OPEN');
    const session = smpp.connect({ host, port, tls, rejectUnauthorized: tlsRejectUnauthorized, connectTimeout: timeouts.connectMs });
    this.session = session;
    this.installFraming(session);
    session.on('error', (err: Error) => {
      this.closeError ??= new SmppError('SMPP.CONNECTION_LOST', `${this.name}: ${err.message}`, { retryable: true, sessionSurvives: false, cause: err });
    });
    session.on('close', () => this.onSocketClosed());
    await new Promise<void>((resolve, reject) => {
      const onUp = () => {
        session.removeListener('close', onDown);
        resolve();
      };
      const onDown = () => {
        session.removeListener(tls ? 'secureConnect' : 'connect', onUp);
        const cause = this.closeError?.message ?? 'connection closed';
        reject(new SmppError('SMPP.CONNECT_FAILED', `${this.name}: cannot connect to ${host}:${port}${tls ? ' (TLS)' : ''}: ${cause}`, { retryable: true, sessionSurvives: false }));
      };
      session.once(tls ? 'secureConnect' : 'connect', onUp);
      session.once('close', onDown);
    });
    session.socket.setNoDelay(true);
    session.socket.setKeepAlive(true, 30_000);
    this.lastReceivedAt = Date.now();
    this.startTimer();
    this.setState('BINDING');
    let status: number;
    try {
      ({ status } = await this.request(BIND_COMMAND[this.settings.bindType], {
        system_id: this.settings.systemId,
        password: this.settings.password,
        system_type: this.settings.systemType,
        interface_version: 0x34,
      }, timeouts.bindMs));
    } catch (err) {
      this.destroy(err as SmppError);
      await this.closed;
      throw err;
    }
    if (status !== CommandStatus.ESME_ROK) {
      const error = SmppError.bindRejected(status, this.settings.systemId);
      this.destroy(error);
      await this.closed;
      throw error;
    }
    this.setState('BOUND');
  }

  /**
   * Sends one submit_sm. Resolves with whatever command_status the SMSC answers (the caller
   * classifies it); rejects with SmppError when no answer can come: not bound (nothing sent),
   * response timeout or connection lost (outcome unknown: the SMSC may have it).
   */
  submit(fields: SubmitSm): Promise<SubmitResponse> {
    const session = this.session;
    if (this.stateValue !== 'BOUND' || !session) return Promise.reject(SmppError.notBound(this.stateValue));
    if (this.window.full) return Promise.reject(new SmppError('SMPP.NOT_BOUND', `${this.name}: window full (${this.window.capacity}); nothing was sent`, { retryable: true, sessionSurvives: true }));
    const pdu = new smpp.PDU('submit_sm', toNodeSmpp(fields));
    return new Promise<SubmitResponse>((resolve, reject) => {
      const sentAt = performance.now();
      const waiter: Waiter = {
        command: 'submit_sm',
        sentAt,
        resolve: ({ status, raw, latencyMs }) => resolve({ sequence: pdu.sequence_number, commandStatus: status, messageId: status === 0 ? readCString(raw, 16) : '', latencyMs }),
        reject,
      };
      this.cork();
      // A socket that is no longer writable fails synchronously, before a sequence is taken: nothing was sent.
      const ok = session.send(pdu, undefined, undefined, () => undefined);
      if (!ok) {
        reject(SmppError.connectionLost('submit_sm', 0, false, 'socket not writable'));
        return;
      }
      this.window.add(pdu.sequence_number, waiter, Date.now(), this.settings.timeouts.responseMs);
    });
  }

  /** Sends an unbind and waits (bounded) for unbind_resp, then closes. In-flight submits should be drained first. */
  async unbind(): Promise<void> {
    if (this.stateValue !== 'BOUND') {
      this.destroy();
      await this.closed;
      return;
    }
    this.setState('UNBINDING');
    try {
      await this.request('unbind', {}, this.settings.timeouts.unbindMs);
    } catch (err) {
      this.logger.warn({ session: this.name, code: (err as SmppError).code }, 'no unbind_resp; closing anyway');
    }
    this.session?.close();
    const timer = setTimeout(() => this.destroy(), this.settings.timeouts.unbindMs);
    await this.closed;
    clearTimeout(timer);
  }

  /** Closes at once; requests waiting for a response end with SMPP.CONNECTION_LOST (outcome unknown). */
  destroy(reason?: SmppError): void {
    if (reason) this.closeError ??= reason;
    if (this.session && !this.session.closed) this.session.destroy();
    else if (!this.session) this.onSocketClosed();
  }

  private setState(state: SessionState, error?: SmppError): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.logger.debug({ session: this.name, state, code: error?.code }, 'session state');
    this.handler.onStateChange?.(state, this, error);
  }

  /** Coalesces the PDUs written in one tick into one socket write. */
  private cork(): void {
    if (this.corked || !this.session) return;
    const socket = this.session.socket;
    socket.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  private request(command: string, fields: Record<string, unknown>, timeoutMs: number): Promise<{ status: number; raw: Buffer; latencyMs: number }> {
    const session = this.session;
    if (!session) return Promise.reject(SmppError.notBound(this.stateValue));
    const pdu = new smpp.PDU(command, fields);
    return new Promise((resolve, reject) => {
      const ok = session.send(pdu, undefined, undefined, () => undefined);
      if (!ok) {
        reject(SmppError.connectionLost(command, 0, false, 'socket not writable'));
        return;
      }
      const sequence = pdu.sequence_number;
      this.control.set(sequence, {
        command,
        sentAt: performance.now(),
        deadline: Date.now() + timeoutMs,
        resolve,
        reject,
        onTimeout: () => reject(SmppError.responseTimeout(command, sequence, timeoutMs)),
      });
    });
  }

  private respond(command: string, sequence: number, status: number, fields: Record<string, unknown> = {}): void {
    if (!this.session || this.session.closed) return;
    this.session.send(new smpp.PDU(command, { ...fields, sequence_number: sequence, command_status: status }));
  }

  /** Replaces node-smpp's PDU extraction for this session: same framing, but the raw bytes reach us. */
  private installFraming(session: smpp.Session): void {
    session._extractPDUs = () => {
      if (session._busy) return;
      session._busy = true;
      try {
        const socket = session.socket;
        while (!session.paused) {
          let length = session._command_length;
          if (!length) {
            const head = socket.read(4) as Buffer | null;
            if (!head) break;
            length = head.readUInt32BE(0);
            if (length < 16 || length > MAX_PDU) {
              this.destroy(new SmppError('SMPP.CONNECTION_LOST', `${this.name}: received a PDU of ${length} octets; the stream is out of step, reconnecting`, { retryable: true, sessionSurvives: false }));
              return;
            }
            session._command_length = length;
          }
          const rest = socket.read(length - 4) as Buffer | null;
          if (!rest || rest.length !== length - 4) break;
          session._command_length = null;
          const raw = Buffer.allocUnsafe(length);
          raw.writeUInt32BE(length, 0);
          rest.copy(raw, 4);
          this.onPdu(raw);
        }
      } finally {
        session._busy = false;
      }
    };
  }

  private onPdu(raw: Buffer): void {
    this.lastReceivedAt = Date.now();
    const commandId = raw.readUInt32BE(4);
    const status = raw.readUInt32BE(8);
    const sequence = raw.readUInt32BE(12);
    if (commandId & 0x80000000) {
      this.onResponse(commandId, status, sequence, raw);
      return;
    }
    switch (commandId) {
      case ID.deliver_sm:
      case ID.data_sm:
        this.onIncoming(commandId === ID.deliver_sm ? 'deliver_sm_resp' : 'data_sm_resp', sequence, raw);
        return;
      case ID.enquire_link:
        this.respond('enquire_link_resp', sequence, 0);
        return;
      case ID.unbind:
        this.logger.info({ session: this.name }, 'the SMSC unbinds');
        this.setState('UNBINDING');
        this.respond('unbind_resp', sequence, 0);
        this.closeError ??= new SmppError('SMPP.CLOSED', `${this.name}: the SMSC unbound`, { retryable: true, sessionSurvives: false });
        this.session?.close();
        return;
      case ID.alert_notification:
        return;
      default:
        this.logger.warn({ session: this.name, commandId: `0x${commandId.toString(16)}` }, 'unexpected request from the SMSC; answering generic_nack');
        this.respond('generic_nack', sequence, 0x03);
    }
  }

  private onResponse(commandId: number, status: number, sequence: number, raw: Buffer): void {
    if (commandId === ID.submit_sm_resp || commandId === ID.data_sm_resp || commandId === ID.generic_nack) {
      const slot = this.window.take(sequence);
      if (slot) {
        const latencyMs = performance.now() - slot.entry.sentAt;
        this.handler.onResponse?.(slot.entry.command, status, latencyMs, this);
        slot.entry.resolve({ status, raw, latencyMs });
        return;
      }
    }
    const waiter = this.control.get(sequence);
    if (waiter) {
      this.control.delete(sequence);
      const latencyMs = performance.now() - waiter.sentAt;
      this.handler.onResponse?.(waiter.command, status, latencyMs, this);
      waiter.resolve({ status, raw, latencyMs });
      return;
    }
    if (commandId === ID.submit_sm_resp && this.timedOut.has(sequence)) {
      this.timedOut.delete(sequence);
      this.handler.onLateResponse?.(sequence, status, status === 0 ? readCString(raw, 16) : '', this);
      return;
    }
    this.logger.debug({ session: this.name, sequence, commandId: `0x${commandId.toString(16)}` }, 'response to no request of ours');
  }

  private onIncoming(responseCommand: string, sequence: number, raw: Buffer): void {
    if (this.stateValue !== 'BOUND' && this.stateValue !== 'UNBINDING') {
      this.respond(responseCommand, sequence, CommandStatus.ESME_RINVBNDSTS);
      return;
    }
    let pdu: IncomingMessagePdu;
    try {
      pdu = parseIncomingMessage(raw);
    } catch (err) {
      this.logger.warn({ session: this.name, sequence, err: (err as PduFormatError).message }, 'malformed deliver_sm/data_sm; answering ESME_RINVCMDLEN');
      this.respond(responseCommand, sequence, 0x02);
      return;
    }
    this.handler.onIncoming(pdu, this).then(
      (status) => this.respond(responseCommand, sequence, status, { message_id: '' }),
      (err: Error) => {
        // Not stored: a temporary error makes the SMSC try again later.
        this.logger.error({ session: this.name, sequence, err: err.message }, 'could not store an incoming message; answering ESME_RX_T_APPN');
        this.respond(responseCommand, sequence, CommandStatus.ESME_RX_T_APPN);
      },
    );
  }

  private startTimer(): void {
    const t = this.settings.timeouts;
    const tick = Math.max(10, Math.min(250, Math.floor(Math.min(t.responseMs, t.enquireLinkTimeoutMs, t.enquireLinkIntervalMs) / 4)));
    this.timer = setInterval(() => this.onTick(), tick);
    this.timer.unref();
  }

  private onTick(): void {
    const now = Date.now();
    for (const slot of this.window.expire(now)) {
      this.timedOut.set(slot.sequence, now);
      slot.entry.reject(SmppError.responseTimeout(slot.entry.command, slot.sequence, this.settings.timeouts.responseMs));
    }
    for (const [sequence, waiter] of this.control) {
      if (waiter.deadline <= now) {
        this.control.delete(sequence);
        waiter.onTimeout();
      }
    }
    // Forget timed-out sequences after a while; a response later than that is just logged.
    if (this.timedOut.size > 0) {
      for (const [sequence, at] of this.timedOut) if (now - at > 10 * this.settings.timeouts.responseMs) this.timedOut.delete(sequence);
    }
    const { enquireLinkIntervalMs, enquireLinkTimeoutMs } = this.settings.timeouts;
    if (this.stateValue === 'BOUND' && !this.enquireOutstanding && now - this.lastReceivedAt >= enquireLinkIntervalMs) {
      this.enquireOutstanding = true;
      this.request('enquire_link', {}, enquireLinkTimeoutMs).then(
        () => (this.enquireOutstanding = false),
        (err: SmppError) => {
          this.enquireOutstanding = false;
          if (err.code === 'SMPP.RESPONSE_TIMEOUT') {
            this.logger.warn({ session: this.name, timeoutMs: enquireLinkTimeoutMs }, 'enquire_link unanswered: link dead, reconnecting');
            this.destroy(SmppError.linkDead(enquireLinkTimeoutMs));
          }
        },
      );
    }
  }

  private onSocketClosed(): void {
    if (this.stateValue === 'CLOSED' && !this.session) {
      this.closedResolve(this.closeError);
      return;
    }
    clearInterval(this.timer);
    this.timer = undefined;
    const reason = this.closeError?.message ?? 'connection closed';
    const wasUnbinding = this.stateValue === 'UNBINDING';
    for (const slot of this.window.drain()) slot.entry.reject(SmppError.connectionLost(slot.entry.command, slot.sequence, true, reason));
    for (const [sequence, waiter] of this.control) waiter.reject(SmppError.connectionLost(waiter.command, sequence, true, reason));
    this.control.clear();
    this.session = undefined;
    const error = wasUnbinding && !this.closeError ? undefined : (this.closeError ?? new SmppError('SMPP.CONNECTION_LOST', `${this.name}: connection closed by the SMSC`, { retryable: true, sessionSurvives: false }));
    this.setState('CLOSED', error);
    this.closedResolve(error);
  }
}

function readCString(buffer: Buffer, offset: number): string {
  let end = offset;
  while (end < buffer.length && buffer[end] !== 0) end++;
  return buffer.toString('latin1', offset, end);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** node-smpp wants Buffers and no undefined TLVs (it would try to encode them). */
function toNodeSmpp(fields: SubmitSm): Record<string, unknown> {
  const out: Record<string, unknown> = {
    service_type: fields.service_type,
    source_addr_ton: fields.source_addr_ton,
    source_addr_npi: fields.source_addr_npi,
    source_addr: fields.source_addr,
    dest_addr_ton: fields.dest_addr_ton,
    dest_addr_npi: fields.dest_addr_npi,
    destination_addr: fields.destination_addr,
    esm_class: fields.esm_class,
    protocol_id: fields.protocol_id,
    priority_flag: fields.priority_flag,
    validity_period: fields.validity_period,
    registered_delivery: fields.registered_delivery,
    data_coding: fields.data_coding,
    short_message: asBuffer(fields.short_message),
  };
  if (fields.message_payload) out['message_payload'] = asBuffer(fields.message_payload);
  if (fields.sar_msg_ref_num !== undefined) {
    out['sar_msg_ref_num'] = fields.sar_msg_ref_num;
    out['sar_total_segments'] = fields.sar_total_segments;
    out['sar_segment_seqnum'] = fields.sar_segment_seqnum;
  }
  return out;
}

