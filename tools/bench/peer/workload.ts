// What both gateways are sent: the same recipients and texts as tools/bench/e2e.ts's gsm7 mix
// (one segment each, every message distinct so the simulator can count duplicates).

/** The two workloads: requests of 1 message 64 at once, and of 50 messages 16 at once. */
export const WORKLOADS = {
  single: { perRequest: 1, concurrency: 64 },
  bulk: { perRequest: 50, concurrency: 16 },
} as const;
export type WorkloadName = keyof typeof WORKLOADS;

export function recipient(i: number): string {
  return `+4479${String(11000000 + (i % 8999999)).padStart(8, '0')}`;
}

export function textFor(i: number): string {
  return `Your code is ${100000 + (i % 900000)}`;
}

export interface LatencyMs {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(values: number[]): LatencyMs {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : 0);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { p50: r(at(50)), p95: r(at(95)), p99: r(at(99)), max: r(s[s.length - 1] ?? 0) };
}
