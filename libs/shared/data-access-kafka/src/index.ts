export * from './topics';
export * from './client';
export * from './admin';
export * from './producer';
export * from './consumer';
export * from './consumer-lag';
export * from './consumer-liveness';
