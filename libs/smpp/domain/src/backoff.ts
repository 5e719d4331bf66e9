export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** Upper bound of the delay. */
  maxMs: number;
  /** Growth per attempt (2 doubles). */
  multiplier: number;
  /** Share of the delay that is randomised, 0..1 (0.2: the delay is 80–100% of the computed one). */
  jitter: number;
}

/**
 * Exponential back-off with jitter for attempt 1, 2, 3…: initial × multiplier^(attempt-1), capped,
 * then reduced by up to `jitter` of itself, so a fleet of connectors that lost the SMSC together
 * does not reconnect in lockstep.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  const base = Math.min(policy.maxMs, policy.initialMs * Math.pow(policy.multiplier, n - 1));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(base * (1 - jitter * random()));
}
