/**
 * A token bucket counted in segments: `ratePerSecond` tokens a second, at most `burst` saved up.
 * Time is passed in (ms) so the logic is testable without clocks. A rate of 0 means unlimited.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private ratePerSecond: number,
    private burst: number = Math.max(1, ratePerSecond),
    now = 0,
  ) {
    this.tokens = this.burst;
    this.last = now;
  }

  get rate(): number {
    return this.ratePerSecond;
  }

  get unlimited(): boolean {
    return this.ratePerSecond <= 0;
  }

  /** Changes the rate (e.g. an adaptive limit after throttling); saved tokens are kept within the new burst. */
  setRate(ratePerSecond: number, now: number, burst: number = Math.max(1, ratePerSecond)): void {
    this.refill(now);
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  /** Takes `n` tokens if there are enough; returns whether it did. */
  tryTake(now: number, n = 1): boolean {
    if (this.unlimited) return true;
    this.refill(now);
    if (this.tokens + 1e-9 < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Milliseconds until `n` tokens will be there (0 when they are now). */
  waitMs(now: number, n = 1): number {
    if (this.unlimited) return 0;
    this.refill(now);
    const missing = n - this.tokens;
    return missing <= 1e-9 ? 0 : Math.ceil((missing * 1000) / this.ratePerSecond);
  }

  /** Whole tokens available now. */
  available(now: number): number {
    if (this.unlimited) return Number.POSITIVE_INFINITY;
    this.refill(now);
    return Math.floor(this.tokens + 1e-9);
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
      this.last = now;
    }
  }
}

/** The per-replica share of a carrier-wide TPS limit (0 stays unlimited). */
export function replicaRate(carrierTps: number, replicas: number): number {
  if (carrierTps <= 0) return 0;
  return carrierTps / Math.max(1, replicas);
}
