// Accounts and API keys in PostgreSQL: the admin API's writes, the authenticator's reads.
export * from './account.store';
export * from './smpp-credential.store';
export * from './balance.store';
