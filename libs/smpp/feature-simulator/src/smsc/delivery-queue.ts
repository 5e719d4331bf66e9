import type { Logger } from '@smsgw/shared/util-logging';
import { encodeDeliverSm, type ReceiptTlvs, type SubmitSm } from '@smsgw/smpp/util-wire';
import type { DeliverSettings } from '../config/simulator-config';
import type { ReceiptStat } from '../receipts/receipt-text';
import type { SimulatorStats } from '../stats/simulator-stats';
import type { EsmeConnection } from './esme-connection';
import { Fifo } from './fifo';

export interface DeliverItem {
  kind: 'receipt' | 'mo';
  fields: SubmitSm;
  /** receipted_message_id and message_state, for receipts that carry them. */
  tlvs?: ReceiptTlvs;
  stat?: ReceiptStat;
  attempts: number;
  sentAt: number;
}

export function deliverItem(kind: DeliverItem['kind'], fields: SubmitSm, stat?: ReceiptStat, tlvs?: ReceiptTlvs): DeliverItem {
  return { kind, fields, tlvs, stat, attempts: 0, sentAt: 0 };
}

/**
 * deliver_sm (receipts and MO) waiting for one system_id's receiver/transceiver binds. Each bind
 * has a window of unacknowledged deliver_sm; what is unacknowledged when a bind closes or times
 * out, or is answered with an error, is sent again (to another bind, possibly after a reconnect),
 * so a gateway that crashes before acknowledging loses nothing.
 */
export class DeliveryQueue {
  private readonly pending = new Fifo<DeliverItem>();
  private receivers: EsmeConnection[] = [];
  private next = 0;
  paused = false;

  constructor(
    private readonly settings: DeliverSettings,
    private readonly stats: SimulatorStats,
    private readonly logger: Logger,
  ) {}

  /** Queued plus unacknowledged, of one kind. Walks the queue: for /stats, not the hot path. */
  countPending(kind: DeliverItem['kind']): number {
    let n = this.pending.count((item) => item.kind === kind);
    for (const r of this.receivers) for (const item of r.deliversInFlight.values()) if (item.kind === kind) n++;
    return n;
  }

  get receiverCount(): number {
    return this.receivers.length;
  }

  enqueue(item: DeliverItem): void {
    this.pending.push(item);
    if (!this.paused && this.receivers.length > 0) this.pump();
  }

  addReceiver(conn: EsmeConnection): void {
    this.receivers.push(conn);
    this.pump();
  }

  /** The bind is gone: what it had not acknowledged goes back to the front of the queue. */
  removeReceiver(conn: EsmeConnection): void {
    const i = this.receivers.indexOf(conn);
    if (i >= 0) this.receivers.splice(i, 1);
    const unacked = [...conn.deliversInFlight.values()].sort((a, b) => a.sentAt - b.sentAt);
    conn.deliversInFlight.clear();
    this.pending.unshiftAll(unacked);
    this.pump();
  }

  /** Sends while some bind has room in its window. */
  pump(): void {
    if (this.paused) return;
    while (this.pending.length > 0) {
      const conn = this.pickReceiver();
      if (!conn) return;
      if (!this.send(conn, this.pending.shift() as DeliverItem)) return; // socket closing; 'close' requeues
    }
  }

  /** deliver_sm_resp (or generic_nack) for a deliver_sm this queue sent on `conn`. */
  onResponse(conn: EsmeConnection, sequence: number, status: number): void {
    const item = conn.deliversInFlight.get(sequence);
    if (!item) return; // timed out earlier and sent again
    conn.deliversInFlight.delete(sequence);
    if (status === 0) {
      if (item.kind === 'receipt') this.stats.receiptsAcknowledged++;
      else this.stats.moAcknowledged++;
    } else {
      this.stats.deliverErrors++;
      const retry = setTimeout(() => this.enqueue(item), this.settings.retryMs);
      retry.unref();
    }
    if (this.pending.length > 0) this.pump();
  }

  /** deliver_sm unanswered for longer than the timeout are sent again. */
  sweep(nowMs: number): void {
    for (const conn of this.receivers) {
      let expired: DeliverItem[] | undefined;
      for (const [seq, item] of conn.deliversInFlight) {
        if (nowMs - item.sentAt < this.settings.timeoutMs) continue;
        conn.deliversInFlight.delete(seq);
        (expired ??= []).push(item);
      }
      if (expired) {
        this.stats.deliverTimeouts += expired.length;
        this.logger.warn({ count: expired.length, timeoutMs: this.settings.timeoutMs }, 'deliver_sm unanswered; sending again');
        this.pending.unshiftAll(expired);
      }
    }
    this.pump();
  }

  private pickReceiver(): EsmeConnection | undefined {
    const n = this.receivers.length;
    for (let i = 0; i < n; i++) {
      const conn = this.receivers[(this.next + i) % n];
      if (conn.canReceive && conn.deliversInFlight.size < this.settings.window) {
        this.next = (this.next + i + 1) % n;
        return conn;
      }
    }
    return undefined;
  }

  private send(conn: EsmeConnection, item: DeliverItem): boolean {
    const sequence = conn.nextSequence();
    if (!conn.write(encodeDeliverSm(item.fields, sequence, item.tlvs))) {
      this.pending.unshiftAll([item]);
      return false;
    }
    const resend = item.attempts > 0;
    item.attempts++;
    item.sentAt = Date.now();
    conn.deliversInFlight.set(sequence, item);
    if (item.kind === 'receipt') {
      this.stats.receiptsSent++;
      if (resend) this.stats.receiptsResent++;
    } else {
      this.stats.moSent++;
    }
    return true;
  }
}
