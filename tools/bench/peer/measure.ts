// One measured round, the same shape for both gateways, and what the rounds of a workload sum up to.
import { readFileSync } from 'node:fs';
import type { LatencyMs } from './workload';
import type { SimulatorCounts } from './simulator';

export interface Round {
  /** Messages delivered (final DELIVERED seen by the bench) / (first request → last final), per second. */
  endToEndPerSec: number;
  acceptedPerSec: number;
  messages: number;
  accepted: number;
  /** Requests the gateway refused or failed (no final status expected). */
  errors: number;
  delivered: number;
  /** A final status other than delivered. */
  failed: number;
  /** Accepted, but no final status within the grace period. */
  lost: number;
  /** The simulator's count: accepted submits of a segment it had accepted before. */
  duplicates: number;
  latencyMs: { accept: LatencyMs; acceptToFinal: LatencyMs };
  /** CPU seconds per 1000 accepted messages: the gateway's processes, and the simulator's. */
  cpuSecondsPer1000: { gateway: number; simulator: number };
  simulator: SimulatorCounts;
  /** Kannel only: final callbacks repeated, and receipts bearerbox could not match to a message. */
  repeatedCallbacks?: number;
  unmatchedReceipts?: number;
}

export interface WorkloadSummary {
  medianPerSec: number;
  minPerSec: number;
  maxPerSec: number;
  /** (max − min) / median of the rounds' end-to-end rates. */
  spread: number;
  lost: number;
  duplicates: number;
  errors: number;
  /** Kannel: lost messages whose receipt bearerbox could not match (and so dropped). */
  unmatchedReceipts: number;
  cpuSecondsPer1000: number;
  rounds: Round[];
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return 0;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarize(rounds: Round[]): WorkloadSummary {
  const rates = rounds.map((r) => r.endToEndPerSec);
  const med = median(rates);
  const sum = (f: (r: Round) => number) => rounds.reduce((n, r) => n + f(r), 0);
  return {
    medianPerSec: Math.round(med),
    minPerSec: Math.min(...rates),
    maxPerSec: Math.max(...rates),
    spread: med ? round2((Math.max(...rates) - Math.min(...rates)) / med) : 0,
    lost: sum((r) => r.lost),
    duplicates: sum((r) => r.duplicates),
    errors: sum((r) => r.errors),
    unmatchedReceipts: sum((r) => r.unmatchedReceipts ?? 0),
    cpuSecondsPer1000: round3(median(rounds.map((r) => r.cpuSecondsPer1000.gateway))),
    rounds,
  };
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in ticks of 1/100 s
  } catch {
    return 0;
  }
}

/** Starts counting the CPU of some processes; the function returned gives seconds per 1000 messages. */
export function cpuMeter(pids: number[]): (messages: number) => number {
  const total = () => pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
  const before = total();
  return (messages) => round3(((total() - before) / Math.max(1, messages)) * 1000);
}
