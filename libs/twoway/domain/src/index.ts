export * from './errors';
export * from './inbound-address';
export * from './keywords';
export * from './opt-out';
export * from './route-inbound';
export * from './sticky-sender';
