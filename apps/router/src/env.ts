import { KAFKA_SETTINGS, OBSERVABILITY_SETTINGS, int, str, type ConfigOf } from '@smsgw/shared/util-config';

export const ROUTER_ENV = {
  ...KAFKA_SETTINGS,
  ...OBSERVABILITY_SETTINGS,
  ROUTER_HTTP_PORT: int(8083, 'router: HTTP port for /metrics and /healthz.', { min: 1, max: 65535 }),
  ROUTES_FILE: str('config/routes.yaml', 'router: the route table file (YAML); reloaded when it changes.'),
};

export type RouterEnv = ConfigOf<typeof ROUTER_ENV>;
