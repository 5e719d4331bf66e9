import { FINAL_STATS, INTERMEDIATE_STATS, type ReceiptStat } from '../receipts/receipt-text';

export type BindType = 'transceiver' | 'transmitter' | 'receiver';

/**
 * Plain counters, incremented on the hot path (no labels, no maps). /stats, /metrics and tests read
 * a snapshot.
 */
export class SimulatorStats {
  connections = 0;
  connectionsDropped = 0;
  bindsAccepted = 0;
  bindsRejected = 0;
  unbinds = 0;
  enquireLinks = 0;
  /** submit_sm and data_sm received on a bound session (whatever the answer). */
  submits = 0;
  dataSm = 0;
  submitsAccepted = 0;
  throttled = 0;
  windowFull = 0;
  faultStatus = 0;
  /** Answered with another error (not bound as transmitter, …). */
  submitsRejected = 0;
  uniqueMessages = 0;
  duplicateSubmits = 0;
  receiptsGenerated = 0;
  receiptsSent = 0;
  receiptsAcknowledged = 0;
  receiptsResent = 0;
  moParts = 0;
  moSent = 0;
  moAcknowledged = 0;
  deliverErrors = 0;
  deliverTimeouts = 0;
  readonly receiptsByStat: Record<ReceiptStat, number> = emptyByStat();
  resetAt = new Date();

  reset(): void {
    Object.assign(this, new SimulatorStats());
  }
}

export interface SimulatorStatsSnapshot {
  binds: { current: Record<BindType, number>; accepted: number; rejected: number; unbinds: number };
  connections: { current: number; total: number; dropped: number };
  submits: { received: number; dataSm: number; accepted: number; throttled: number; windowFull: number; faultStatus: number; rejected: number };
  /** Distinct segments accepted (source, destination, message bytes incl. UDH). */
  uniqueMessages: number;
  /** Accepted submits of a segment accepted before: the gateway sent it twice. */
  duplicateSubmits: number;
  receipts: { generated: number; sent: number; acknowledged: number; resent: number; pending: number; byStat: Record<ReceiptStat, number> };
  mo: { parts: number; sent: number; acknowledged: number; pending: number };
  deliver: { errors: number; timeouts: number };
  enquireLinks: number;
  since: string;
}

export function emptyByStat(): Record<ReceiptStat, number> {
  const out = {} as Record<ReceiptStat, number>;
  for (const s of [...INTERMEDIATE_STATS, ...FINAL_STATS]) out[s] = 0;
  return out;
}
