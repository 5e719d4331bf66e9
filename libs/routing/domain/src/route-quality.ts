import type { Destination } from './destination';

/**
 * Route quality learned from results: per carrier × destination (network, else country) and per
 * carrier as a whole, counted in time buckets over two sliding windows (short: the breaker and
 * quick reactions; long: a steadier estimate), turned into a score and a circuit breaker.
 * Pure: observations carry their own time; `snapshot(now)` freezes what routing reads.
 */

export interface QualitySettings {
  /** Short window (the breaker reads it): default 5 min. */
  shortWindowMs: number;
  /** Long window: default 1 h. */
  longWindowMs: number;
  /** Buckets per window (a window slides by one bucket at a time). */
  buckets: number;
  /** Pseudo-outcomes each estimate borrows from the wider one (smoothing: few samples, little change). */
  priorWeight: number;
  /** The delivery ratio assumed for a carrier nothing is known about. */
  priorDeliveryRatio: number;
  /** Receipt latency p90 at which quality is halved (no further penalty beyond). */
  slowLatencyMs: number;
  /** quality-first: score = quality × (cheapest / price)^priceWeight. 0: price ignored. */
  priceWeight: number;
  /** Outcomes in the short window (since the breaker last changed) before it may open on them. */
  breakerMinSamples: number;
  /** Opens at this share of final outcomes not DELIVERED (UNDELIV, EXPIRED, REJECTD). */
  breakerUndeliveredRatio: number;
  /** Opens at this share of submit attempts refused by the carrier. */
  breakerSubmitErrorRate: number;
  /** Open this long before it tries again (half-open). */
  breakerOpenMs: number;
  /** Half-open: the share of traffic starts at halfOpenShare and grows to all of it over this time. */
  breakerRampMs: number;
  halfOpenShare: number;
  /** A connector's health report older than this counts as no report (its binds unknown). */
  healthStaleMs: number;
}

export const DEFAULT_QUALITY_SETTINGS: QualitySettings = {
  shortWindowMs: 5 * 60_000,
  longWindowMs: 60 * 60_000,
  buckets: 10,
  priorWeight: 10,
  priorDeliveryRatio: 0.95,
  slowLatencyMs: 60_000,
  priceWeight: 0.5,
  breakerMinSamples: 20,
  breakerUndeliveredRatio: 0.25,
  breakerSubmitErrorRate: 0.5,
  breakerOpenMs: 60_000,
  breakerRampMs: 120_000,
  halfOpenShare: 0.1,
  healthStaleMs: 60_000,
};

/** What a result says about a carrier toward a destination. */
export type QualityObservation =
  | { kind: 'final'; carrier: string; destination: string; atMs: number; delivered: boolean; latencyMs?: number }
  | { kind: 'submit'; carrier: string; destination: string; atMs: number; error: boolean };

/** A connector replica's report (sms.carrier-health.v1). */
export interface HealthObservation {
  carrier: string;
  instance: string;
  atMs: number;
  bindsUp: number;
  bindsConfigured: number;
  throttled: boolean;
}

// Counters of one bucket (a slice of a Float64Array).
const DELIVERED = 0;
const UNDELIVERED = 1;
const SUBMITS = 2;
const SUBMIT_ERRORS = 3;
/** Connector health reports, and those that say the carrier throttled us in their interval. */
const HEALTH_REPORTS = 4;
const THROTTLED = 5;
/** Receipt latency histogram: upper bounds in ms (the last is open-ended). */
export const LATENCY_BOUNDS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 60_000, 120_000, 300_000, Infinity];
const LATENCY = 6;
const FIELDS = LATENCY + LATENCY_BOUNDS_MS.length;

/** A sliding window: `buckets` slices of `bucketMs`, reused as time moves on (a ring). */
export class WindowCounter {
  private readonly counts: Float64Array;
  private readonly starts: Float64Array;

  constructor(
    readonly bucketMs: number,
    readonly buckets: number,
  ) {
    this.counts = new Float64Array(buckets * FIELDS);
    this.starts = new Float64Array(buckets).fill(-1);
  }

  /** Adds to a counter of the bucket of atMs; too old (before the ring) is ignored. */
  add(atMs: number, field: number, amount = 1): void {
    const start = Math.floor(atMs / this.bucketMs) * this.bucketMs;
    const slot = Math.floor(atMs / this.bucketMs) % this.buckets;
    const at = slot * FIELDS;
    if (this.starts[slot] !== start) {
      if (this.starts[slot] > start) return; // older than the window
      this.starts[slot] = start;
      this.counts.fill(0, at, at + FIELDS);
    }
    this.counts[at + field] += amount;
  }

  /** Sums the buckets within the window ending at nowMs that start at or after fromMs (a bucket cut by fromMs is left out). */
  sum(nowMs: number, fromMs: number, out: Float64Array): Float64Array {
    out.fill(0);
    const oldest = Math.floor(nowMs / this.bucketMs) * this.bucketMs - (this.buckets - 1) * this.bucketMs;
    for (let slot = 0; slot < this.buckets; slot++) {
      const start = this.starts[slot];
      if (start < oldest || start < fromMs || start > nowMs) continue;
      const at = slot * FIELDS;
      for (let f = 0; f < FIELDS; f++) out[f] += this.counts[at + f];
    }
    return out;
  }
}

/** The two windows of one key (carrier × destination, or carrier as a whole). */
class KeyWindows {
  readonly short: WindowCounter;
  readonly long: WindowCounter;
  constructor(s: QualitySettings) {
    this.short = new WindowCounter(s.shortWindowMs / s.buckets, s.buckets);
    this.long = new WindowCounter(s.longWindowMs / s.buckets, s.buckets);
  }
  add(atMs: number, field: number): void {
    this.short.add(atMs, field);
    this.long.add(atMs, field);
  }
}

/** Quantile of the latency histogram (the bucket's upper bound, the last one's lower); undefined: no receipts. */
function latencyQuantile(c: Float64Array, q: number): number | undefined {
  let total = 0;
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) total += c[LATENCY + i];
  if (total === 0) return undefined;
  let seen = 0;
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) {
    seen += c[LATENCY + i];
    if (seen >= q * total) return Number.isFinite(LATENCY_BOUNDS_MS[i]) ? LATENCY_BOUNDS_MS[i] : LATENCY_BOUNDS_MS[i - 1];
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 2];
}

const smooth = (hits: number, n: number, prior: number, weight: number) => (hits + weight * prior) / (n + weight);

/** What Explain and the score know of a carrier toward a destination. */
export interface CarrierQuality {
  /** 0..1: delivery ratio × (1 − submit error rate) × latency factor (see the README). */
  score: number;
  /** Smoothed estimate (short window over long window over the carrier as a whole over the prior). */
  deliveryRatio: number;
  /** Final outcomes in the short window (what the estimate rests on). */
  samples: number;
  receiptP50Ms?: number;
  receiptP90Ms?: number;
  submitErrorRate: number;
  /** Share of the carrier's connector health reports (long window) that say it throttled us: carrier-wide. */
  throttledShare: number;
  /** "network 234-10", "country GB" or "carrier" (no figures for the destination yet). */
  basis: string;
}

export type BreakerState = 'closed' | 'open' | 'half-open';
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'half-open', 'open'];

export interface Breaker {
  state: BreakerState;
  /** When it entered the state: evidence before this does not count for the next move. */
  sinceMs: number;
  /** Why it opened ("34% UNDELIV over 5 min", "0 of 2 binds up"); "" when closed. */
  reason: string;
}

export const CLOSED_BREAKER: Breaker = { state: 'closed', sinceMs: 0, reason: '' };

/** The carrier-wide evidence the breaker moves on, counted since it last changed state. */
export interface BreakerEvidence {
  finals: number;
  undelivered: number;
  submits: number;
  submitErrors: number;
  /** Binds up across connector replicas with a fresh report; undefined: no fresh report. */
  bindsUp?: number;
  bindsConfigured?: number;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
export const formatWindow = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`);

/** Why the carrier should be skipped now, or "" when the evidence is fine. */
function tripReason(e: BreakerEvidence, s: QualitySettings): string {
  if (e.bindsUp === 0 && (e.bindsConfigured ?? 0) > 0) return `0 of ${e.bindsConfigured} binds up`;
  if (e.finals >= s.breakerMinSamples && e.undelivered / e.finals >= s.breakerUndeliveredRatio) return `${pct(e.undelivered / e.finals)} UNDELIV over ${formatWindow(s.shortWindowMs)}`;
  if (e.submits >= s.breakerMinSamples && e.submitErrors / e.submits >= s.breakerSubmitErrorRate) return `${pct(e.submitErrors / e.submits)} submit errors over ${formatWindow(s.shortWindowMs)}`;
  return '';
}

/**
 * The circuit breaker: closed → open when binds are down or errors spike; open → half-open after
 * breakerOpenMs; half-open lets a growing share of traffic through (halfOpenShare → all over
 * breakerRampMs) and goes back to open if that traffic fails the same test, closed once the ramp
 * is done. Evidence is what happened since the last move, so old failures cannot re-open it.
 */
export function nextBreaker(b: Breaker, evidence: BreakerEvidence, nowMs: number, s: QualitySettings): Breaker {
  const why = tripReason(evidence, s);
  switch (b.state) {
    case 'closed':
      return why ? { state: 'open', sinceMs: nowMs, reason: why } : b;
    case 'open':
      return nowMs - b.sinceMs >= s.breakerOpenMs && !(evidence.bindsUp === 0 && (evidence.bindsConfigured ?? 0) > 0) ? { state: 'half-open', sinceMs: nowMs, reason: b.reason } : b;
    case 'half-open':
      if (why) return { state: 'open', sinceMs: nowMs, reason: why };
      return nowMs - b.sinceMs >= s.breakerRampMs ? { state: 'closed', sinceMs: nowMs, reason: '' } : b;
  }
}

/** Half-open: the share of traffic let through at nowMs (1 closed, 0 open). */
export function breakerShare(b: Breaker, nowMs: number, s: QualitySettings): number {
  if (b.state === 'closed') return 1;
  if (b.state === 'open') return 0;
  return Math.min(1, s.halfOpenShare + ((1 - s.halfOpenShare) * Math.max(0, nowMs - b.sinceMs)) / s.breakerRampMs);
}

/** quality × latency factor, times (cheapest / price)^priceWeight: what quality-first ranks by. */
export function routeScore(quality: number, comparableMicros: number, cheapestMicros: number, priceWeight: number): number {
  if (priceWeight === 0) return quality;
  return quality * Math.pow(Math.max(1, cheapestMicros) / Math.max(1, comparableMicros), priceWeight);
}

/** Frozen figures routing reads: built once per refresh, not per decision. */
export class QualitySnapshot {
  constructor(
    readonly atMs: number,
    /** carrier → destination (network or country) → figures. */
    private readonly byDestination: ReadonlyMap<string, ReadonlyMap<string, CarrierQuality>>,
    private readonly carriers: ReadonlyMap<string, { quality: CarrierQuality; breaker: Breaker; share: number }>,
    readonly settings: QualitySettings,
  ) {}

  static readonly EMPTY = new QualitySnapshot(0, new Map(), new Map(), DEFAULT_QUALITY_SETTINGS);

  get priceWeight(): number {
    return this.settings.priceWeight;
  }

  /** Figures toward the destination's network, else its country, else the carrier's; undefined: nothing learned. */
  quality(carrier: string, destination: Destination): CarrierQuality | undefined {
    const d = this.byDestination.get(carrier);
    return (d && ((destination.network && d.get(destination.network)) || (destination.country && d.get(destination.country)))) || this.carriers.get(carrier)?.quality;
  }

  breaker(carrier: string): Breaker {
    return this.carriers.get(carrier)?.breaker ?? CLOSED_BREAKER;
  }

  /** Skipped for this message: breaker open, or half-open and the message outside its share (by id, so a replay agrees). */
  isDown(carrier: string, messageId = ''): boolean {
    const c = this.carriers.get(carrier);
    if (!c || c.share >= 1) return false;
    if (c.share <= 0) return true;
    return unitHash(messageId) >= c.share;
  }

  whyDown(carrier: string): string {
    const c = this.carriers.get(carrier);
    if (!c) return '';
    return c.breaker.state === 'open' ? `breaker open: ${c.breaker.reason}` : `breaker half-open (${pct(c.share)} of traffic) after: ${c.breaker.reason}`;
  }

  /** Carrier-wide figures and breaker, for metrics. */
  carrierFigures(): { carrier: string; score: number; breaker: BreakerState }[] {
    return [...this.carriers].map(([carrier, c]) => ({ carrier, score: c.quality.score, breaker: c.breaker.state }));
  }
}

/** FNV-1a of the message id, mixed, in [0, 1): a split that a replay repeats. */
export function unitHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  // murmur3's finaliser: ids that differ in their last characters (ULIDs) spread evenly
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 0x1_0000_0000;
}

interface CarrierState {
  all: KeyWindows;
  byDestination: Map<string, KeyWindows>;
  breaker: Breaker;
  health: Map<string, HealthObservation>;
}

/**
 * Everything learned, fed by observations (one router replica learns from the whole stream).
 * Mutable on purpose, with bounded memory: two rings per key, keys only for destinations seen.
 */
export class QualityBook {
  private readonly carriers = new Map<string, CarrierState>();
  private readonly scratch = new Float64Array(FIELDS);
  private readonly scratchLong = new Float64Array(FIELDS);

  constructor(readonly settings: QualitySettings = DEFAULT_QUALITY_SETTINGS) {
    if (!(settings.shortWindowMs > 0 && settings.longWindowMs >= settings.shortWindowMs && settings.buckets >= 1)) throw new RangeError('quality windows: need 0 < short ≤ long and at least one bucket');
  }

  private carrier(id: string): CarrierState {
    let c = this.carriers.get(id);
    if (!c) {
      c = { all: new KeyWindows(this.settings), byDestination: new Map(), breaker: CLOSED_BREAKER, health: new Map() };
      this.carriers.set(id, c);
    }
    return c;
  }

  observe(o: QualityObservation): void {
    if (!o.carrier) return;
    const c = this.carrier(o.carrier);
    let d: KeyWindows | undefined;
    if (o.destination) {
      d = c.byDestination.get(o.destination);
      if (!d) c.byDestination.set(o.destination, (d = new KeyWindows(this.settings)));
    }
    const add = (field: number) => {
      c.all.add(o.atMs, field);
      d?.add(o.atMs, field);
    };
    if (o.kind === 'final') {
      add(o.delivered ? DELIVERED : UNDELIVERED);
      if (o.latencyMs !== undefined && o.latencyMs >= 0) {
        let i = 0;
        while (o.latencyMs > LATENCY_BOUNDS_MS[i]) i++;
        add(LATENCY + i);
      }
    } else {
      add(SUBMITS);
      if (o.error) add(SUBMIT_ERRORS);
    }
  }

  observeHealth(h: HealthObservation): void {
    if (!h.carrier) return;
    const c = this.carrier(h.carrier);
    c.health.set(h.instance, h);
    c.all.add(h.atMs, HEALTH_REPORTS);
    if (h.throttled) c.all.add(h.atMs, THROTTLED);
  }

  /** Figures of one key, smoothed toward `prior` (the wider key's ratio). */
  private figures(w: KeyWindows, nowMs: number, prior: number, basis: string): CarrierQuality {
    const s = this.settings;
    const long = w.long.sum(nowMs, 0, this.scratchLong);
    const longRatio = smooth(long[DELIVERED], long[DELIVERED] + long[UNDELIVERED], prior, s.priorWeight);
    const short = w.short.sum(nowMs, 0, this.scratch);
    const finals = short[DELIVERED] + short[UNDELIVERED];
    const deliveryRatio = smooth(short[DELIVERED], finals, longRatio, s.priorWeight);
    // Latency and submit figures: the short window when it has receipts, else the long one.
    const lat = latencyQuantile(short, 0.5) !== undefined ? short : long;
    const sub = short[SUBMITS] > 0 ? short : long;
    const submitErrorRate = sub[SUBMITS] > 0 ? sub[SUBMIT_ERRORS] / sub[SUBMITS] : 0;
    const throttledShare = long[HEALTH_REPORTS] > 0 ? long[THROTTLED] / long[HEALTH_REPORTS] : 0;
    const receiptP50Ms = latencyQuantile(lat, 0.5);
    const receiptP90Ms = latencyQuantile(lat, 0.9);
    const latencyFactor = 1 - 0.5 * Math.min(1, (receiptP90Ms ?? 0) / s.slowLatencyMs);
    const score = deliveryRatio * (1 - submitErrorRate) * latencyFactor;
    return { score, deliveryRatio, samples: finals, receiptP50Ms, receiptP90Ms, submitErrorRate, throttledShare, basis };
  }

  /** Moves every breaker on the evidence since its last move, and freezes the figures routing reads. */
  snapshot(nowMs: number): QualitySnapshot {
    const s = this.settings;
    const byDestination = new Map<string, Map<string, CarrierQuality>>();
    const carriers = new Map<string, { quality: CarrierQuality; breaker: Breaker; share: number }>();
    for (const [id, c] of this.carriers) {
      const quality = this.figures(c.all, nowMs, s.priorDeliveryRatio, 'carrier');
      const own = new Map<string, CarrierQuality>();
      for (const [dest, w] of c.byDestination) own.set(dest, this.figures(w, nowMs, quality.deliveryRatio, /^\d/.test(dest) ? `network ${dest}` : `country ${dest}`));
      byDestination.set(id, own);
      const e = c.all.short.sum(nowMs, c.breaker.sinceMs, this.scratch);
      let bindsUp: number | undefined;
      let bindsConfigured: number | undefined;
      for (const h of c.health.values()) {
        if (nowMs - h.atMs > s.healthStaleMs) continue;
        bindsUp = (bindsUp ?? 0) + h.bindsUp;
        bindsConfigured = (bindsConfigured ?? 0) + h.bindsConfigured;
      }
      c.breaker = nextBreaker(c.breaker, { finals: e[DELIVERED] + e[UNDELIVERED], undelivered: e[UNDELIVERED], submits: e[SUBMITS], submitErrors: e[SUBMIT_ERRORS], bindsUp, bindsConfigured }, nowMs, s);
      carriers.set(id, { quality, breaker: c.breaker, share: breakerShare(c.breaker, nowMs, s) });
    }
    return new QualitySnapshot(nowMs, byDestination, carriers, s);
  }
}
