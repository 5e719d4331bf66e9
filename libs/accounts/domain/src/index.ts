export * from './errors';
export * from './api-key';
export * from './credential';
export * from './policy';
