// Per-account rate limits, counted in Redis and shared by every ingest replica.
export * from './account-rate-limiter';
export * from './pumping-guard';
