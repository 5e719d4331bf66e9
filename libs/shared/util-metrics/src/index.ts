export * from './registry';
export * from './consumer-lag';
