import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@smsgw/shared/util-logging';
import {
  CommandId,
  CommandStatus,
  EsmClass,
  commandIdOf,
  commandStatusName,
  commandStatusOf,
  deliverSmFields,
  encodeMessageIdResp,
  encodeResponse,
  isResponse,
  sequenceOf,
  type SubmitSm,
} from '@smsgw/smpp/util-wire';
import type { Faults, ReceiptFault, SimulatorConfig } from '../config/simulator-config';
import { isZeroDelay, sampleDelay } from '../config/delay';
import type { RandomSource } from '../config/random';
import { formatMessageId, processMessageIds, receiptIdOf, uuidPrefixFrom } from '../ids/message-id';
import { buildMoMessage } from '../mo/mo-message';
import { OutcomePicker } from '../receipts/outcome-picker';
import { MESSAGE_STATE, formatReceiptText, receiptTextSample, type FinalStat, type ReceiptStat } from '../receipts/receipt-text';
import { SimulatorStats, type BindType, type SimulatorStatsSnapshot } from '../stats/simulator-stats';
import { AccountState } from './account-state';
import { DeliveryQueue, deliverItem, type DeliverItem } from './delivery-queue';
import { EsmeConnection } from './esme-connection';
import { smpp, type SmppPdu, type SmppServer, type SmppSession } from './node-smpp';
import { readSubmit, submittedText, type SubmitView } from './submit-reader';
import { SeenSegments, segmentFingerprint } from './segment-fingerprint';
import { SimulatorError } from './simulator-error';

export interface SmscServerOptions {
  logger: Logger;
  random: RandomSource;
  /** PEM key and certificate: the SMPP port speaks TLS. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** system_id the simulator gives in bind responses. */
  systemId?: string;
}

export interface MoRequest {
  from: string;
  to: string;
  text: string;
  /** Which account's binds receive it; the first configured account by default. */
  systemId?: string;
}

export interface MoResult {
  systemId: string;
  parts: number;
  /** Receiver/transceiver binds up now; with none the MO waits for one. */
  receivers: number;
}

/** What a receipt needs once the submit is answered (the PDU itself is not kept). */
interface AcceptedSegment {
  account: AccountState;
  /** As answered in submit_sm_resp; the receipted_message_id TLV echoes it (SMPP 3.4 §5.3.2.12). */
  messageId: string;
  /** As written in the receipt text (a carrier may use another format there). */
  receiptId: string;
  submittedAt: number;
  sample: string;
  src: string;
  srcTon: number;
  srcNpi: number;
  dst: string;
  dstTon: number;
  dstNpi: number;
  final: FinalStat | undefined;
  intermediate: boolean;
}

const BIND_COMMANDS: Record<string, BindType> = {
  bind_transceiver: 'transceiver',
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
};
const RD_RECEIPT_MASK = 0x03;
const RD_INTERMEDIATE = 0x10;

/**
 * The SMSC: accepts binds over real SMPP (node-smpp), answers submits, generates receipts and MO,
 * and injects faults. Plain class; the NestJS app and startSimulator() wrap it.
 */
export class SmscServer {
  readonly stats = new SimulatorStats();
  private readonly server: SmppServer;
  private readonly accounts = new Map<string, AccountState>();
  private readonly connections = new Set<EsmeConnection>();
  private readonly seen: SeenSegments;
  private readonly outcomes: OutcomePicker;
  private readonly uuidPrefix: string;
  private readonly logger: Logger;
  private readonly random: RandomSource;
  private readonly systemId: string;
  private faultSet: Faults;
  private faultEpoch = 0;
  private drops = 0;
  private moReference = 0;
  private sweeper?: NodeJS.Timeout;
  private closed = false;

  constructor(
    readonly config: SimulatorConfig,
    options: SmscServerOptions,
  ) {
    this.logger = options.logger;
    this.random = options.random;
    this.systemId = options.systemId ?? 'SMSCSIM';
    this.seen = new SeenSegments(config.duplicateWindow);
    this.outcomes = new OutcomePicker(config.receipts.outcomes, this.random);
    this.uuidPrefix = uuidPrefixFrom(Math.random); // not drawn from `random`: seeded picks stay the same
    this.faultSet = config.faults;
    const now = performance.now();
    for (const account of config.accounts) {
      const queue = new DeliveryQueue(config.deliver, this.stats, this.logger.child({ systemId: account.systemId }));
      this.accounts.set(account.systemId, new AccountState(account, queue, now));
    }
    this.applyHang();
    const serverOptions: Record<string, unknown> = options.tls ? { key: options.tls.key, cert: options.tls.cert } : {};
    this.server = smpp.createServer(serverOptions, (session) => this.onSession(session));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.logger.error({ err }, 'SMPP server error'));
        const sweepEvery = Math.min(1000, Math.max(50, Math.floor(this.config.deliver.timeoutMs / 4)));
        this.sweeper = setInterval(() => this.sweep(), sweepEvery);
        this.sweeper.unref();
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of this.connections) conn.session.destroy();
    await closing;
  }

  get faults(): Faults {
    return this.faultSet;
  }

  /** Replaces the fault set; connections count PDUs for dropAfterPdus from now. */
  setFaults(faults: Faults): void {
    this.faultSet = faults;
    this.faultEpoch++;
    this.drops = 0;
    this.logger.info({ faults }, 'faults set');
    this.applyHang();
  }

  resetStats(): void {
    this.stats.reset();
    this.seen.clear();
  }

  snapshot(): SimulatorStatsSnapshot {
    const s = this.stats;
    const current: Record<BindType, number> = { transceiver: 0, transmitter: 0, receiver: 0 };
    for (const conn of this.connections) if (conn.state === 'bound' && conn.bindType) current[conn.bindType]++;
    let receiptsPending = 0;
    let moPending = 0;
    for (const a of this.accounts.values()) {
      receiptsPending += a.deliveries.countPending('receipt');
      moPending += a.deliveries.countPending('mo');
    }
    return {
      binds: { current, accepted: s.bindsAccepted, rejected: s.bindsRejected, unbinds: s.unbinds },
      connections: { current: this.connections.size, total: s.connections, dropped: s.connectionsDropped },
      submits: { received: s.submits, dataSm: s.dataSm, accepted: s.submitsAccepted, throttled: s.throttled, windowFull: s.windowFull, faultStatus: s.faultStatus, rejected: s.submitsRejected },
      uniqueMessages: s.uniqueMessages,
      duplicateSubmits: s.duplicateSubmits,
      receipts: { generated: s.receiptsGenerated, sent: s.receiptsSent, acknowledged: s.receiptsAcknowledged, resent: s.receiptsResent, pending: receiptsPending, byStat: { ...s.receiptsByStat } },
      mo: { parts: s.moParts, sent: s.moSent, acknowledged: s.moAcknowledged, pending: moPending },
      deliver: { errors: s.deliverErrors, timeouts: s.deliverTimeouts },
      enquireLinks: s.enquireLinks,
      since: s.resetAt.toISOString(),
    };
  }

  /** Binds up for a system_id (all accounts when omitted). */
  boundCount(systemId?: string): number {
    let n = 0;
    for (const conn of this.connections) if (conn.state === 'bound' && (!systemId || conn.account?.account.systemId === systemId)) n++;
    return n;
  }

  /** Queues an MO message (split into concatenated parts if long) for the account's receiver binds. */
  sendMo(req: MoRequest): MoResult {
    const account = req.systemId === undefined ? this.accounts.values().next().value : this.accounts.get(req.systemId);
    if (!account) throw new SimulatorError('SIMULATOR.UNKNOWN_SYSTEM_ID', `no account with system_id "${req.systemId}"`);
    for (const field of ['from', 'to'] as const) {
      const v = req[field];
      if (typeof v !== 'string' || v.length === 0 || v.length > 20) throw new SimulatorError('SIMULATOR.INVALID_MO', `${field}: expected an address of 1 to 20 characters`);
    }
    if (typeof req.text !== 'string' || req.text.length === 0) throw new SimulatorError('SIMULATOR.INVALID_MO', 'text: expected a non-empty string');
    let mo;
    try {
      mo = buildMoMessage(req.text, this.moReference++ & 0xff);
    } catch (err) {
      throw new SimulatorError('SIMULATOR.INVALID_MO', `text: ${(err as Error).message}`);
    }
    const from = address(req.from);
    const to = address(req.to);
    for (const part of mo.parts) {
      account.deliveries.enqueue(deliverItem('mo', deliverSm(from, to, mo.esmClass, mo.dataCoding, part)));
    }
    this.stats.moParts += mo.parts.length;
    let receivers = 0;
    for (const conn of account.binds) if (conn.canReceive) receivers++;
    return { systemId: account.account.systemId, parts: mo.parts.length, receivers };
  }

  // ---- connections -------------------------------------------------------------------------

  private onSession(session: SmppSession): void {
    if (this.closed) {
      session.destroy();
      return;
    }
    const conn = new EsmeConnection(session, this.faultEpoch, this.onFrame, this.onBadFrame);
    this.connections.add(conn);
    this.stats.connections++;
    session.on('error', (err: Error) => {
      this.logger.debug({ err: err.message, remote: session.remoteAddress }, 'SMPP connection error');
      session.destroy();
    });
    session.on('close', () => this.onClose(conn));
  }

  private onClose(conn: EsmeConnection): void {
    const account = conn.account;
    const wasBound = conn.state === 'bound' || conn.state === 'unbinding';
    conn.state = 'closed';
    this.connections.delete(conn);
    if (account) {
      account.binds.delete(conn);
      if (conn.bindType !== 'transmitter') account.deliveries.removeReceiver(conn);
    }
    if (wasBound) this.logger.info({ systemId: account?.account.systemId, bindType: conn.bindType }, 'connection closed');
  }

  private readonly onBadFrame = (conn: EsmeConnection, reason: string): void => {
    this.logger.warn({ systemId: conn.account?.account.systemId, reason }, 'unreadable PDU; closing the connection');
    conn.state = 'closed';
    conn.session.destroy();
  };

  /** Every PDU an ESME sends, whole. */
  private readonly onFrame = (conn: EsmeConnection, raw: Buffer): void => {
    const commandId = commandIdOf(raw);
    if (isResponse(commandId)) {
      // Responses: to our deliver_sm (generic_nack counts as a refusal).
      if ((commandId === CommandId.deliver_sm_resp || commandId === CommandId.generic_nack) && conn.account) {
        const status = commandStatusOf(raw);
        conn.account.deliveries.onResponse(conn, sequenceOf(raw), commandId === CommandId.generic_nack ? status || CommandStatus.ESME_RSYSERR : status);
      }
      return;
    }
    const faults = this.faultSet;
    if (faults.hang || conn.state === 'closed') return;
    if (faults.dropAfterPdus > 0 && this.countTowardsDrop(conn, faults)) return;
    switch (commandId) {
      case CommandId.submit_sm:
      case CommandId.data_sm:
        this.onSubmit(conn, raw, commandId);
        return;
      case CommandId.enquire_link:
        this.stats.enquireLinks++;
        conn.write(encodeResponse(CommandId.enquire_link_resp, CommandStatus.ESME_ROK, sequenceOf(raw)));
        return;
    }
    // Rare PDUs go through node-smpp's codec.
    let pdu: SmppPdu;
    try {
      // A copy: the frame is a view into the read buffer, which the next read reuses.
      pdu = new smpp.PDU(Buffer.from(raw));
    } catch (err) {
      this.onBadFrame(conn, (err as Error).message);
      return;
    }
    switch (pdu.command) {
      case 'bind_transceiver':
      case 'bind_transmitter':
      case 'bind_receiver':
        this.onBind(conn, pdu, BIND_COMMANDS[pdu.command]);
        return;
      case 'unbind':
        this.onUnbind(conn, pdu);
        return;
      case 'unknown':
        conn.send(pdu.response()); // generic_nack, ESME_RINVCMDID
        return;
      default:
        // query_sm, cancel_sm, replace_sm, submit_multi, …: not offered by this SMSC.
        conn.send(pdu.response({ command_status: CommandStatus.ESME_RINVCMDID }));
    }
  };

  /** True when this request is the one that drops the connection. */
  private countTowardsDrop(conn: EsmeConnection, faults: Faults): boolean {
    if (conn.faultEpoch !== this.faultEpoch) {
      conn.faultEpoch = this.faultEpoch;
      conn.requests = 0;
    }
    if (++conn.requests < faults.dropAfterPdus) return false;
    if (faults.dropTimes > 0 && this.drops >= faults.dropTimes) return false;
    this.drops++;
    this.stats.connectionsDropped++;
    this.logger.info({ systemId: conn.account?.account.systemId, afterPdus: conn.requests }, 'fault: dropping the connection');
    conn.state = 'closed';
    conn.session.destroy();
    return true;
  }

  private onBind(conn: EsmeConnection, pdu: SmppPdu, type: BindType): void {
    if (conn.state !== 'open') {
      conn.send(pdu.response({ command_status: CommandStatus.ESME_RALYBND }));
      return;
    }
    const systemId = String(pdu['system_id'] ?? '');
    const account = this.accounts.get(systemId);
    let status: number = CommandStatus.ESME_ROK;
    if (!account) status = CommandStatus.ESME_RINVSYSID;
    else if (account.account.password !== String(pdu['password'] ?? '')) status = CommandStatus.ESME_RINVPASWD;
    else if (account.binds.size >= account.account.maxBinds) status = CommandStatus.ESME_RBINDFAIL;

    if (status !== CommandStatus.ESME_ROK || !account) {
      this.stats.bindsRejected++;
      this.logger.warn({ systemId, bindType: type, status: commandStatusName(status) }, 'bind rejected');
      conn.send(pdu.response({ command_status: status }), () => conn.session.close());
      return;
    }
    conn.state = 'bound';
    conn.bindType = type;
    conn.account = account;
    account.binds.add(conn);
    this.stats.bindsAccepted++;
    conn.send(pdu.response({ system_id: this.systemId }));
    this.logger.info({ systemId, bindType: type, binds: account.binds.size }, 'bound');
    if (type !== 'transmitter') account.deliveries.addReceiver(conn);
  }

  private onUnbind(conn: EsmeConnection, pdu: SmppPdu): void {
    this.stats.unbinds++;
    const wasReceiver = conn.canReceive;
    conn.state = 'unbinding';
    if (conn.account && wasReceiver) conn.account.deliveries.removeReceiver(conn);
    conn.send(pdu.response(), () => conn.session.close());
  }

  // ---- submits (the hot path) ---------------------------------------------------------------

  private onSubmit(conn: EsmeConnection, raw: Buffer, commandId: number): void {
    const stats = this.stats;
    stats.submits++;
    if (commandId === CommandId.data_sm) stats.dataSm++;
    const respId = commandId === CommandId.data_sm ? CommandId.data_sm_resp : CommandId.submit_sm_resp;
    const sequence = sequenceOf(raw);
    if (!conn.canTransmit) {
      stats.submitsRejected++;
      conn.write(encodeMessageIdResp(respId, CommandStatus.ESME_RINVBNDSTS, sequence, ''));
      return;
    }
    const v = readSubmit(raw);
    if (!v) {
      stats.submitsRejected++;
      conn.write(encodeMessageIdResp(respId, CommandStatus.ESME_RINVMSGLEN, sequence, ''));
      return;
    }
    const account = conn.account as AccountState;
    const config = this.config;
    if (config.window > 0 && conn.submitsInFlight >= config.window) {
      stats.windowFull++;
      conn.write(encodeMessageIdResp(respId, CommandStatus.ESME_RMSGQFUL, sequence, ''));
      return;
    }
    if (account.bucket && !account.bucket.tryTake(performance.now())) {
      stats.throttled++;
      conn.write(encodeMessageIdResp(respId, CommandStatus.ESME_RTHROTTLED, sequence, ''));
      return;
    }
    const statusFaults = this.faultSet.statusByPrefix;
    for (let i = 0; i < statusFaults.length; i++) {
      const f = statusFaults[i];
      if (v.dst.startsWith(f.prefix) && (f.ratio >= 1 || this.random() < f.ratio)) {
        stats.faultStatus++;
        conn.write(encodeMessageIdResp(respId, f.status, sequence, ''));
        return;
      }
    }

    // Accepted.
    stats.submitsAccepted++;
    if (this.seen.check(segmentFingerprint(raw, v))) stats.duplicateSubmits++;
    else stats.uniqueMessages++;
    const n = processMessageIds.next();
    const messageId = formatMessageId(n, config.ids.format, this.uuidPrefix);
    const segment = this.receiptPlan(account, raw, v, n, messageId);

    if (isZeroDelay(config.responseDelay)) {
      conn.write(encodeMessageIdResp(respId, CommandStatus.ESME_ROK, sequence, messageId));
      if (segment) this.scheduleReceipts(segment);
      return;
    }
    conn.submitsInFlight++;
    const timer = setTimeout(() => {
      conn.submitsInFlight--;
      // The SMSC took the message even if the answer cannot be given: a lost response, as in life.
      if (!this.faultSet.hang) conn.write(encodeMessageIdResp(respId, CommandStatus.ESME_ROK, sequence, messageId));
      if (segment && !this.closed) this.scheduleReceipts(segment);
    }, sampleDelay(config.responseDelay, this.random));
    timer.unref();
  }

  /** Which receipts this submit gets (registered_delivery), or undefined for none. */
  private receiptPlan(account: AccountState, raw: Buffer, v: SubmitView, n: number, messageId: string): AcceptedSegment | undefined {
    const rd = v.registeredDelivery;
    const mode = rd & RD_RECEIPT_MASK;
    let final: FinalStat | undefined;
    if (mode !== 0) {
      let stat = this.outcomes.pick();
      const fault = this.receiptFault(account);
      if (fault && stat === 'DELIVRD' && this.random() < fault.ratio) stat = fault.stat;
      // 1: always; 2: on failure only; 3: on success only (SMPP 5.0).
      if (mode === 1 || (mode === 2 && stat !== 'DELIVRD') || (mode === 3 && stat === 'DELIVRD')) final = stat;
    }
    const intermediate = this.config.receipts.intermediate.length > 0 && (mode !== 0 || (rd & RD_INTERMEDIATE) !== 0);
    if (!final && !intermediate) return undefined;
    return {
      account,
      messageId,
      receiptId: receiptIdOf(n, this.config.ids.format, this.config.ids.receiptFormat, this.uuidPrefix),
      submittedAt: Date.now(),
      sample: receiptTextSample(submittedText(raw, v)),
      src: v.src,
      srcTon: v.srcTon,
      srcNpi: v.srcNpi,
      dst: v.dst,
      dstTon: v.dstTon,
      dstNpi: v.dstNpi,
      final,
      intermediate,
    };
  }

  /** The receipts fault, when it applies to the account. */
  private receiptFault(account: AccountState): ReceiptFault | undefined {
    const f = this.faultSet.receipts;
    return f && (!f.systemId || f.systemId === account.account.systemId) ? f : undefined;
  }

  private scheduleReceipts(segment: AcceptedSegment): void {
    const queue = segment.account.deliveries;
    if (segment.intermediate) for (const stat of this.config.receipts.intermediate) queue.enqueue(this.receipt(segment, stat));
    if (!segment.final) return;
    const fault = this.receiptFault(segment.account);
    const delay = sampleDelay(this.config.receipts.delay, this.random) + (fault ? sampleDelay(fault.delay, this.random) : 0);
    if (delay === 0) {
      queue.enqueue(this.receipt(segment, segment.final));
      return;
    }
    const timer = setTimeout(() => {
      if (!this.closed) queue.enqueue(this.receipt(segment, segment.final as FinalStat));
    }, delay);
    timer.unref();
  }

  private receipt(segment: AcceptedSegment, stat: ReceiptStat): DeliverItem {
    const settings = this.config.receipts;
    const text = formatReceiptText({
      id: segment.receiptId,
      stat,
      err: stat in settings.errorCodes ? settings.errorCodes[stat as FinalStat] : '000',
      submitDate: new Date(segment.submittedAt),
      doneDate: new Date(),
      text: segment.sample,
    });
    // The receipt travels from the handset back to the sender: addresses swap.
    const fields = deliverSm(
      { ton: segment.dstTon, npi: segment.dstNpi, addr: segment.dst },
      { ton: segment.srcTon, npi: segment.srcNpi, addr: segment.src },
      EsmClass.DELIVERY_RECEIPT,
      0,
      Buffer.from(text, 'latin1'),
    );
    const tlvs = settings.tlvs ? { receipted_message_id: segment.messageId, message_state: MESSAGE_STATE[stat] } : undefined;
    this.stats.receiptsGenerated++;
    this.stats.receiptsByStat[stat]++;
    return deliverItem('receipt', fields, stat, tlvs);
  }

  private sweep(): void {
    const now = Date.now();
    for (const a of this.accounts.values()) a.deliveries.sweep(now);
  }

  private applyHang(): void {
    for (const a of this.accounts.values()) {
      a.deliveries.paused = this.faultSet.hang;
      if (!this.faultSet.hang) a.deliveries.pump();
    }
  }
}

interface Address {
  ton: number;
  npi: number;
  addr: string;
}

/** A deliver_sm as this SMSC sends it. */
function deliverSm(from: Address, to: Address, esmClass: number, dataCoding: number, shortMessage: Uint8Array): SubmitSm {
  return deliverSmFields({ sourceTon: from.ton, sourceNpi: from.npi, source: from.addr, destTon: to.ton, destNpi: to.npi, destination: to.addr, esmClass, dataCoding, shortMessage });
}

/** "+447700900123" → international/ISDN without the '+'; digits → unknown/ISDN; else alphanumeric. */
function address(value: string): Address {
  if (/^\+\d+$/.test(value)) return { ton: 1, npi: 1, addr: value.slice(1) };
  if (/^\d+$/.test(value)) return { ton: 0, npi: 1, addr: value };
  return { ton: 5, npi: 0, addr: value };
}
