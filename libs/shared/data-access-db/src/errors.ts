// Errors carry a stable `code` and a message that says what to do, so a launcher can print
// `err.message` as one line instead of a stack trace.
export class DatabaseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** DATABASE_URL is not a usable postgres:// URL. */
export class DatabaseUrlError extends DatabaseError {
  constructor(readonly url: string, detail: string) {
    super('DB.BAD_URL', `DATABASE_URL "${url}" is not usable: ${detail} (expected e.g. postgres://postgres@127.0.0.1:5432/smsgw)`);
  }
}

/** The server could not be reached, refused us, or lacks the database. */
export class DatabaseUnreachableError extends DatabaseError {
  constructor(
    /** The URL with any password masked. */
    readonly url: string,
    /** What went wrong, e.g. "connection refused". */
    readonly reason: string,
    hint: string,
    cause?: unknown,
  ) {
    super('DB.UNREACHABLE', `PostgreSQL at ${url}: ${reason} — ${hint}`, { cause });
  }
}

/** A migration file is misnamed, duplicated or out of order. */
export class MigrationFileError extends DatabaseError {
  constructor(message: string) {
    super('DB.MIGRATION_FILE', message);
  }
}

/** An applied migration's file changed after it ran. */
export class MigrationChecksumError extends DatabaseError {
  constructor(
    readonly file: string,
    readonly appliedChecksum: string,
    readonly fileChecksum: string,
  ) {
    super(
      'DB.MIGRATION_CHECKSUM',
      `migration ${file} was changed after it was applied (checksum ${short(appliedChecksum)} in schema_migrations, ` +
        `${short(fileChecksum)} on disk): restore the file and put the change in a new migration`,
    );
  }
}

/** A migration's SQL failed; its transaction was rolled back. */
export class MigrationFailedError extends DatabaseError {
  constructor(
    readonly file: string,
    detail: string,
    cause?: unknown,
  ) {
    super('DB.MIGRATION_FAILED', `migration ${file} failed and was rolled back: ${detail}`, { cause });
  }
}

/** Another process held the migration lock for too long. */
export class MigrationLockTimeoutError extends DatabaseError {
  constructor(waitedMs: number) {
    super(
      'DB.MIGRATION_LOCK_TIMEOUT',
      `waited ${Math.round(waitedMs / 1000)} s for the migration lock held by another process: ` +
        'let it finish, or find it with SELECT * FROM pg_locks WHERE locktype = \'advisory\'',
    );
  }
}

const short = (checksum: string) => checksum.slice(0, 12);
