import { Inject, Injectable } from '@nestjs/common';
import { METRICS } from '@smsgw/shared/feature-ops';
import { counter, gauge, histogram, type Registry } from '@smsgw/shared/util-metrics';

@Injectable()
export class RouterMetrics {
  readonly routed;
  readonly failed;
  readonly cost;
  readonly routes;
  readonly configVersion;
  readonly stageSeconds;
  readonly qualityScore;
  readonly breakerState;

  constructor(@Inject(METRICS) registry: Registry) {
    this.routed = counter(registry, 'smsgw_messages_routed_total', 'Messages sent to a carrier topic, by carrier and attempt kind.', ['carrier', 'attempt']);
    this.failed = counter(registry, 'smsgw_messages_route_failed_total', 'Messages that ended FAILED at the router, by reason.', ['reason']);
    this.cost = counter(registry, 'smsgw_route_cost_micros_total', 'What routed messages cost on their carriers (price per segment × segments, micro-units), by carrier and currency.', ['carrier', 'currency']);
    this.routes = gauge(registry, 'smsgw_routes_loaded', 'Route rules of the routing configuration version in use.');
    this.configVersion = gauge(registry, 'smsgw_router_config_version', 'The routing configuration version this replica routes with (sms.routing-config.v1).');
    this.stageSeconds = histogram(registry, 'smsgw_stage_latency_seconds', 'Time from acceptance to the end of each pipeline stage.', ['stage']);
    this.qualityScore = gauge(registry, 'smsgw_route_quality_score', 'Learned route quality of each carrier, all destinations (0..1; see the README, Routing).', ['carrier']);
    this.breakerState = gauge(registry, 'smsgw_route_breaker_state', "Each carrier's circuit breaker: 0 closed, 1 half-open, 2 open.", ['carrier']);
  }
}
