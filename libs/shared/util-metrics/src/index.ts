export * from './registry';
export * from './consumer-lag';
export * from './kafka-requests';
