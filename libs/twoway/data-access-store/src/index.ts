// Two-way in PostgreSQL: inbound numbers and settings (admin API), the suppression list (ingest's
// check, the inbound router, the admin API), routed inbound messages (WatchInbound), sticky senders.
export * from './inbound.store';
export * from './numbers.store';
export * from './suppressions.store';
export * from './sender-pool.store';
