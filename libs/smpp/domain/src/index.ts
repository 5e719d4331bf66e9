// Pure SMPP logic: command_status names and what they mean, errors, receipts, addressing,
// the send window, token bucket, back-off and throttle governor. No I/O, no node-smpp.
export * from './command-status';
export * from './smpp-error';
export * from './incoming-pdu';
export * from './receipt';
export * from './addressing';
export * from './submit-window';
export * from './token-bucket';
export * from './backoff';
export * from './throttle-governor';
export * from './render';
export * from './pdu-codec';
