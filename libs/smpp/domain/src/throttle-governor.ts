import { backoffDelay, type BackoffPolicy } from './backoff';

/** Counts events in a sliding window of `windowMs`, in `slots` buckets. */
export class RateMeter {
  private readonly counts: number[];
  private readonly slotMs: number;
  private slotStart = 0;
  private index = 0;

  constructor(
    private readonly windowMs = 1000,
    slots = 10,
  ) {
    this.counts = new Array<number>(slots).fill(0);
    this.slotMs = windowMs / slots;
  }

  add(now: number, n = 1): void {
    this.advance(now);
    this.counts[this.index] += n;
  }

  /** Events per second over the window. */
  rate(now: number): number {
    this.advance(now);
    let sum = 0;
    for (const c of this.counts) sum += c;
    return (sum * 1000) / this.windowMs;
  }

  private advance(now: number): void {
    if (this.slotStart === 0) this.slotStart = now;
    let steps = Math.floor((now - this.slotStart) / this.slotMs);
    if (steps <= 0) return;
    if (steps >= this.counts.length) {
      this.counts.fill(0);
      steps = this.counts.length;
    } else {
      for (let i = 0; i < steps; i++) {
        this.index = (this.index + 1) % this.counts.length;
        this.counts[this.index] = 0;
      }
    }
    this.slotStart += Math.floor((now - this.slotStart) / this.slotMs) * this.slotMs;
  }
}

export interface ThrottleGovernorOptions {
  /** Pause after a throttling response, growing while the carrier keeps throttling. */
  backoff: BackoffPolicy;
  /** Never slow below this many segments a second. */
  minRate: number;
  /** After a throttle, the limit is this share of the rate the carrier was accepting (0..1). */
  decrease: number;
  /** Each quiet interval raises the limit by this factor (e.g. 1.2), until it no longer binds. */
  increase: number;
  /** How long without throttling counts as a quiet interval. */
  recoveryIntervalMs: number;
}

export const DEFAULT_THROTTLE_GOVERNOR: ThrottleGovernorOptions = {
  backoff: { initialMs: 100, maxMs: 5_000, multiplier: 2, jitter: 0.2 },
  minRate: 1,
  decrease: 0.9,
  increase: 1.2,
  recoveryIntervalMs: 1_000,
};

/**
 * Decides how fast to submit after the carrier said ESME_RTHROTTLED or ESME_RMSGQFUL: pause
 * briefly (back-off), then send at a little less than the rate the carrier was accepting, and
 * raise the limit again step by step while it stays quiet (additive-increase/multiplicative-
 * decrease in spirit). A burst of throttled responses from one window counts as one event.
 */
export class ThrottleGovernor {
  private readonly accepted = new RateMeter();
  private limit = 0; // 0 = no adaptive limit
  private consecutive = 0;
  private pausedUntilMs = 0;
  private lastThrottleAt = 0;
  private lastRaiseAt = 0;

  constructor(
    private readonly options: ThrottleGovernorOptions = DEFAULT_THROTTLE_GOVERNOR,
    private readonly random: () => number = Math.random,
  ) {}

  /** The adaptive limit in segments a second; 0 when there is none. */
  get currentLimit(): number {
    return this.limit;
  }

  /** Whether the carrier throttled within the last recovery interval. */
  throttledRecently(now: number): boolean {
    return this.lastThrottleAt > 0 && now - this.lastThrottleAt < this.options.recoveryIntervalMs;
  }

  pausedUntil(): number {
    return this.pausedUntilMs;
  }

  isPaused(now: number): boolean {
    return now < this.pausedUntilMs;
  }

  onAccepted(now: number): void {
    this.accepted.add(now);
    this.maybeRaise(now);
  }

  onThrottled(now: number): void {
    if (now < this.pausedUntilMs) return; // same burst: already backing off
    this.consecutive = now - this.lastThrottleAt < this.options.recoveryIntervalMs * 2 ? this.consecutive + 1 : 1;
    this.lastThrottleAt = now;
    this.lastRaiseAt = now;
    this.pausedUntilMs = now + backoffDelay(this.consecutive, this.options.backoff, this.random);
    const observed = this.accepted.rate(now);
    const base = this.limit > 0 ? Math.min(this.limit, Math.max(observed, this.options.minRate)) : observed;
    this.limit = Math.max(this.options.minRate, base * this.options.decrease);
  }

  /** Re-evaluates the limit without an event (call from a timer so an idle carrier recovers). */
  tick(now: number): void {
    this.maybeRaise(now);
  }

  private maybeRaise(now: number): void {
    if (this.limit === 0 || now - this.lastRaiseAt < this.options.recoveryIntervalMs) return;
    this.lastRaiseAt = now;
    this.consecutive = 0;
    const observed = this.accepted.rate(now);
    // Lift the limit entirely once traffic no longer presses against it.
    if (observed < this.limit * 0.5 && now - this.lastThrottleAt > this.options.recoveryIntervalMs * 5) {
      this.limit = 0;
      return;
    }
    this.limit = this.limit * this.options.increase;
  }
}
