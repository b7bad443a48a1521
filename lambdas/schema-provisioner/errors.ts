import type { SqlError } from '../shared/db/sql-client';

/** SQL text the splitter cannot cut into statements, e.g. an unterminated string. */
export class SqlSplitError extends Error {
  constructor(
    message: string,
    /** The 1-based line where the offending construct starts. */
    public readonly line: number,
  ) {
    super(`${message} (line ${line})`);
    this.name = 'SqlSplitError';
  }
}

/** A migration set that cannot be applied as it is; nothing was applied. */
export class MigrationError extends Error {
  constructor(
    message: string,
    /** The migration file at fault, e.g. `0002_notes.sql`. */
    public readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** A migration the database refused: its transaction was rolled back, earlier migrations stay applied. */
export class MigrationFailedError extends MigrationError {
  /** PostgreSQL's SQLSTATE, when the driver reported one. */
  public readonly sqlState?: string;

  constructor(file: string, cause: SqlError | Error) {
    super(`Migration ${file} failed: ${cause.message}`, file, { cause });
    this.name = 'MigrationFailedError';
    this.sqlState = (cause as Partial<SqlError>).sqlState;
  }
}

/** The tenant's database objects cannot be put in the required state; the admin transaction was rolled back. */
export class ProvisioningError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProvisioningError';
  }
}
