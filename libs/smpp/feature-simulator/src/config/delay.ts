import type { RandomSource } from './random';

/** A delay distribution in milliseconds. */
export type Delay = { kind: 'fixed'; ms: number } | { kind: 'uniform'; minMs: number; maxMs: number };

export const NO_DELAY: Delay = { kind: 'fixed', ms: 0 };

export function sampleDelay(delay: Delay, random: RandomSource): number {
  if (delay.kind === 'fixed') return delay.ms;
  return delay.minMs + Math.floor(random() * (delay.maxMs - delay.minMs + 1));
}

export function isZeroDelay(delay: Delay): boolean {
  return delay.kind === 'fixed' ? delay.ms === 0 : delay.maxMs === 0;
}

/**
 * Reads a delay as written in the config file or a flag: `25` (fixed ms), `"10-50"` (uniform),
 * `{ fixed: 25 }`, `{ min: 10, max: 50 }`. Returns a reason string when the value is not a delay.
 */
export function parseDelay(value: unknown): Delay | string {
  if (typeof value === 'number') return fixed(value);
  if (typeof value === 'string') {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?(?:ms)?\s*$/.exec(value);
    if (!m) return `expected milliseconds like "25" or a range like "10-50", got "${value}"`;
    return m[2] === undefined ? fixed(Number(m[1])) : uniform(Number(m[1]), Number(m[2]));
  }
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('fixed' in o) return typeof o['fixed'] === 'number' ? fixed(o['fixed']) : `fixed must be a number of ms`;
    if ('ms' in o) return typeof o['ms'] === 'number' ? fixed(o['ms']) : `ms must be a number`;
    if ('min' in o || 'max' in o) {
      const min = o['min'] ?? 0;
      const max = o['max'];
      if (typeof min !== 'number' || typeof max !== 'number') return `min and max must be numbers of ms`;
      return uniform(min, max);
    }
  }
  return `expected a delay (ms, "min-max", {fixed}, or {min, max}), got ${JSON.stringify(value)}`;
}

function fixed(ms: number): Delay | string {
  if (!Number.isInteger(ms) || ms < 0) return `delay must be a whole number of ms ≥ 0, got ${ms}`;
  return { kind: 'fixed', ms };
}

function uniform(minMs: number, maxMs: number): Delay | string {
  if (!Number.isInteger(minMs) || !Number.isInteger(maxMs) || minMs < 0 || maxMs < minMs) {
    return `delay range must be whole ms with 0 ≤ min ≤ max, got ${minMs}-${maxMs}`;
  }
  return minMs === maxMs ? { kind: 'fixed', ms: minMs } : { kind: 'uniform', minMs, maxMs };
}
