export * from './smtp-reply';
export * from './recipient';
export * from './mail-text';
export * from './sender';
export * from './mail-identity';
export * from './mail-outcome';
export * from './delivery-report';
