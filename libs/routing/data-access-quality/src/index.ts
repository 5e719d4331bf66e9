// Route quality learned from the gateway's own events (status, submit reports, carrier health),
// for the router's decisions and ingest's ExplainRoute.
export * from './quality-learner';
export * from './result-tracker';
export * from './route-quality.settings';
