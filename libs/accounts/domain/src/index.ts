export * from './errors';
export * from './api-key';
export * from './credential';
export * from './policy';
export * from './usage';
export * from './smpp-credential';
export * from './spend';
