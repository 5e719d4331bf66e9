// PostgreSQL access shared by the apps: pool creation, database creation and the versioned
// migrations of ../migrations (the status store).
export {
  createPool,
  databaseUrlWithName,
  ensureDatabase,
  parseDatabaseUrl,
  pingDatabase,
  quoteIdentifier,
  redactUrl,
  toDatabaseError,
  type DatabaseTarget,
  type EnsureDatabaseResult,
  type PoolOptions,
} from './connection';
export {
  DatabaseError,
  DatabaseUnreachableError,
  DatabaseUrlError,
  MigrationChecksumError,
  MigrationFailedError,
  MigrationFileError,
  MigrationLockTimeoutError,
} from './errors';
export {
  checksum,
  findMigrationsDir,
  loadMigrations,
  migrate,
  migrationFromFile,
  migrationStatus,
  MIGRATION_LOCK_KEY,
  MIGRATIONS_DIR,
  type AppliedMigration,
  type MigrateOptions,
  type MigrateResult,
  type Migration,
  type MigrationStatus,
} from './migrations';
export { freePort, startPrivatePostgres, type PrivatePostgres } from './private-postgres';
