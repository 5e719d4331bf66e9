/**
 * Token bucket: `rate` tokens per second, at most `burst` stored. The clock is passed in so the
 * bucket is pure and testable; the simulator passes performance.now().
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    nowMs: number,
  ) {
    if (!(rate > 0)) throw new RangeError(`token bucket rate must be positive, got ${rate}`);
    if (!(burst >= 1)) throw new RangeError(`token bucket burst must be at least 1, got ${burst}`);
    this.tokens = burst;
    this.last = nowMs;
  }

  /** Takes one token if there is one. */
  tryTake(nowMs: number): boolean {
    if (nowMs > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.last) * this.rate) / 1000);
      this.last = nowMs;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}
