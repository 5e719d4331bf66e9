// Pure SMPP logic: what a command_status means for a submit, errors, receipts, addressing, the
// send window, token bucket, back-off and throttle governor. No I/O, no node-smpp. The wire itself
// (command ids, statuses, TLVs, framing, PDU bodies) is @smsgw/smpp/util-wire.
export * from './submit-status';
export * from './smpp-error';
export * from './receipt';
export * from './addressing';
export * from './submit-window';
export * from './token-bucket';
export * from './backoff';
export * from './throttle-governor';
export * from './render';
export * from './submit-journal';
export * from './receipt-text';
export * from './concat-reassembly';
export * from './submit-reports';
