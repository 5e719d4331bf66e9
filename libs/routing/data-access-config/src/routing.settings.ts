import { int, str } from '@smsgw/shared/util-config';

/** What the router and ingest (for ExplainRoute) read to route alike. */
export const ROUTING_SETTINGS = {
  ROUTES_FILE: str(
    'config/routes.yaml',
    'router: the route rules file (YAML) that becomes routing configuration version 1 when none is stored (later files: smsgw routes import); ingest (ExplainRoute): the rules used while no version is published.',
  ),
  ROUTING_CONFIG_NAME: str('', 'router, ingest: the routing configuration to follow and change (its versions in PostgreSQL, its key on sms.routing-config.v1); empty: <KAFKA_TOPIC_PREFIX>default.'),
  RATE_CARD_REFRESH_MS: int(5000, 'router and ingest (ExplainRoute): how often the rate card versions in PostgreSQL are checked for one whose effective date came; a new active version is loaded once.', { min: 100, max: 3_600_000 }),
};

/**
 * The configuration a deployment follows. By default it is named after the topic prefix, so
 * deployments (and test runs) sharing one PostgreSQL but not their topics keep separate histories.
 */
export function routingConfigName(config: { ROUTING_CONFIG_NAME: string; KAFKA_TOPIC_PREFIX: string }): string {
  return config.ROUTING_CONFIG_NAME || `${config.KAFKA_TOPIC_PREFIX}default`;
}
