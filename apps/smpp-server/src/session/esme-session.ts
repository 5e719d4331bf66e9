import type { Socket } from 'node:net';
import type { Logger } from '@smsgw/shared/util-logging';
import {
  CommandId,
  CommandStatus,
  PduFramer,
  RESPONSE_BIT,
  commandName,
  encodeBindResp,
  encodeDeliverSm,
  encodeResponse,
  encodeSubmitSmResp,
  isResponse,
  parseBindRequest,
  parseIncomingMessage,
  type BindRequest,
  type IncomingMessagePdu,
} from '@smsgw/smpp/util-wire';
import { deliverSmOf, type PendingDelivery } from '../deliver/deliver-sm';

export type EsmeState = 'OPEN' | 'BOUND' | 'UNBINDING' | 'CLOSED';
export type BindType = 'transmitter' | 'receiver' | 'transceiver';

export interface BoundAccount {
  accountId: string;
  systemId: string;
}

/** What a session needs from the server around it (plain callbacks: tests drive it over real TCP). */
export interface EsmeSessionHooks {
  /** Checks a bind; resolves with the status to answer and, for 0, the account. */
  bind(request: BindRequest): Promise<{ status: number; account?: BoundAccount }>;
  /** A parsed submit_sm of a bound account; resolves with the status and, for 0, the message id. */
  submit(pdu: IncomingMessagePdu, account: BoundAccount): Promise<{ status: number; messageId: string }>;
  onBound(session: EsmeSession): void;
  onClosed(session: EsmeSession, unacknowledged: PendingDelivery[]): void;
  /** deliver_sm_resp for a delivery: 0 acknowledged it, anything else gives it back. */
  onDeliverResponse(session: EsmeSession, delivery: PendingDelivery, status: number): void;
  /** Every PDU in and its answer status, for metrics. */
  onPdu(command: string, status: number): void;
}

export interface EsmeSessionSettings {
  systemId: string;
  window: number;
  enquireLinkMs: number;
  deliverTimeoutMs: number;
}

const BIND_TYPES: Record<number, BindType> = {
  [CommandId.bind_transmitter]: 'transmitter',
  [CommandId.bind_receiver]: 'receiver',
  [CommandId.bind_transceiver]: 'transceiver',
};

/**
 * One ESME connection (after Cloudhopper's server sessions): OPEN → BOUND → UNBINDING → CLOSED,
 * framed by the wire library's PduFramer; submits answered when ingest has answered (at most
 * `window` at once), deliver_sm sent within the same window and kept until deliver_sm_resp.
 */
export class EsmeSession {
  state: EsmeState = 'OPEN';
  bindType?: BindType;
  account?: BoundAccount;
  private readonly framer: PduFramer;
  private submitsInFlight = 0;
  private readonly delivering = new Map<number, { delivery: PendingDelivery; sentAt: number }>();
  private sequence = 0;
  private lastReceivedAt = Date.now();
  private readonly openedAt = Date.now();
  private enquireSentAt: number | undefined;
  private readonly timer: NodeJS.Timeout;
  private corked = false;

  constructor(
    readonly socket: Socket,
    private readonly settings: EsmeSessionSettings,
    private readonly hooks: EsmeSessionHooks,
    private readonly logger: Logger,
  ) {
    socket.setNoDelay(true);
    this.framer = new PduFramer((pdu) => this.onPdu(pdu));
    socket.on('data', (chunk: Buffer) => {
      if (!this.framer.feed(chunk)) {
        this.logger.warn({ systemId: this.account?.systemId }, 'PDU with an impossible command_length: the stream is out of step; closing');
        this.socket.destroy();
      }
    });
    socket.on('error', (err) => this.logger.debug({ err: err.message, systemId: this.account?.systemId }, 'ESME connection error'));
    socket.on('close', () => this.onClose());
    const tick = Math.max(50, Math.min(1000, Math.floor(Math.min(settings.enquireLinkMs, settings.deliverTimeoutMs) / 4)));
    this.timer = setInterval(() => this.onTick(), tick);
    this.timer.unref();
  }

  get canReceive(): boolean {
    return this.state === 'BOUND' && this.bindType !== 'transmitter';
  }

  /** deliver_sm this bind can take now. */
  get deliverSlots(): number {
    return this.canReceive ? Math.max(0, this.settings.window - this.delivering.size) : 0;
  }

  /** Sends a receipt or MO; false when the bind cannot take it (the caller gives it back). */
  deliver(delivery: PendingDelivery): boolean {
    if (this.deliverSlots === 0 || !this.socket.writable) return false;
    const sequence = this.nextSequence();
    const { fields, receipt } = deliverSmOf(delivery);
    this.delivering.set(sequence, { delivery, sentAt: Date.now() });
    this.write(encodeDeliverSm(fields, sequence, receipt));
    return true;
  }

  /** Unbinds (graceful stop): the ESME answers unbind_resp, then the socket closes. */
  unbind(): void {
    if (this.state !== 'BOUND') return void this.socket.destroy();
    this.state = 'UNBINDING';
    this.write(encodeResponse(CommandId.unbind, 0, this.nextSequence()));
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private nextSequence(): number {
    if (this.sequence >= 0x7fffffff) this.sequence = 0;
    return ++this.sequence;
  }

  /** Everything written in one tick leaves in one write. */
  private write(bytes: Buffer): void {
    if (!this.socket.writable) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(bytes);
  }

  private respond(commandId: number, status: number, sequence: number): void {
    this.hooks.onPdu(commandName(commandId & ~RESPONSE_BIT) ?? 'unknown', status);
    this.write(encodeResponse(commandId, status, sequence));
  }

  private onPdu(raw: Buffer): void {
    this.lastReceivedAt = Date.now();
    this.enquireSentAt = undefined;
    const commandId = raw.readUInt32BE(4) >>> 0;
    const status = raw.readUInt32BE(8);
    const sequence = raw.readUInt32BE(12);
    if (isResponse(commandId)) return this.onResponse(commandId, status, sequence);
    switch (commandId) {
      case CommandId.bind_transmitter:
      case CommandId.bind_receiver:
      case CommandId.bind_transceiver:
        return void this.onBind(commandId, sequence, raw);
      case CommandId.submit_sm:
        return void this.onSubmit(sequence, raw);
      case CommandId.enquire_link:
        return this.respond(CommandId.enquire_link_resp, 0, sequence);
      case CommandId.unbind:
        this.respond(CommandId.unbind_resp, 0, sequence);
        this.state = 'UNBINDING';
        this.socket.end();
        return;
      default:
        // Unknown or unsupported (data_sm, query_sm, submit_multi…): generic_nack, the session goes on.
        this.respond(CommandId.generic_nack, CommandStatus.ESME_RINVCMDID, sequence);
    }
  }

  private onResponse(commandId: number, status: number, sequence: number): void {
    if (commandId === CommandId.deliver_sm_resp || commandId === CommandId.generic_nack) {
      const sent = this.delivering.get(sequence);
      if (sent) {
        this.delivering.delete(sequence);
        this.hooks.onPdu('deliver_sm_resp', status);
        this.hooks.onDeliverResponse(this, sent.delivery, status);
      }
      return;
    }
    if (commandId === CommandId.unbind_resp) this.socket.end();
    // enquire_link_resp: lastReceivedAt is all it needs to move.
  }

  private async onBind(commandId: number, sequence: number, raw: Buffer): Promise<void> {
    if (this.state !== 'OPEN') {
      this.hooks.onPdu('bind', CommandStatus.ESME_RALYBND);
      return this.write(encodeBindResp(commandId, CommandStatus.ESME_RALYBND, sequence, this.settings.systemId));
    }
    let request: BindRequest;
    try {
      request = parseBindRequest(raw);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'malformed bind; refusing it');
      this.hooks.onPdu('bind', CommandStatus.ESME_RBINDFAIL);
      return this.write(encodeBindResp(commandId, CommandStatus.ESME_RBINDFAIL, sequence, this.settings.systemId));
    }
    this.state = 'UNBINDING'; // no second bind while this one is checked
    let outcome: { status: number; account?: BoundAccount };
    try {
      outcome = await this.hooks.bind(request);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'could not check a bind (PostgreSQL unavailable?); answering ESME_RSYSERR');
      outcome = { status: CommandStatus.ESME_RSYSERR };
    }
    this.hooks.onPdu(request.command, outcome.status);
    this.write(encodeBindResp(commandId, outcome.status, sequence, this.settings.systemId));
    if (outcome.status !== 0 || !outcome.account || this.socket.destroyed) {
      this.state = 'OPEN';
      // A refused bind gets its answer, then the connection closes (SMPP 3.4 leaves this open; most SMSCs do).
      setTimeout(() => this.socket.end(), 100).unref();
      return;
    }
    this.state = 'BOUND';
    this.bindType = BIND_TYPES[commandId];
    this.account = outcome.account;
    this.logger.info({ systemId: outcome.account.systemId, accountId: outcome.account.accountId, bindType: this.bindType }, 'ESME bound');
    this.hooks.onBound(this);
  }

  private async onSubmit(sequence: number, raw: Buffer): Promise<void> {
    if (this.state !== 'BOUND' || this.bindType === 'receiver' || !this.account) {
      this.hooks.onPdu('submit_sm', CommandStatus.ESME_RINVBNDSTS);
      return this.write(encodeSubmitSmResp(CommandStatus.ESME_RINVBNDSTS, sequence, ''));
    }
    if (this.submitsInFlight >= this.settings.window) {
      this.hooks.onPdu('submit_sm', CommandStatus.ESME_RMSGQFUL);
      return this.write(encodeSubmitSmResp(CommandStatus.ESME_RMSGQFUL, sequence, ''));
    }
    let pdu: IncomingMessagePdu;
    try {
      pdu = parseIncomingMessage(raw);
    } catch (err) {
      this.logger.warn({ systemId: this.account.systemId, err: (err as Error).message }, 'malformed submit_sm');
      this.hooks.onPdu('submit_sm', CommandStatus.ESME_RINVCMDLEN);
      return this.write(encodeSubmitSmResp(CommandStatus.ESME_RINVCMDLEN, sequence, ''));
    }
    this.submitsInFlight++;
    let outcome: { status: number; messageId: string };
    try {
      outcome = await this.hooks.submit(pdu, this.account);
    } catch (err) {
      this.logger.error({ systemId: this.account.systemId, err: (err as Error).message }, 'submit failed; answering ESME_RSYSERR');
      outcome = { status: CommandStatus.ESME_RSYSERR, messageId: '' };
    }
    this.submitsInFlight--;
    this.hooks.onPdu('submit_sm', outcome.status);
    this.write(encodeSubmitSmResp(outcome.status, sequence, outcome.messageId));
  }

  private onTick(): void {
    const now = Date.now();
    const { enquireLinkMs, deliverTimeoutMs } = this.settings;
    if (this.state === 'OPEN' && now - this.openedAt > enquireLinkMs) {
      this.logger.info('connection never bound; closing');
      return void this.socket.destroy();
    }
    if (this.enquireSentAt !== undefined && now - this.enquireSentAt > enquireLinkMs) {
      this.logger.warn({ systemId: this.account?.systemId }, 'enquire_link unanswered: link dead, closing');
      return void this.socket.destroy();
    }
    if (this.state === 'BOUND' && this.enquireSentAt === undefined && now - this.lastReceivedAt >= enquireLinkMs) {
      this.enquireSentAt = now;
      this.write(encodeResponse(CommandId.enquire_link, 0, this.nextSequence()));
    }
    for (const [sequence, sent] of this.delivering) {
      if (now - sent.sentAt > deliverTimeoutMs) {
        this.delivering.delete(sequence);
        this.hooks.onDeliverResponse(this, sent.delivery, CommandStatus.ESME_RX_T_APPN);
      }
    }
  }

  private onClose(): void {
    clearInterval(this.timer);
    this.state = 'CLOSED';
    const unacknowledged = [...this.delivering.values()].map((s) => s.delivery);
    this.delivering.clear();
    this.hooks.onClosed(this, unacknowledged);
  }
}
