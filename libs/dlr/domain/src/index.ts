// Delivery receipts and status aggregation: pure functions, no I/O.
export * from './status-rank';
export * from './receipt-stat';
export * from './receipt-text';
export * from './receipt';
export * from './smsc-id';
export * from './aggregate';
export * from './projection';
export * from './receipt-id-detection';
