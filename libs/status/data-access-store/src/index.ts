// The status store (PostgreSQL): the read side ingest serves GetMessage/WatchStatus from, and the
// projection the dlr-processor writes. Schema: libs/shared/data-access-db/migrations.
export * from './queryable';
export * from './message.reader';
export * from './projection';
export * from './usage.reader';
export * from './unmatched-receipts';
export * from './receipt-id-rematch';
