// Routing configuration: rate cards in PostgreSQL (imports, reads, the active versions kept in
// memory), the route rules file (config/routes.yaml), and the routing configuration versions
// (PostgreSQL, published on sms.routing-config.v1 and followed by every router replica).
export * from './rate-card.store';
export * from './route-rules.file';
export * from './routing.settings';
export * from './routing-config.store';
export * from './routing-config.topic';
export * from './routing-config.follower';
