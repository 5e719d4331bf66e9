import { DEFAULT_QUALITY_SETTINGS as D, type QualitySettings } from '@smsgw/routing/domain';
import { int, type ConfigOf } from '@smsgw/shared/util-config';

/** How the router (and ingest, for ExplainRoute) learn route quality and move the circuit breaker. */
export const ROUTE_QUALITY_SETTINGS = {
  ROUTE_QUALITY_SHORT_WINDOW_MS: int(D.shortWindowMs, 'router and ingest (ExplainRoute): the short quality window (breaker, quick reactions), ms.', { min: 1_000, max: 86_400_000 }),
  ROUTE_QUALITY_LONG_WINDOW_MS: int(D.longWindowMs, 'router and ingest (ExplainRoute): the long quality window (steadier estimate), ms; at least the short one.', { min: 1_000, max: 7 * 86_400_000 }),
  ROUTE_QUALITY_REFRESH_MS: int(1_000, 'router and ingest (ExplainRoute): how often the quality snapshot routing reads is rebuilt (and breakers move).', { min: 100, max: 60_000 }),
  ROUTE_QUALITY_PRICE_WEIGHT_PERCENT: int(D.priceWeight * 100, 'router and ingest (ExplainRoute): quality-first score = quality × (cheapest / price)^(this / 100); 0 ignores price.', { min: 0, max: 1_000 }),
  ROUTE_QUALITY_PENDING_MAX: int(200_000, 'router and ingest (ExplainRoute): messages remembered between submit and final status (for their destination network and receipt latency); the oldest are forgotten first.', { min: 1_000, max: 10_000_000 }),
  ROUTE_BREAKER_MIN_SAMPLES: int(D.breakerMinSamples, 'router and ingest (ExplainRoute): outcomes since the breaker last moved before it may open on them.', { min: 1, max: 1_000_000 }),
  ROUTE_BREAKER_UNDELIVERED_PERCENT: int(D.breakerUndeliveredRatio * 100, 'router and ingest (ExplainRoute): the breaker opens when this share (%) of final outcomes in the short window is not DELIVERED.', { min: 1, max: 100 }),
  ROUTE_BREAKER_SUBMIT_ERROR_PERCENT: int(D.breakerSubmitErrorRate * 100, 'router and ingest (ExplainRoute): the breaker opens when this share (%) of submits in the short window fails.', { min: 1, max: 100 }),
  ROUTE_BREAKER_OPEN_MS: int(D.breakerOpenMs, 'router and ingest (ExplainRoute): how long an open breaker keeps its carrier out before half-open.', { min: 100, max: 86_400_000 }),
  ROUTE_BREAKER_RAMP_MS: int(D.breakerRampMs, 'router and ingest (ExplainRoute): half-open: traffic grows from ROUTE_BREAKER_HALF_OPEN_PERCENT to all over this time, then closed.', { min: 100, max: 86_400_000 }),
  ROUTE_BREAKER_HALF_OPEN_PERCENT: int(D.halfOpenShare * 100, 'router and ingest (ExplainRoute): half-open: the share (%) of traffic the carrier gets at first.', { min: 1, max: 100 }),
};

export type RouteQualityConfig = ConfigOf<typeof ROUTE_QUALITY_SETTINGS>;

export function qualitySettings(c: RouteQualityConfig): QualitySettings {
  return {
    ...D,
    shortWindowMs: c.ROUTE_QUALITY_SHORT_WINDOW_MS,
    longWindowMs: Math.max(c.ROUTE_QUALITY_LONG_WINDOW_MS, c.ROUTE_QUALITY_SHORT_WINDOW_MS),
    priceWeight: c.ROUTE_QUALITY_PRICE_WEIGHT_PERCENT / 100,
    breakerMinSamples: c.ROUTE_BREAKER_MIN_SAMPLES,
    breakerUndeliveredRatio: c.ROUTE_BREAKER_UNDELIVERED_PERCENT / 100,
    breakerSubmitErrorRate: c.ROUTE_BREAKER_SUBMIT_ERROR_PERCENT / 100,
    breakerOpenMs: c.ROUTE_BREAKER_OPEN_MS,
    breakerRampMs: c.ROUTE_BREAKER_RAMP_MS,
    halfOpenShare: c.ROUTE_BREAKER_HALF_OPEN_PERCENT / 100,
  };
}
