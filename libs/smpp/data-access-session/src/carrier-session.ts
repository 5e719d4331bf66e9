/// <reference path="./node-smpp.d.ts" />
import * as smpp from 'smpp';
import type { Logger } from '@smsgw/shared/util-logging';
import { SmppError, SubmitWindow } from '@smsgw/smpp/domain';
import {
  CommandId,
  CommandStatus,
  PduFormatError,
  PduFramer,
  encodeDataSm,
  encodeResponse,
  encodeSubmitSm,
  parseIncomingMessage,
  readResponseMessageId,
  type IncomingMessagePdu,
  type SubmitSm,
} from '@smsgw/smpp/util-wire';

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
  /** Send segments as submit_sm (default) or data_sm. */
  submitCommand?: 'submit_sm' | 'data_sm';
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
  /** When the framer began holding an unfinished PDU. */
  private partialSince: number | undefined;
  private draining = false;

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
    return this.stateValue === 'BOUND' && !this.draining && this.settings.bindType !== 'receiver' ? this.window.free : 0;
  }

  /** Takes no new submits (its window drains); used before a planned unbind. */
  drain(): void {
    this.draining = true;
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
      this.closeError ??= new SmppError('SMPP.CONNECTION_LOST', err.message, { retryable: true, sessionSurvives: false, cause: err });
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
    if (this.stateValue !== 'BOUND' || !this.session) return Promise.reject(SmppError.notBound(this.stateValue));
    if (this.window.full) return Promise.reject(new SmppError('SMPP.WINDOW_FULL', `${this.name}: window full (${this.window.capacity}); nothing was sent`, { retryable: true, sessionSurvives: true }));
    const sequence = this.nextSequence();
    const dataSm = this.settings.submitCommand === 'data_sm';
    const bytes = dataSm ? encodeDataSm(fields, sequence) : encodeSubmitSm(fields, sequence);
    return new Promise<SubmitResponse>((resolve, reject) => {
      const waiter: Waiter = {
        command: dataSm ? 'data_sm' : 'submit_sm',
        sentAt: performance.now(),
        resolve: ({ status, raw, latencyMs }) => resolve({ sequence, commandStatus: status, messageId: status === 0 ? readResponseMessageId(raw) : '', latencyMs }),
        reject,
      };
      // Once handed to the socket, a PDU may reach the SMSC: without its response the outcome is unknown.
      if (!this.write(bytes)) {
        reject(SmppError.connectionLost('submit_sm', sequence, false, 'socket not writable'));
        return;
      }
      this.window.add(sequence, waiter, Date.now(), this.settings.timeouts.responseMs);
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

  private respond(commandId: number, sequence: number, status: number): void {
    this.write(encodeResponse(commandId, status, sequence));
  }

  /** node-smpp's sequence counter, shared with the PDUs it sends for us (binds, unbind, enquire_link). */
  private nextSequence(): number {
    const session = this.session as smpp.Session;
    if (session.sequence >= 0x7fffffff) session.sequence = 0;
    return ++session.sequence;
  }

  /** Writes encoded PDU bytes; false when the socket can no longer take them. */
  private write(bytes: Buffer): boolean {
    const session = this.session;
    if (!session || session.closed || !session.socket.writable) return false;
    this.cork();
    session.socket.write(bytes);
    return true;
  }

  /**
   * Replaces node-smpp's PDU reader for this session (its generic decoder is slow on the hot path
   * and drops raw bytes): everything readable is framed here and dispatched by command id.
   */
  private installFraming(session: smpp.Session): void {
    const framer = new PduFramer((pdu) => this.onPdu(pdu));
    session._extractPDUs = () => {
      const socket = session.socket;
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        if (!framer.feed(chunk)) {
          this.destroy(new SmppError('SMPP.CONNECTION_LOST', `${this.name}: received a PDU with an impossible length; the stream is out of step, reconnecting`, { retryable: true, sessionSurvives: false }));
          return;
        }
      }
      this.partialSince = framer.pendingBytes === 0 ? undefined : (this.partialSince ?? Date.now());
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
      case CommandId.deliver_sm:
      case CommandId.data_sm:
        this.onIncoming(commandId === CommandId.deliver_sm ? CommandId.deliver_sm_resp : CommandId.data_sm_resp, sequence, raw);
        return;
      case CommandId.enquire_link:
        this.respond(CommandId.enquire_link_resp, sequence, 0);
        return;
      case CommandId.unbind:
        this.logger.info({ session: this.name }, 'the SMSC unbinds');
        this.setState('UNBINDING');
        this.respond(CommandId.unbind_resp, sequence, 0);
        this.closeError ??= new SmppError('SMPP.CLOSED', `${this.name}: the SMSC unbound`, { retryable: true, sessionSurvives: false });
        this.session?.close();
        return;
      case CommandId.alert_notification:
        return;
      default:
        this.logger.warn({ session: this.name, commandId: `0x${commandId.toString(16)}` }, 'unexpected request from the SMSC; answering generic_nack');
        this.respond(CommandId.generic_nack, sequence, 0x03);
    }
  }

  private onResponse(commandId: number, status: number, sequence: number, raw: Buffer): void {
    if (commandId === CommandId.submit_sm_resp || commandId === CommandId.data_sm_resp || commandId === CommandId.generic_nack) {
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
    if ((commandId === CommandId.submit_sm_resp || commandId === CommandId.data_sm_resp) && this.timedOut.has(sequence)) {
      this.timedOut.delete(sequence);
      this.handler.onLateResponse?.(sequence, status, status === 0 ? readResponseMessageId(raw) : '', this);
      return;
    }
    this.logger.debug({ session: this.name, sequence, commandId: `0x${commandId.toString(16)}` }, 'response to no request of ours');
  }

  private onIncoming(responseCommand: number, sequence: number, raw: Buffer): void {
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
      (status) => this.respond(responseCommand, sequence, status),
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
    // Junk that reads as the start of a PDU swallows every PDU after it, enquire_link's answer
    // included: a PDU begun and not finished within the response time means the stream is out of step.
    if (this.partialSince !== undefined && now - this.partialSince > this.settings.timeouts.responseMs) {
      this.logger.warn({ session: this.name, timeoutMs: this.settings.timeouts.responseMs }, 'a PDU begun and never finished: the stream is out of step, reconnecting');
      this.partialSince = undefined;
      this.destroy(new SmppError('SMPP.CONNECTION_LOST', `${this.name}: a PDU was begun and not finished within ${this.settings.timeouts.responseMs} ms; the stream is out of step, reconnecting`, { retryable: true, sessionSurvives: false }));
      return;
    }
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

