import { ROUTING_SETTINGS } from '@smsgw/routing/data-access-config';
import { ROUTE_QUALITY_SETTINGS } from '@smsgw/routing/data-access-quality';
import { DATABASE_SETTINGS, KAFKA_SETTINGS, OBSERVABILITY_SETTINGS, int, type ConfigOf } from '@smsgw/shared/util-config';

export const ROUTER_ENV = {
  ...KAFKA_SETTINGS,
  ...DATABASE_SETTINGS,
  ...OBSERVABILITY_SETTINGS,
  ...ROUTING_SETTINGS,
  ...ROUTE_QUALITY_SETTINGS,
  ROUTER_HTTP_PORT: int(8083, 'router: HTTP port for /metrics and /healthz.', { min: 1, max: 65535 }),
};

export type RouterEnv = ConfigOf<typeof ROUTER_ENV>;
